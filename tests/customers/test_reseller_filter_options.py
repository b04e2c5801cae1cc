"""A distributor's long reseller filter: the page carries the chosen option, the rest loads apart."""

import pytest
from django.urls import reverse

from portal import listing
from tests import factories as f

CUSTOMERS = reverse("customers:customer_list")
SUBSCRIPTIONS = reverse("subscriptions:subscription_list")
OPTIONS = reverse("customers:reseller_filter_options")

pytestmark = pytest.mark.usefixtures("fresh_cache")  # the options are cached for a minute


def reseller_select(html: str) -> str:
    start = html.index('name="reseller"')
    return html[start : html.index("</select>", start)]


@pytest.fixture
def long_list(monkeypatch, provider, reseller):
    """Three resellers with customers: a long list when lists are long from two."""
    monkeypatch.setattr(listing, "CACHED_CHOICES_FROM", 2)
    others = [f.ResellerFactory(legal_name=name) for name in ("Adatum Corp", "Northwind Traders")]
    for partner in others:
        f.PartnershipFactory(provider=provider, reseller=partner)
    for partner in [reseller, *others]:
        f.CustomerFactory(provider=provider, reseller=partner, company_name=f"Via {partner}")
    return [reseller, *others]


def test_a_short_list_comes_with_the_page(provider_client, provider, reseller):
    f.CustomerFactory(provider=provider, reseller=reseller)
    html = provider_client.get(CUSTOMERS).content.decode()
    assert reseller_select(html).count("<option") == 2
    assert f'<option value="{reseller.uuid}">Fabrikam Test Solutions</option>' in html
    assert OPTIONS not in html


@pytest.mark.parametrize("url", [CUSTOMERS, SUBSCRIPTIONS])
def test_a_long_list_loads_after_the_page(url, provider_client, long_list):
    html = provider_client.get(url).content.decode()
    assert reseller_select(html).count("<option") == 1  # All indirect resellers
    assert f'hx-get="{OPTIONS}?selected=&amp;language=en"' in html and 'hx-trigger="load"' in html

    chosen = long_list[2]
    html = provider_client.get(url, {"reseller": str(chosen.uuid)}).content.decode()
    assert reseller_select(html).count("<option") == 2
    assert f'<option value="{chosen.uuid}" selected>Northwind Traders</option>' in html
    assert f'hx-get="{OPTIONS}?selected={chosen.uuid}&amp;language=en"' in html


def test_the_options_response_lists_every_reseller_and_marks_the_chosen_one(
    provider_client, long_list
):
    response = provider_client.get(OPTIONS, {"selected": str(long_list[1].uuid)})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<option value="">All indirect resellers</option>')
    assert html.count("<option") == 4
    assert f'<option value="{long_list[1].uuid}" selected>Adatum Corp</option>' in html
    assert "private" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]


def test_a_foreign_or_malformed_choice_marks_nothing(provider_client, long_list):
    stranger = f.ResellerFactory(legal_name="Someone Elses Reseller")
    f.PartnershipFactory(reseller=stranger)
    for value in [str(stranger.uuid), "junk", ""]:
        html = provider_client.get(OPTIONS, {"selected": value}).content.decode()
        assert " selected" not in html and "Someone Elses" not in html
        assert html.count("<option") == 4


def test_only_a_providers_members_get_the_options(reseller_client, client, long_list):
    assert reseller_client.get(OPTIONS).status_code == 404
    assert client.get(OPTIONS).status_code == 302  # to sign in


def test_the_page_shows_the_chosen_reseller_in_japanese_too(provider_client, long_list):
    provider_client.cookies["django_language"] = "ja"
    html = provider_client.get(OPTIONS).content.decode()
    assert html.startswith('<option value="">すべての間接リセラー</option>')
    # The page asks for the list in its language: a browser-cached English list is not reused.
    page = provider_client.get(CUSTOMERS).content.decode()
    assert f'hx-get="{OPTIONS}?selected=&amp;language=ja"' in page


@pytest.mark.parametrize("resellers", [3, 40])
def test_the_options_take_the_same_queries_at_any_size(
    provider, provider_client, resellers, django_assert_max_num_queries
):
    for _number in range(resellers):
        partner = f.ResellerFactory()
        f.PartnershipFactory(provider=provider, reseller=partner)
    with django_assert_max_num_queries(4):  # session, user, membership; the list
        response = provider_client.get(OPTIONS)
    assert response.content.decode().count("<option") == resellers + 1  # and All
