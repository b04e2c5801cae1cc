"""Lists show which rows they show of how many, offer 25/50/100 per page, and first/last links."""

import re

import pytest
from django.urls import reverse

from portal import listing
from tests import factories as f

pytestmark = pytest.mark.django_db
CUSTOMERS = reverse("customers:customer_list")
SUBSCRIPTIONS = reverse("subscriptions:subscription_list")
RESELLERS = reverse("partners:reseller_list")


def get(client, url, language="en", **params):
    client.cookies["django_language"] = language
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_customers_show_the_range_and_total(provider_client, provider):
    f.CustomerFactory.create_batch(60, provider=provider)
    html = get(provider_client, CUSTOMERS)
    assert "1–50 of 60" in html
    html = get(provider_client, CUSTOMERS, page=2)
    assert "51–60 of 60" in html
    assert "件中" in get(provider_client, CUSTOMERS, "ja")


def test_a_large_count_is_about(provider_client, provider, monkeypatch):
    monkeypatch.setattr(listing, "CACHED_COUNT_FROM", 30)
    f.CustomerFactory.create_batch(40, provider=provider)
    assert "1–40 of about 40" in get(provider_client, CUSTOMERS, per_page=100)
    assert "約 40 件中" in get(provider_client, CUSTOMERS, "ja", per_page=100)


def test_the_page_size_is_chosen_and_kept_across_pages(provider_client, provider):
    f.CustomerFactory.create_batch(60, provider=provider)
    html = get(provider_client, CUSTOMERS, per_page=25)
    assert "1–25 of 60" in html and "Page 1 of 3" in html
    assert "per_page=25&amp;page=2" in html  # Next keeps the size
    assert '<input type="hidden" name="per_page" value="25">' in html  # and the filters do
    assert "per_page=100" in html and "Per page:" in html
    assert "1–60 of 60" in get(provider_client, CUSTOMERS, per_page=100)
    # Anything else is the default.
    assert "1–50 of 60" in get(provider_client, CUSTOMERS, per_page=7)
    assert "1 ページの件数" in get(provider_client, CUSTOMERS, "ja", per_page=25)


def test_first_and_last_links(provider_client, provider):
    f.CustomerFactory.create_batch(60, provider=provider)
    html = get(provider_client, CUSTOMERS, per_page=25, page=2)
    assert ">First</a>" in html and ">Last</a>" in html
    assert "per_page=25&amp;page=1" in html and "per_page=25&amp;page=3" in html
    html = get(provider_client, CUSTOMERS, per_page=25, page=3)
    assert "51–60 of 60" in html and ">Last</a>" not in html
    html = get(provider_client, CUSTOMERS, "ja", per_page=25, page=2)
    assert ">最初</a>" in html and ">最後</a>" in html


def test_subscriptions_and_resellers_have_sizes_too(provider_client, provider, reseller):
    customer = f.CustomerFactory(provider=provider)
    f.SubscriptionFactory.create_batch(30, customer=customer)
    html = get(provider_client, SUBSCRIPTIONS)
    assert "1–25 of 30" in html
    assert "1–30 of 30" in get(provider_client, SUBSCRIPTIONS, per_page=50)
    for _ in range(30):
        f.PartnershipFactory(provider=provider)
    html = get(provider_client, RESELLERS, per_page=25)
    assert "1–25 of 31" in html and "Per page:" in html


@pytest.mark.parametrize("rows", [5, 120])
def test_page_size_keeps_a_constant_number_of_queries(
    provider_client, provider, rows, django_assert_max_num_queries
):
    f.CustomerFactory.create_batch(rows, provider=provider)
    with django_assert_max_num_queries(12):
        get(provider_client, CUSTOMERS, per_page=100, page=2)


def test_the_activity_log_has_sizes_and_keeps_its_filters(provider_client, provider):
    f.ActivityEventFactory.create_batch(60, organisation=provider)
    html = get(provider_client, reverse("activity_log"), per_page=25)
    assert "1–25 of 60" in html and "Page 1 of 3" in html
    last = re.search(r'href="\?([^"]*)">Last</a>', html).group(1)
    assert "date_from=" in last and "per_page=25" in last and last.endswith("page=3")
