"""The Indirect resellers page: partnerships, requests, search, filter, sort, pages, queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("partners:reseller_list")


def _partnered(provider, n, **kwargs):
    resellers = []
    for i in range(n):
        reseller = f.ResellerFactory(legal_name=f"Reseller {i:03d}", **kwargs)
        f.PartnershipFactory(provider=provider, reseller=reseller)
        resellers.append(reseller)
    return resellers


def test_it_lists_active_partnerships_with_their_customer_counts(
    provider_client, provider, reseller
):
    f.CustomerFactory.create_batch(3, provider=provider, reseller=reseller)
    f.CustomerFactory(reseller=reseller)  # another provider's customer is not counted
    html = provider_client.get(URL).content.decode()
    assert "Fabrikam Test Solutions" in html
    assert reseller.partner_id in html and reseller.contact_email in html
    assert '<td class="num">3</td>' in html


def test_it_does_not_list_removed_or_foreign_partnerships(provider_client, provider):
    f.PartnershipFactory(
        provider=provider, reseller=f.ResellerFactory(legal_name="Gone Reseller"), status="removed"
    )
    f.PartnershipFactory(reseller=f.ResellerFactory(legal_name="Someone Else's Reseller"))
    html = provider_client.get(URL).content.decode()
    assert "Gone Reseller" not in html
    assert "Someone Else" not in html


def test_it_lists_pending_and_expired_requests_with_resend_and_revoke(provider_client, provider):
    f.PartnershipRequestFactory(provider=provider, email="waiting@reseller.example")
    f.PartnershipRequestFactory(
        provider=provider,
        email="late@reseller.example",
        expires_at=timezone.now() - timedelta(days=1),
    )
    f.PartnershipRequestFactory(provider=provider, email="gone@reseller.example", status="revoked")
    f.PartnershipRequestFactory(email="foreign@reseller.example")
    html = provider_client.get(URL).content.decode()
    assert "waiting@reseller.example" in html and "badge-pending" in html
    assert "late@reseller.example" in html and "badge-expired" in html
    assert "gone@reseller.example" not in html and "foreign@reseller.example" not in html
    assert ">Resend<" in html and ">Revoke<" in html


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_view_it(role_client, reseller, role):
    response = role_client(role).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fabrikam Test Solutions" in html
    assert ("Remove partnership" in html) is (role in (Role.GLOBAL_ADMIN, Role.ADMIN_AGENT))
    assert ("Request a partnership" in html) is (role != Role.USER_ADMIN)


def test_it_sends_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_is_a_404_to_a_reseller(reseller_client):
    assert reseller_client.get(URL).status_code == 404


def test_it_refuses_a_post(provider_client):
    assert provider_client.post(URL).status_code == 405


def test_it_shows_the_providers_own_profile_read_only(provider_client, provider):
    html = provider_client.get(URL).content.decode()
    assert provider.directory_regions in html and provider.directory_contact in html
    assert "To change your indirect provider profile, contact your vendor representative." in html


def test_it_links_add_new_customer_with_the_reseller_preselected(provider_client, reseller):
    html = provider_client.get(URL).content.decode()
    assert f'href="{reverse("customers:customer_new")}?reseller={reseller.uuid}"' in html


def test_a_search_as_you_type_returns_only_the_table(provider_client, provider):
    _partnered(provider, 3)
    f.PartnershipFactory(provider=provider, reseller=f.ResellerFactory(legal_name="Northwind"))
    response = provider_client.get(URL, {"q": "north"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Northwind" in html and "Reseller 001" not in html
    assert "<html" not in html and 'id="reseller-tables"' in html
    assert "HX-Request" in response["Vary"]


def test_it_searches_by_partner_id_and_email(provider_client, reseller):
    assert "Fabrikam" in provider_client.get(URL, {"q": reseller.partner_id}).content.decode()
    html = provider_client.get(URL, {"q": reseller.contact_email.upper()}).content.decode()
    assert "Fabrikam" in html


def test_it_filters_by_status(provider_client, provider, reseller):
    f.PartnershipRequestFactory(provider=provider, email="waiting@reseller.example")
    html = provider_client.get(URL, {"status": "active"}).content.decode()
    assert "Fabrikam" in html and "waiting@reseller.example" not in html
    html = provider_client.get(URL, {"status": "pending"}).content.decode()
    assert "Fabrikam" not in html and "waiting@reseller.example" in html
    html = provider_client.get(URL, {"status": "expired"}).content.decode()
    assert "waiting@reseller.example" not in html


def test_it_sorts_by_name_or_date(provider_client, provider):
    old = f.ResellerFactory(legal_name="Zeta Old")
    new = f.ResellerFactory(legal_name="Alpha New")
    f.PartnershipFactory(provider=provider, reseller=old)
    f.PartnershipFactory(provider=provider, reseller=new)
    provider.reseller_partnerships.filter(reseller=old).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    html = provider_client.get(URL, {"sort": "name"}).content.decode()
    assert html.index("Alpha New") < html.index("Zeta Old")
    html = provider_client.get(URL, {"sort": "-date"}).content.decode()
    assert html.index("Zeta Old") < html.index("Alpha New")


def test_it_shows_50_partnerships_a_page(provider_client, provider):
    _partnered(provider, 55)
    html = provider_client.get(URL, {"sort": "name"}).content.decode()
    assert "Reseller 049" in html and "Reseller 050" not in html
    assert "Page 1 of 2" in html
    html = provider_client.get(URL, {"sort": "name", "page": 2}).content.decode()
    assert "Reseller 050" in html and "Reseller 054" in html


@pytest.mark.parametrize("size", [5, 60])
def test_it_runs_a_constant_number_of_queries(
    provider_client, provider, size, django_assert_max_num_queries
):
    for reseller in _partnered(provider, size):
        f.CustomerFactory(provider=provider, reseller=reseller)
    for i in range(size):
        f.PartnershipRequestFactory(provider=provider, email=f"r{i}@reseller.example")
    with django_assert_max_num_queries(7):
        response = provider_client.get(URL)
    assert response.status_code == 200


def test_it_speaks_japanese(provider_client, reseller, japanese):
    html = japanese(provider_client).get(URL).content.decode()
    assert "パートナーシップを要求する" in html
    assert "パートナーシップの削除" in html
    assert "新しい顧客の追加" in html
