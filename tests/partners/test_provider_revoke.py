"""A reseller revokes its authorisation of a provider: confirmed, the provider is emailed."""

import pytest
from django.core import mail
from django.urls import reverse

from customers.models import Customer
from partners.models import Partnership
from portal.models import ActivityEvent
from portal.roles import Role
from relationships.models import AdminRelationship
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def partnership(provider, reseller):
    return Partnership.objects.get(provider=provider, reseller=reseller)


def _url(partnership):
    return reverse("partners:provider_revoke", args=[partnership.uuid])


def test_it_asks_for_confirmation(reseller_client, partnership):
    html = reseller_client.get(_url(partnership)).content.decode()
    assert "Contoso Test Distribution" in html and ">Yes</button>" in html
    assert Partnership.objects.get(pk=partnership.pk).status == "active"


def test_yes_ends_the_partnership_and_emails_the_provider(
    reseller_client,
    reseller_admin,
    provider,
    reseller,
    partnership,
    django_capture_on_commit_callbacks,
):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.AdminRelationshipFactory(customer=customer, partner=reseller)
    rows = (Customer.objects.count(), AdminRelationship.objects.live().count())
    with django_capture_on_commit_callbacks(execute=True):
        response = reseller_client.post(_url(partnership))
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == "removed" and partnership.removed_by == reseller_admin
    assert (Customer.objects.count(), AdminRelationship.objects.live().count()) == rows
    events = ActivityEvent.objects.filter(verb="partnership.revoked")
    assert {e.organisation for e in events} == {provider, reseller}
    assert mail.outbox[0].to == [provider.contact_email]
    assert "revoked" in mail.outbox[0].subject
    assert (
        "Contoso"
        not in reseller_client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    )


@pytest.mark.parametrize("role", [Role.SALES_AGENT, Role.USER_ADMIN])
def test_a_member_without_the_right_gets_403(
    client_for, member_factory, reseller, partnership, role
):
    assert client_for(member_factory(reseller, role)).post(_url(partnership)).status_code == 403
    assert Partnership.objects.get(pk=partnership.pk).status == "active"


def test_a_foreign_partnership_is_a_404(client_for, member_factory, partnership):
    stranger = client_for(member_factory(f.ResellerFactory(), Role.GLOBAL_ADMIN))
    assert stranger.post(_url(partnership)).status_code == 404
    assert Partnership.objects.get(pk=partnership.pk).status == "active"


def test_it_is_a_404_to_the_provider(provider_client, partnership):
    assert provider_client.post(_url(partnership)).status_code == 404
