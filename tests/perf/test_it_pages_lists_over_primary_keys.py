"""Customers and subscriptions page over primary keys: right rows, right order, two queries."""

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
