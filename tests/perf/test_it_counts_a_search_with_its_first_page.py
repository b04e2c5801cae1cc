"""A search's first page reads its keys and its count in one query (portal.listing)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer
from tests import factories as f

pytestmark = pytest.mark.usefixtures("fresh_cache")

CUSTOMERS = reverse("customers:customer_list")
RESELLERS = reverse("partners:reseller_list")
SUBSCRIPTIONS = reverse("subscriptions:subscription_list")


def _customers(provider, names):
    Customer.objects.bulk_create(
        Customer(
            provider=provider,
            company_name=name,
            primary_domain=f"c{n}.onmicrosoft.example",
            country="US",
        )
        for n, name in enumerate(names)
    )


def _search(client, url, term, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"q": term, **params}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured]


def test_it_counts_a_search_with_its_first_page(provider, provider_client):
    _customers(provider, [f"Indigo Trading {n:03}" for n in range(120)] + ["Acme Works"])
    provider_client.get(CUSTOMERS)  # the sign-in, read once per session
    html, queries = _search(provider_client, CUSTOMERS, "go tr")
    assert "1–50 of 120" in html and "Page 1 of 3" in html
    assert "Indigo Trading 000" in html and "Indigo Trading 049" in html
    assert "Indigo Trading 050" not in html and "Acme Works" not in html
    assert len([sql for sql in queries if "OVER ()" in sql]) == 1
    assert not [sql for sql in queries if '"__count"' in sql]  # no second pass for the count
    # Later pages keep the same order, counted as before.
    html, _queries = _search(provider_client, CUSTOMERS, "go tr", page=3)
    assert "101–120 of 120" in html and "Indigo Trading 119" in html
    assert "Indigo Trading 099" not in html


def test_a_search_matching_nothing_says_so_after_one_query(provider, provider_client):
    _customers(provider, ["Indigo Trading"])
    provider_client.get(CUSTOMERS)
    html, queries = _search(provider_client, CUSTOMERS, "zzq")
    assert "Indigo Trading" not in html
    assert [sql for sql in queries if "customers_customer" in sql and "OVER ()" in sql]
    assert not [sql for sql in queries if "subscriptions_subscription" in sql]  # no rows read


def test_the_other_searched_lists_count_with_their_first_page(provider, provider_client, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Indigo Ltd")
    f.SubscriptionFactory(customer=customer)
    provider_client.get(CUSTOMERS)
    for url, term, shown, table in (
        (RESELLERS, reseller.legal_name[:4], reseller.legal_name, "partners_partnership"),
        (SUBSCRIPTIONS, "indigo", "Indigo Ltd", "subscriptions_subscription"),
    ):
        html, queries = _search(provider_client, url, term)
        assert shown in html
        assert [sql for sql in queries if "OVER ()" in sql], url
        counts = [sql for sql in queries if '"__count"' in sql and f'FROM "{table}"' in sql]
        assert not counts, url  # the page's own list is not counted apart


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL")
def test_the_counted_first_page_is_planned_to_count_every_match_first(provider, provider_client):
    # A plan that walks the name index under a LIMIT would read the whole list to count:
    # the rows are sorted by the count first, so the count comes before the sort and limit.
    _customers(provider, [f"Indigo Trading {n}" for n in range(2_000)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    provider_client.get(CUSTOMERS)
    _html, queries = _search(provider_client, CUSTOMERS, "o t")
    (sql,) = [sql for sql in queries if "OVER ()" in sql]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        plan = [row[0] for row in cursor.fetchall()]
    window = next(n for n, line in enumerate(plan) if "WindowAgg" in line)
    sort = next(n for n, line in enumerate(plan) if "Sort" in line)
    assert sort < window, "\n".join(plan)  # the sort is above the count: it comes after
