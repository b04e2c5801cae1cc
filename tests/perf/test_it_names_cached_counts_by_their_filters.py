"""A list's cached facts are named by its filter values, and read in one round trip."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from portal import listing
from tests import factories as f

pytestmark = pytest.mark.usefixtures("fresh_cache")


def _rows(keys):
    return Customer.objects.filter(pk__in=keys).values("id", "company_name")


def _page(queryset, number, key):
    with CaptureQueriesContext(connection) as captured:
        page = listing.paginate_by_key(queryset, number, 2, _rows, key=key)
    return page, len(captured)


def test_a_count_is_named_by_the_lists_filter_values_not_its_sql(provider, monkeypatch):
    monkeypatch.setattr(listing, "CACHED_COUNT_FROM", 3)
    f.CustomerFactory.create_batch(4, provider=provider)
    customers = Customer.objects.for_org(provider).order_by("company_name", "pk")
    key = listing.list_key("customers", provider, q="", reseller="")
    page, _queries = _page(customers, 1, key)
    assert page.paginator.count == 4
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k)
    )
    again = listing.CachedCountPaginator(customers.values_list("pk", flat=True), 2, key=key)
    assert again.count == 4 and again.query_key and not compiled  # named without SQL
    other = listing.list_key("customers", provider, q="x", reseller="")
    assert other != key and listing.list_key("customers", provider, reseller="", q="") == key


def test_a_deep_page_reads_its_count_and_start_in_one_round_trip(provider, monkeypatch):
    monkeypatch.setattr(listing, "CACHED_COUNT_FROM", 3)
    monkeypatch.setattr(listing, "DEEP_FROM", 4)
    for number in range(10):
        f.CustomerFactory(provider=provider, company_name=f"Customer {number:02}")
    customers = Customer.objects.for_org(provider).order_by("company_name", "pk")
    key = listing.list_key("customers", provider, q="")
    first, _queries = _page(customers, 3, key)  # counts, remembers where page 3 starts
    calls, inside = [], []

    def counted(name, original):
        def call(*args, **kwargs):
            if not inside:  # the local-memory cache's get_many calls its get per key
                calls.append(name)
            inside.append(name)
            try:
                return original(*args, **kwargs)
            finally:
                inside.pop()

        return call

    for name in ("get", "get_many"):
        monkeypatch.setattr(cache, name, counted(name, getattr(cache, name)))
    again, queries = _page(customers, 3, key)
    assert calls == ["get_many"]
    assert queries == 1  # the rows, sought from the remembered key; no count
    assert [row["company_name"] for row in again.object_list] == ["Customer 04", "Customer 05"]
    assert again.object_list == first.object_list
