"""Remove partnership: confirm with the consequences, then Yes; every customer row stays."""

import pytest
from django.core import mail
from django.urls import reverse

from customers.models import Customer
from partners import services
from partners.models import Partnership
from portal.models import ActivityEvent, OutboundEmail
from portal.roles import Role
from relationships.models import AdminRelationship
from subscriptions.models import Subscription
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def partnership(provider, reseller):
    return Partnership.objects.get(provider=provider, reseller=reseller)


def _url(partnership):
    return reverse("partners:partnership_remove", args=[partnership.uuid])


def _counts():
    return (
        Customer.objects.count(),
        Subscription.objects.count(),
        AdminRelationship.objects.live().count(),
    )


def test_it_asks_for_confirmation_quoting_the_consequences(provider_client, partnership):
    html = provider_client.get(_url(partnership)).content.decode()
    for consequence in (
        "customers are not deleted",
        "Admin relationships are not changed",
        "No notice is sent to the customers or to the reseller",
        "legal notice to the reseller is your duty",
    ):
        assert consequence in html
    assert ">Yes</button>" in html and "csrfmiddlewaretoken" in html
    assert Partnership.objects.get(pk=partnership.pk).status == "active"


def test_yes_removes_it_and_keeps_customers_subscriptions_and_admin_relationships(
    provider_client, provider_admin, provider, reseller, partnership
):
    for customer in f.CustomerFactory.create_batch(2, provider=provider, reseller=reseller):
        f.SubscriptionFactory(customer=customer)
    before = _counts()
    response = provider_client.post(_url(partnership))
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == "removed"
    assert partnership.removed_by == provider_admin and partnership.removed_at
    assert _counts() == before
    assert Customer.objects.filter(reseller=reseller).count() == 2
    assert ActivityEvent.objects.filter(verb="partnership.removed", organisation=provider).exists()
    assert not OutboundEmail.objects.exists() and not mail.outbox  # no notice is sent
    html = provider_client.get(response.url).content.decode()
    assert "Fabrikam Test Solutions was removed" in html
    table = provider_client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "Fabrikam" not in table


def test_the_provider_can_partner_with_the_reseller_again(
    provider, provider_admin, reseller, partnership, reseller_admin, provider_client
):
    provider_client.post(_url(partnership))
    response = provider_client.post(
        reverse("partners:request_new"), {"email": reseller.contact_email}
    )
    assert "already partnered" not in response.content.decode()
    prepared = services.partnership_request_prepare(
        provider=provider, actor=provider_admin, email=reseller_admin.email
    )
    services.partnership_accept(token=prepared.token, reseller=reseller, actor=reseller_admin)
    statuses = Partnership.objects.filter(provider=provider, reseller=reseller)
    assert sorted(statuses.values_list("status", flat=True)) == ["active", "removed"]


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN_AGENT, 302), (Role.SALES_AGENT, 403), (Role.USER_ADMIN, 403)],
)
def test_only_global_admins_and_admin_agents_may_remove(role_client, partnership, role, status):
    assert role_client(role).post(_url(partnership)).status_code == status
    expected = "removed" if status == 302 else "active"
    assert Partnership.objects.get(pk=partnership.pk).status == expected


def test_a_foreign_partnership_is_a_404(outsider_client, partnership):
    assert outsider_client.get(_url(partnership)).status_code == 404
    assert outsider_client.post(_url(partnership)).status_code == 404
    assert Partnership.objects.get(pk=partnership.pk).status == "active"


def test_an_already_removed_partnership_is_a_404(provider_client, partnership):
    provider_client.post(_url(partnership))
    assert provider_client.post(_url(partnership)).status_code == 404


def test_it_is_a_404_to_the_reseller(reseller_client, partnership):
    assert reseller_client.post(_url(partnership)).status_code == 404


def test_it_speaks_japanese(provider_client, partnership, japanese):
    html = japanese(provider_client).get(_url(partnership)).content.decode()
    assert "パートナーシップの削除" in html and "はい" in html
