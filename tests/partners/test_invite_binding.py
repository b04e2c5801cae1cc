"""A partnership invite is accepted from the invited address's domain, unless the provider chose
"any address" when preparing it: a forwarded or leaked link is not a bearer token."""

import pytest
from django.urls import reverse

from partners import services
from partners.models import Partnership, PartnershipRequest
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite_to_fabrikam(provider, provider_admin):
    return services.partnership_request_prepare(
        provider=provider, actor=provider_admin, email="owner@fabrikam.example"
    )


def _accept(client, prepared):
    return client.post(reverse("partners:invite_accept", args=[prepared.token]), {"consent": "on"})


def _reseller_admin_at(client_for, email):
    reseller = f.ResellerFactory()
    user = f.MembershipFactory(
        organisation=reseller, role=Role.GLOBAL_ADMIN, user__email=email
    ).user
    return client_for(user)


def test_a_user_at_another_domain_cannot_accept(client_for, invite_to_fabrikam):
    client = _reseller_admin_at(client_for, "someone@elsewhere.example")
    page = client.get(reverse("partners:invite", args=[invite_to_fabrikam.token]))
    assert "was sent to another email address" in page.content.decode()
    response = _accept(client, invite_to_fabrikam)
    assert response.status_code == 403
    assert "was sent to another email address" in response.content.decode()
    assert not Partnership.objects.exists()
    assert PartnershipRequest.objects.get().status == "pending"


def test_a_user_at_the_invited_domain_accepts(client_for, invite_to_fabrikam):
    client = _reseller_admin_at(client_for, "admin@Fabrikam.example")
    response = _accept(client, invite_to_fabrikam)
    assert response.status_code == 302
    assert Partnership.objects.count() == 1


def test_an_invite_for_any_address_is_accepted_from_anywhere(provider_client, client_for):
    response = provider_client.post(
        reverse("partners:request_new"), {"email": "owner@fabrikam.example", "any_address": "on"}
    )
    assert response.status_code == 200
    partnership_request = PartnershipRequest.objects.get()
    assert partnership_request.any_address is True
    token = response.context["draft_form"].initial["token"]
    client = _reseller_admin_at(client_for, "someone@elsewhere.example")
    answer = client.post(reverse("partners:invite_accept", args=[token]), {"consent": "on"})
    assert answer.status_code == 302
    assert Partnership.objects.count() == 1


def test_the_preparing_page_offers_the_choice_in_both_languages(provider_client):
    page = provider_client.get(reverse("partners:request_new")).content.decode()
    assert 'name="any_address"' in page
    provider_client.cookies["django_language"] = "ja"
    page = provider_client.get(reverse("partners:request_new")).content.decode()
    assert 'name="any_address"' in page and "Anyone with the link" not in page


def test_enrolling_needs_an_address_at_the_invited_domain(client, invite_to_fabrikam):
    data = {
        "company_name": "Fabrikam KK",
        "partner_id": "5550001",
        "location_partner_id": "5550002",
        "country": "JP",
        "agreement": "on",
        "first_name": "Aiko",
        "last_name": "Sato",
        "email": "aiko@elsewhere.example",
        "password": "a-Long-and-unusual-passphrase-42",
        "consent": "on",
    }
    response = client.post(reverse("partners:invite_enrol", args=[invite_to_fabrikam.token]), data)
    assert "Enrol with an address at the domain the invitation was sent to" in (
        response.content.decode()
    )


def test_the_enrolment_email_is_prefilled_from_the_invite(client, invite_to_fabrikam):
    html = client.get(reverse("partners:invite", args=[invite_to_fabrikam.token])).content.decode()
    assert 'value="owner@fabrikam.example"' in html
