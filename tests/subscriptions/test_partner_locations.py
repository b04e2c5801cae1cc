"""The Reseller (MPN ID) field looks up the creditable locations as typed, not in the page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import Organisation, PartnerLocation, Partnership
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

LOOKUP = reverse("subscriptions:partner_locations")


def add_partners(provider, count: int, *, name: str = "Bulk Partner") -> None:
    """``count`` active, authorised resellers partnered with ``provider``, one location each."""
    start = Organisation.objects.count()
    resellers = Organisation.objects.bulk_create(
        Organisation(
            kind=Organisation.Kind.RESELLER,
            legal_name=f"{name} {n:05d}",
            partner_id=str(5_100_000 + start + n),
            contact_email=f"bulk{start + n}@reseller.example",
            country="US",
            agreement_accepted_at=timezone.now(),
            require_mfa=False,
        )
        for n in range(count)
    )
    PartnerLocation.objects.bulk_create(
        PartnerLocation(
            organisation=reseller,
            name="Head office",
            location_partner_id=str(9_100_000 + start + n),
            country="US",
        )
        for n, reseller in enumerate(resellers)
    )
    Partnership.objects.bulk_create(
        Partnership(provider=provider, reseller=reseller) for reseller in resellers
    )


def test_the_details_of_a_provider_with_3000_locations_stay_small_in_constant_queries(
    provider_client, provider, detail_url, django_assert_max_num_queries
):
    provider_client.get(detail_url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        small = provider_client.get(detail_url)
    add_partners(provider, 3_000)
    with django_assert_max_num_queries(len(few)):
        response = provider_client.get(detail_url)
    assert response.status_code == 200
    assert len(response.content) < 100_000
    assert len(response.content) - len(small.content) < 2_000
    html = response.content.decode()
    assert 'id="partner-locations"' in html and "Bulk Partner" not in html


def test_it_finds_locations_by_the_start_of_their_id(provider_client, reseller_location):
    typed = reseller_location.location_partner_id[:5]
    html = provider_client.get(LOOKUP, {"location_partner_id": typed}).content.decode()
    assert f'<option value="{reseller_location.location_partner_id}">' in html
    assert f"<code>{reseller_location.location_partner_id}</code>" in html


def test_it_finds_locations_by_the_partners_name(provider_client, provider, reseller_location):
    add_partners(provider, 3, name="Contoso Partner")
    html = provider_client.get(LOOKUP, {"location_partner_id": "contoso"}).content.decode()
    assert html.count("<li>") == 3 and reseller_location.location_partner_id not in html


def test_it_lists_the_first_twenty_and_asks_for_more_letters(provider_client, provider):
    add_partners(provider, 30)
    html = provider_client.get(LOOKUP, {"location_partner_id": "bulk"}).content.decode()
    assert html.count("<li>") == 20 and "type more to narrow" in html
    assert "Bulk Partner 00000" in html and "Bulk Partner 00020" not in html


def test_it_says_when_nothing_matches(provider_client):
    html = provider_client.get(LOOKUP, {"location_partner_id": "zzz"}).content.decode()
    assert "No location of your active partners matches “zzz”." in html
    assert "<li>" not in html


def test_it_leaves_out_other_providers_and_removed_partners(
    provider_client, provider, reseller_location
):
    other_provider = f.ProviderFactory()
    add_partners(other_provider, 2, name="Foreign Partner")
    removed = f.ResellerFactory(legal_name="Removed Partner")
    f.PartnershipFactory(provider=provider, reseller=removed, status="removed")
    for typed in ("foreign", "removed"):
        html = provider_client.get(LOOKUP, {"location_partner_id": typed}).content.decode()
        assert "<li>" not in html


def test_a_reseller_cannot_look_locations_up(reseller_client):
    assert reseller_client.get(LOOKUP, {"location_partner_id": "8"}).status_code == 404


def test_a_member_who_may_only_view_gets_a_403(role_client):
    assert role_client(Role.USER_ADMIN).get(LOOKUP, {"location_partner_id": "8"}).status_code == 403


def test_it_asks_a_visitor_to_sign_in(client):
    response = client.get(LOOKUP, {"location_partner_id": "8"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
