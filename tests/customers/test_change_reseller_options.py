"""A distributor's customer page carries the chosen reseller; the other partners load apart."""

import pytest
from django.urls import reverse

from portal import listing
from portal.roles import Role
from tests import factories as f

OPTIONS = reverse("customers:change_reseller_options")

pytestmark = pytest.mark.usefixtures("fresh_cache")  # the options are cached for a minute


def change_select(html: str) -> str:
    start = html.index('id="id_reseller"')
    return html[start : html.index("</select>", start)]


@pytest.fixture
def partners(monkeypatch, provider, reseller):
    """Three active partners: a long list when lists are long from two."""
    monkeypatch.setattr(listing, "CACHED_CHOICES_FROM", 2)
    others = [f.ResellerFactory(legal_name=name) for name in ("Adatum Corp", "Northwind Traders")]
    for partner in others:
        f.PartnershipFactory(provider=provider, reseller=partner)
    return [reseller, *others]


def test_a_long_list_leaves_the_page_with_the_chosen_reseller_only(
    provider_client, provider, reseller, partners
):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    html = provider_client.get(reverse("customers:customer_detail", args=[customer.uuid])).content
    select = change_select(html.decode())
    assert select.count("<option") == 2 and reseller.legal_name in select
    assert "Adatum Corp" not in html.decode()
    assert f"{OPTIONS}?selected={reseller.uuid}" in html.decode()
    options = provider_client.get(OPTIONS, {"selected": str(reseller.uuid)}).content.decode()
    assert options.count("<option") == 4  # the empty choice and the three partners
    assert "Adatum Corp" in options and "Northwind Traders" in options
    assert f'<option value="{reseller.uuid}" selected>' in options


def test_a_short_list_comes_with_the_page(provider_client, provider, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    html = provider_client.get(reverse("customers:customer_detail", args=[customer.uuid])).content
    assert OPTIONS not in html.decode() and reseller.legal_name in change_select(html.decode())


def test_the_change_still_accepts_a_partner_left_out_of_the_page(
    provider_client, provider, reseller, partners
):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    response = provider_client.post(
        reverse("customers:customer_change_reseller", args=[customer.uuid]),
        {"reseller": str(partners[2].uuid)},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.reseller == partners[2]


def test_another_providers_partners_are_not_listed(provider_client, partners):
    outsider = f.ResellerFactory(legal_name="Foreign Partner")
    f.PartnershipFactory(provider=f.ProviderFactory(), reseller=outsider)
    options = provider_client.get(OPTIONS, {"selected": str(outsider.uuid)}).content.decode()
    assert "Foreign Partner" not in options


def test_only_members_who_may_change_it_get_the_options(role_client, reseller_client, client):
    assert role_client(Role.USER_ADMIN).get(OPTIONS).status_code == 403
    assert reseller_client.get(OPTIONS).status_code == 404
    assert client.get(OPTIONS).status_code == 302
