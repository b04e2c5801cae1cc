"""Search terms of one or two characters match the start of a value, read from an index,
and search queries are planned for their values (not prepared)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer
from tests import factories as f

pytestmark = pytest.mark.usefixtures("fresh_cache")

CUSTOMERS = reverse("customers:customer_list")
RESELLERS = reverse("partners:reseller_list")
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans and indexes of PostgreSQL"
)


def _bulk_customers(provider, count):
    """``count`` customers whose names and domains start with every pair of letters in turn
    (AA, AB, ...), so a pair of letters matches one name in 676, as in real data."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    Customer.objects.bulk_create(
        Customer(
            provider=provider,
            company_name=f"{start}ndigo Trading {n}",
            primary_domain=f"{start.lower()}x{n}.onmicrosoft.example",
            country="US",
        )
        for n in range(count)
        for start in [letters[n % 26] + letters[(n // 26) % 26].lower()]
    )


def test_a_two_letter_term_matches_the_start_of_a_name_or_domain(provider, provider_client):
    f.CustomerFactory(provider=provider, company_name="Lotus Works", primary_domain="lw.example")
    f.CustomerFactory(provider=provider, company_name="Hello Ltd", primary_domain="hello.example")
    f.CustomerFactory(provider=provider, company_name="Acme", primary_domain="loam.example")
    html = provider_client.get(CUSTOMERS, {"q": "lo"}).content.decode()
    assert "Lotus Works" in html and "Acme" in html and "Hello Ltd" not in html
    html = provider_client.get(CUSTOMERS, {"q": "llo"}).content.decode()
    assert "Hello Ltd" in html and "Lotus Works" not in html  # three letters: anywhere


def test_the_search_field_says_how_short_terms_match(provider_client):
    html = provider_client.get(CUSTOMERS).content.decode()
    assert "One or two characters find names and domains starting with them" in html


@postgresql_only
@pytest.mark.parametrize("term", ["l", "lo"])
def test_a_short_search_reads_the_prefix_indexes_not_the_whole_table(
    provider, provider_client, term
):
    _bulk_customers(provider, 3_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    provider_client.get(CUSTOMERS)  # the sign-in, read once per session
    with CaptureQueriesContext(connection) as captured:
        response = provider_client.get(CUSTOMERS, {"q": term}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "ndigo Trading" in response.content.decode()
    searches = [q["sql"] for q in captured if "LIKE" in q["sql"]]
    assert searches  # the count and the page's rows
    with connection.cursor() as cursor:
        # Only a plan no index can serve still reads the whole table.
        cursor.execute("SET enable_seqscan = off")
        try:
            for sql in searches:
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "Seq Scan on customers_customer" not in plan, plan
                assert "customer_provider_name_prefix_idx" in plan, plan
        finally:
            cursor.execute("RESET enable_seqscan")


@postgresql_only
def test_search_queries_are_not_prepared_but_planned_for_their_values(
    provider, provider_client, reseller
):
    _bulk_customers(provider, 50)
    for _request in range(8):
        provider_client.get(CUSTOMERS, {"q": "lo"}, headers={"HX-Request": "true"})
        provider_client.get(RESELLERS, {"q": "re"}, headers={"HX-Request": "true"})
        provider_client.get(CUSTOMERS, headers={"HX-Request": "true"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    if not any("customers_customer" in sql for sql in prepared):
        pytest.skip("prepared statements are off (DATABASE_PREPARED_STATEMENTS)")
    assert not [sql for sql in prepared if "LIKE" in sql]
