"""Customers and subscriptions page over primary keys: right rows, right order, two queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

CUSTOMERS = reverse("customers:customer_list")
SUBSCRIPTIONS = reverse("subscriptions:subscription_list")


def _queries(client, url, **params):
    client.get(reverse("home"))  # the session's first request reads the sign-in (then cached)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_customer_pages_follow_the_name_order_with_each_customers_subscription_count(
    provider, provider_client
):
    for number in range(60):
        customer = f.CustomerFactory(provider=provider, company_name=f"Customer {number:03}")
        f.SubscriptionFactory.create_batch(number % 3, customer=customer)
    _count, first = _queries(provider_client, CUSTOMERS)
    _count, second = _queries(provider_client, CUSTOMERS, page=2)
    assert first.index("Customer 000") < first.index("Customer 001") < first.index("Customer 049")
    assert "Customer 050" not in first
    assert "Customer 050" in second and "Customer 059" in second and "Customer 049" not in second
    # Customers 050, 053, 056 and 059 have two subscriptions each.
    assert second.count('<td class="num">2</td>') == 4


@pytest.mark.parametrize("page", [1, 2])
def test_a_deep_customer_page_runs_the_queries_of_a_small_list(
    provider, provider_client, reseller, page
):
    f.CustomerFactory.create_batch(5, provider=provider, reseller=reseller)
    small, _html = _queries(provider_client, CUSTOMERS)
    f.CustomerFactory.create_batch(100, provider=provider, reseller=reseller)
    deep, html = _queries(provider_client, CUSTOMERS, page=page)
    assert deep <= small <= 6
    assert f"Page {page} of 3" in html


def test_subscription_pages_are_newest_first_in_two_queries_after_sign_in(
    provider, provider_client
):
    now = timezone.now()
    customer = f.CustomerFactory(provider=provider)
    for minutes in range(60):
        f.SubscriptionFactory(customer=customer, quantity=minutes + 1)
    # created_at is set on save; spread them so the newest-first order is visible.
    from subscriptions.models import Subscription

    for subscription in Subscription.objects.filter(customer=customer):
        Subscription.objects.filter(pk=subscription.pk).update(
            created_at=now - timedelta(minutes=subscription.quantity)
        )
    small_count, first = _queries(provider_client, SUBSCRIPTIONS)
    deep_count, second = _queries(provider_client, SUBSCRIPTIONS, page=2)
    assert deep_count == small_count
    assert "Page 2 of 3" in second and second.count("<tr>") == 1 + 25
    newest, oldest = first.index('">1</td>'), first.index('">25</td>')
    assert newest < oldest  # quantity 1 was created a minute ago, 25 before it


def test_an_empty_list_is_not_asked_for_rows(provider, provider_client):
    count, html = _queries(provider_client, CUSTOMERS)
    assert "No customers yet." in html
    baseline = count
    f.CustomerFactory(provider=provider)
    with_one, _html = _queries(provider_client, CUSTOMERS)
    assert with_one == baseline + 1  # the page's rows


@pytest.fixture
def deep_from_three(monkeypatch, fresh_cache):
    """Pages of three rows, "deep" from the second page on, and an empty cache."""
    from customers import views as customer_views
    from portal import listing
    from subscriptions import views as subscription_views

    monkeypatch.setattr(customer_views, "PAGE_SIZE", 3)
    monkeypatch.setattr(subscription_views, "PAGE_SIZE", 3)
    monkeypatch.setattr(listing, "DEEP_FROM", 3)


def _names(html, prefix):
    import re

    return re.findall(rf">({prefix} \d+)<", html)


def test_a_deep_page_read_again_or_reached_with_next_starts_from_its_remembered_key(
    provider, provider_client, deep_from_three
):
    for number in range(12):
        f.CustomerFactory(provider=provider, company_name=f"Customer {number:02}")
    offsets = []
    for page in [2, 2, 3, 4]:
        with CaptureQueriesContext(connection) as captured:
            html = provider_client.get(CUSTOMERS, {"page": page}).content.decode()
        start = (page - 1) * 3
        assert _names(html, "Customer") == [f"Customer {n:02}" for n in range(start, start + 3)]
        offsets.append(sum("OFFSET" in query["sql"] for query in captured))
    # Read by offset once; again, and with Next, from the remembered key.
    assert offsets == [1, 0, 0, 0]

    # A customer added before it meanwhile: the remembered page still starts where it did.
    f.CustomerFactory(provider=provider, company_name="Customer 00a")
    _count, html = _queries(provider_client, CUSTOMERS, page=2)
    assert _names(html, "Customer") == ["Customer 03", "Customer 04", "Customer 05"]


def test_a_remembered_newest_first_page_shows_the_rows_its_offset_shows(
    provider, provider_client, deep_from_three
):
    now = timezone.now()
    customer = f.CustomerFactory(provider=provider)
    from subscriptions.models import Subscription

    for number in range(10):
        subscription = f.SubscriptionFactory(customer=customer, quantity=number + 1)
        # Pairs of subscriptions created at the same instant: the id breaks the tie.
        Subscription.objects.filter(pk=subscription.pk).update(
            created_at=now - timedelta(minutes=number // 2)
        )
    pages = {2: [], 3: [], 4: []}
    for _visit in ("by offset", "by key"):
        for page, shown in pages.items():
            _count, html = _queries(provider_client, SUBSCRIPTIONS, page=page)
            shown.append(re.findall(r'class="num">(\d+)</td>', html))
    newest_first = Subscription.objects.order_by("-created_at", "-id").values_list("quantity")
    expected = [str(quantity) for (quantity,) in newest_first][3:]
    assert [n for shown in pages.values() for n in shown[0]] == expected
    assert [n for shown in pages.values() for n in shown[1]] == expected


def test_pages_past_the_middle_are_read_from_the_end(provider, provider_client, monkeypatch):
    from customers import views as customer_views

    monkeypatch.setattr(customer_views, "PAGE_SIZE", 3)
    for number in range(11):
        f.CustomerFactory(provider=provider, company_name=f"Customer {number:02}")
    shown = {}
    for page in (1, 2, 3, 4):
        with CaptureQueriesContext(connection) as captured:
            html = provider_client.get(CUSTOMERS, {"page": page}).content.decode()
        shown[page] = _names(html, "Customer")
        sql = " ".join(query["sql"] for query in captured)
        if page == 4:  # the last page: nothing to skip from the end
            assert "OFFSET" not in sql and "DESC" in sql
    assert sum(shown.values(), []) == [f"Customer {n:02}" for n in range(11)]
    assert shown[4] == ["Customer 09", "Customer 10"]
