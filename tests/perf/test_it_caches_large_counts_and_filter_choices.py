"""The list helpers: large counts and long filter lists come from the cache, small ones never."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from portal import listing
from tests import factories as f

pytestmark = pytest.mark.usefixtures("fresh_cache")


def _count(queryset):
    with CaptureQueriesContext(connection) as captured:
        count = listing.CachedCountPaginator(queryset, 10).count
    return count, len(captured)


def test_a_large_count_is_read_once_per_minute(provider, monkeypatch):
    monkeypatch.setattr(listing, "CACHED_COUNT_FROM", 3)
    f.CustomerFactory.create_batch(3, provider=provider)
    customers = Customer.objects.for_org(provider).order_by("pk")
    assert _count(customers) == (3, 1)
    f.CustomerFactory(provider=provider)
    assert _count(customers) == (3, 0)  # a minute-old count of a long list
    assert _count(customers.filter(company_name__icontains="x")) == (0, 1)  # another query


def test_a_small_count_is_always_exact(provider):
    f.CustomerFactory.create_batch(2, provider=provider)
    customers = Customer.objects.for_org(provider).order_by("pk")
    assert _count(customers) == (2, 1)
    f.CustomerFactory(provider=provider)
    assert _count(customers) == (3, 1)


def test_a_count_of_nothing_runs_no_query(db):
    assert _count(Customer.objects.for_org(None)) == (0, 0)


def _names(provider):
    # A fresh queryset, as each request builds one.
    return lambda: Customer.objects.for_org(provider).values_list("uuid", "company_name")


def test_lists_still_count_when_the_cache_is_down(provider, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(listing.cache, "get", down)
    monkeypatch.setattr(listing.cache, "set", down)
    monkeypatch.setattr(listing, "CACHED_COUNT_FROM", 1)
    monkeypatch.setattr(listing, "CACHED_CHOICES_FROM", 1)
    customer = f.CustomerFactory(provider=provider, company_name="Only One")
    assert _count(Customer.objects.for_org(provider).order_by("pk")) == (1, 1)
    options = listing.filter_options("names", _names(provider), full=True)
    assert f'<option value="{customer.uuid}">Only One</option>' == options.html


def test_a_short_choice_list_is_read_on_every_page(provider, django_assert_num_queries):
    f.CustomerFactory(provider=provider, company_name="First")
    with django_assert_num_queries(1):
        assert "First" in listing.filter_options("names", _names(provider)).html
    f.CustomerFactory(provider=provider, company_name="Second")
    with django_assert_num_queries(1):
        options = listing.filter_options("names", _names(provider))
    assert "First" in options.html and "Second" in options.html and not options.lazy


def test_a_long_choice_list_is_built_once_a_minute_and_loaded_apart(
    provider, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(listing, "CACHED_CHOICES_FROM", 2)
    first = f.CustomerFactory(provider=provider, company_name="First")
    second = f.CustomerFactory(provider=provider, company_name="Second")
    with django_assert_num_queries(1):
        page = listing.filter_options("names", _names(provider), (second.uuid, "Second"))
    # The page carries only the chosen option; the rest is loaded apart.
    assert page.lazy and page.selected == str(second.uuid)
    assert page.html == f'<option value="{second.uuid}" selected>Second</option>'
    f.CustomerFactory(provider=provider, company_name="Third")
    with django_assert_num_queries(0):
        page = listing.filter_options("names", _names(provider))
        full = listing.filter_options("names", _names(provider), (first.uuid, "First"), full=True)
    assert page.lazy and page.html == ""
    assert full.html == (
        f'<option value="{first.uuid}" selected>First</option>'
        f'<option value="{second.uuid}">Second</option>'
    )  # a minute-old list: Third comes with the next build


def test_options_are_escaped_and_the_chosen_one_selected():
    html = listing.select_options(
        [("a1", 'Contoso <Ltd> & "Co"'), ("b2", "Fabrikam")], selected="b2"
    )
    assert html == (
        '<option value="a1">Contoso &lt;Ltd&gt; &amp; &#34;Co&#34;</option>'
        '<option value="b2" selected>Fabrikam</option>'
    )
    assert listing.select_options([("a1", "A")], selected=None) == '<option value="a1">A</option>'
