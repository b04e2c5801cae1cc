"""The Overview page and its CSV: who sees it, whose numbers, links to the filtered lists."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from overview import summaries
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/overview/"


@pytest.fixture
def world(provider, reseller):
    """The provider with two resellers' customers and licences; another provider's reseller."""
    second = f.ResellerFactory(legal_name="Second Reseller KK")
    f.PartnershipFactory(provider=provider, reseller=second)
    offer = f.OfferFactory(name="Microsoft 365 E3")
    for i in range(3):
        customer = f.CustomerFactory(provider=provider, reseller=reseller)
        f.SubscriptionFactory(customer=customer, offer=offer, quantity=10 + i)
    f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=provider, reseller=second), offer=offer, quantity=4
    )
    foreign = f.ProviderFactory(legal_name="Foreign Provider KK")
    foreign_reseller = f.ResellerFactory(legal_name="Foreign Reseller KK")
    f.PartnershipFactory(provider=foreign, reseller=foreign_reseller)
    f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=foreign, reseller=foreign_reseller), quantity=999
    )
    summaries.refresh()
    return {"second": second, "foreign_reseller": foreign_reseller}


def _figure(html: str, key: str) -> str:
    start = html.index(f'data-figure="{key}"')
    value = html.index('class="figure-value">', start) + len('class="figure-value">')
    return html[value : html.index("<", value)]


def test_it_sends_a_signed_in_member_home_to_the_overview(provider_client, reseller_client):
    assert provider_client.get("/").url == reverse("overview:overview")
    assert reseller_client.get("/").url == reverse("overview:overview")


def test_it_lists_overview_first_in_the_menu(provider_client, world):
    html = provider_client.get(URL).content.decode()
    menu = html[html.index('id="main-menu"') :]
    assert menu.index(">Overview<") < menu.index(">Indirect resellers<")
    assert 'aria-current="page">Overview<' in menu


def test_it_shows_the_providers_figures_with_links_to_the_filtered_lists(provider_client, world):
    response = provider_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert _figure(html, "active_resellers") == "2"
    assert _figure(html, "customers") == "4"
    assert _figure(html, "active_licences") == "37"
    assert "?status=active" in html
    assert "/resellers/?agreement=not_accepted" in html
    assert "/subscriptions/?renewal=renews_30" in html
    assert "/customers/?expiring=on" in html
    assert "As of " in html


def test_a_reseller_bar_links_to_customers_filtered_by_that_reseller(
    provider_client, reseller, world
):
    html = provider_client.get(URL).content.decode()
    assert f'href="/customers/?reseller={reseller.uuid}"' in html
    assert 'aria-label="Fabrikam Test Solutions: 3 customers"' in html
    assert f"/customers/?reseller={world['foreign_reseller'].uuid}" not in html
    listed = provider_client.get(f"/customers/?reseller={reseller.uuid}").content.decode()
    assert listed.count("Ltd") >= 3


def test_the_charts_are_svg_with_title_desc_and_a_table(provider_client, world):
    html = provider_client.get(URL).content.decode()
    assert html.count('<svg class="chart"') == 3  # charges only once prices exist: shown too
    assert '<title id="customers_by_reseller-title">' in html
    assert '<desc id="customers_by_reseller-desc">' in html
    assert "<summary>Show as table</summary>" in html
    assert "style=" not in html[html.index("<svg") :]


def test_a_reseller_sees_only_its_own_numbers(reseller_client, world):
    html = reseller_client.get(URL).content.decode()
    assert _figure(html, "customers") == "3"
    assert _figure(html, "active_licences") == "33"
    assert _figure(html, "providers") == "1"
    assert "Second Reseller KK" not in html
    assert "999" not in html
    assert "customers_by_reseller" not in html


def test_another_resellers_member_sees_its_numbers_not_these(client_for, member_factory, world):
    client = client_for(member_factory(world["second"], Role.SALES_AGENT))
    html = client.get(URL).content.decode()
    assert _figure(html, "active_licences") == "4"
    assert "Fabrikam Test Solutions" not in html


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_overview_money_only_with_billing(role_client, world, role):
    html = role_client(role).get(URL).content.decode()
    assert 'data-figure="customers"' in html
    shows_money = role != Role.USER_ADMIN
    assert ('data-figure="charges_month"' in html) is shows_money
    assert ("chart-charges_by_month" in html) is shows_money


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_refuses_a_post(provider_client, world):
    assert provider_client.post(URL).status_code == 405


def test_before_the_first_refresh_it_says_the_figures_are_coming(provider_client):
    html = provider_client.get(URL).content.decode()
    assert "The overview is being counted" in html


def test_it_downloads_a_charts_numbers_as_csv(provider_client, world):
    response = provider_client.get("/overview/chart.csv?chart=customers_by_reseller")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines() == [
        "Indirect reseller,Customers",
        "Fabrikam Test Solutions,3",
        "Second Reseller KK,1",
    ]


def test_an_unknown_or_other_sides_chart_answers_404(provider_client, reseller_client, world):
    assert provider_client.get("/overview/chart.csv?chart=nope").status_code == 404
    assert reseller_client.get("/overview/chart.csv?chart=customers_by_reseller").status_code == 404


def test_a_member_without_billing_cannot_download_the_charges(role_client, world):
    client = role_client(Role.USER_ADMIN)
    assert client.get("/overview/chart.csv?chart=charges_by_month").status_code == 404


def test_it_shows_numbers_and_months_in_japanese(provider_client, world):
    provider_client.cookies["django_language"] = "ja"
    html = provider_client.get(URL, headers={"accept-language": "ja"}).content.decode()
    assert "概要" in html
    month = timezone.localdate().replace(day=1)
    with translation.override("ja"):
        assert f"{month.year}年{month.month}月" in html


def test_it_shows_the_change_against_the_previous_period(provider_client, provider, world):
    from overview.models import Summary

    summary = Summary.objects.get(organisation=provider)
    summary.figures["customers"]["previous"] = 1
    summary.save()
    html = provider_client.get(URL).content.decode()
    start = html.index('data-figure="customers"')
    assert "+3 since 30 days ago" in html[start : start + 600]


def test_the_page_runs_the_same_queries_with_more_data(provider_client, provider, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        provider_client.get(URL)
    for _ in range(20):
        customer = f.CustomerFactory(provider=provider, reseller=f.ResellerFactory())
        f.SubscriptionFactory(customer=customer, quantity=3)
    summaries.refresh(now=timezone.now() + timedelta(minutes=1))
    with CaptureQueriesContext(connection) as large:
        provider_client.get(URL)
    assert len(large) == len(small) <= 6


def test_a_refresh_shows_new_numbers_and_the_cached_page_keeps_roles_apart(
    provider_client, role_client, provider, world, fresh_cache
):
    html = provider_client.get(URL).content.decode()
    assert _figure(html, "customers") == "4" and 'data-figure="charges_month"' in html
    user_admin = role_client(Role.USER_ADMIN).get(URL).content.decode()
    assert 'data-figure="charges_month"' not in user_admin
    f.CustomerFactory(provider=provider)
    assert _figure(provider_client.get(URL).content.decode(), "customers") == "4"
    summaries.refresh(now=timezone.now() + timedelta(seconds=1))
    assert _figure(provider_client.get(URL).content.decode(), "customers") == "5"


def test_the_page_answers_when_the_cache_is_down(provider_client, world, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = provider_client.get(URL)
    assert response.status_code == 200
    assert _figure(response.content.decode(), "customers") == "4"
