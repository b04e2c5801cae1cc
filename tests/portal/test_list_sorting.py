"""Lists sort by their column headings: both directions, ties kept in one order across pages,
the order kept by paging, page sizes, filters and HTMX, and a bad value ignored."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from partners.models import Partnership
from portal.models import ActivityEvent
from subscriptions.models import Subscription
from tests import factories as f

pytestmark = pytest.mark.django_db
CUSTOMERS = reverse("customers:customer_list")
SUBSCRIPTIONS = reverse("subscriptions:subscription_list")
RESELLERS = reverse("partners:reseller_list")
ACTIVITY = reverse("activity_log")


def get(client, url, language="en", htmx=False, **params):
    client.cookies["django_language"] = language
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(url, params, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def rows_of(client, url, pattern, **params):
    """Every row's key over the two pages of 25 of the list, in the order shown."""
    found = []
    for page in (1, 2):
        html = get(client, url, per_page=25, page=page, **params)
        found += re.findall(pattern, html)
    return found


def _customers_with_ties(provider):
    """30 customers: ten share a name, ten share a creation time, across the page boundary."""
    now = timezone.now()
    customers = []
    for number in range(30):
        name = "Tied Name" if 10 <= number < 20 else f"Customer {number:02}"
        customers.append(f.CustomerFactory(provider=provider, company_name=name))
    for number, customer in enumerate(customers):
        created = now - timedelta(hours=5) if 15 <= number < 25 else now - timedelta(hours=number)
        Customer.objects.filter(pk=customer.pk).update(created_at=created)
    return list(Customer.objects.filter(provider=provider))


CUSTOMER_ROW = r'href="/customers/([0-9a-f-]{36})/"'


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("name", lambda c: (c.company_name, c.pk), False),
        ("-name", lambda c: (c.company_name, c.pk), True),
        ("created", lambda c: (c.created_at, c.pk), False),
        ("-created", lambda c: (c.created_at, c.pk), True),
    ],
)
def test_customers_sort_both_ways_across_a_page_boundary_with_ties(
    provider_client, provider, sort, key, reverse
):
    customers = _customers_with_ties(provider)
    expected = [str(c.uuid) for c in sorted(customers, key=key, reverse=reverse)]
    assert rows_of(provider_client, CUSTOMERS, CUSTOMER_ROW, sort=sort) == expected


def test_a_deep_page_in_another_order_starts_from_its_remembered_sort_key(
    provider_client, provider, monkeypatch, fresh_cache
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal import listing

    monkeypatch.setattr(listing, "DEEP_FROM", 25)
    customers = _customers_with_ties(provider)
    expected = [str(c.uuid) for c in sorted(customers, key=lambda c: (c.created_at, c.pk))]
    seeks = []
    for _ in range(2):  # read again: from the remembered (created_at, id) of its first row
        with CaptureQueriesContext(connection) as captured:
            html = get(provider_client, CUSTOMERS, per_page=25, page=2, sort="created")
        assert re.findall(CUSTOMER_ROW, html) == expected[25:]
        seeks.append(
            [q["sql"] for q in captured if re.search(r'"created_at", \w+\."id"\) >= \(', q["sql"])]
        )
    assert not seeks[0] and len(seeks[1]) == 1


def test_the_headings_say_the_order_and_link_to_the_other_direction(provider_client, provider):
    f.CustomerFactory.create_batch(2, provider=provider)
    html = get(provider_client, CUSTOMERS, q="", per_page=25)
    name = re.search(r'<th scope="col" aria-sort="ascending">(.*?)</th>', html, re.S).group(1)
    assert "?q=&amp;per_page=25&amp;sort=-name" in name
    assert 'title="Sort by Name, descending"' in name
    assert 'hx-target="#customer-table"' in name
    created = re.search(r'<th scope="col" class="hide-sm"><a class="sort"[^>]*>Created', html)
    assert created and "sort=-created" in created.group(0)  # newest first on the first click
    assert 'title="Sort by Created"' in created.group(0)

    html = get(provider_client, CUSTOMERS, sort="-created")
    assert re.search(
        r'<th scope="col" class="hide-sm" aria-sort="descending"><a[^>]*sort=created', html
    )
    ja = get(provider_client, CUSTOMERS, "ja", sort="-created")
    assert "で並べ替え" in ja


def test_the_order_survives_paging_page_sizes_filters_and_htmx(provider_client, provider, reseller):
    for number in range(30):
        f.CustomerFactory(provider=provider, reseller=reseller, company_name=f"Row {number:02}")
    html = get(provider_client, CUSTOMERS, sort="-name", per_page=25)
    # Next, Last and the page sizes keep it.
    assert re.search(r'href="\?[^"]*sort=-name[^"]*page=2" [^>]*rel="next"', html)
    assert re.search(r'href="\?[^"]*sort=-name[^"]*per_page=50"', html)
    # The filter form carries it, so a search or a filter keeps it.
    assert '<input type="hidden" name="sort" id="customer-sort" value="-name">' in html
    filtered = get(provider_client, CUSTOMERS, sort="-name", q="Row", reseller=str(reseller.uuid))
    assert re.findall(r">(Row \d\d)<", filtered)[:2] == ["Row 29", "Row 28"]
    # A table loaded through HTMX (a heading clicked) updates the form's field out of band.
    partial = get(provider_client, CUSTOMERS, htmx=True, sort="created")
    assert "<html" not in partial
    assert 'id="customer-sort" value="created" hx-swap-oob="true"' in partial


@pytest.mark.parametrize(
    "value", ["bogus", "--name", "-", "name;drop table", "ＮＡＭＥ", "pk", "\x00"]
)
@pytest.mark.parametrize("url", [CUSTOMERS, SUBSCRIPTIONS, RESELLERS, ACTIVITY])
def test_an_unknown_order_falls_back_to_the_default(
    provider_client, provider, reseller, url, value
):
    f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider, company_name="Zed"))
    f.CustomerFactory(provider=provider, company_name="Alpha")
    f.ActivityEventFactory(organisation=provider)
    provider_client.cookies["django_language"] = "en"
    response = provider_client.get(url, {"sort": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "aria-sort=" in html  # the default order, said on its heading
    if url == CUSTOMERS:
        assert html.index(">Alpha<") < html.index(">Zed<")


SUBSCRIPTION_ROW = r'href="/subscriptions/([0-9a-f-]{36})/"'


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("renewal", lambda s: (s.term_end, s.pk), False),
        ("-renewal", lambda s: (s.term_end, s.pk), True),
        ("created", lambda s: (s.created_at, s.pk), False),
        ("-created", lambda s: (s.created_at, s.pk), True),
    ],
)
def test_subscriptions_sort_both_ways_across_a_page_boundary_with_ties(
    provider_client, provider, sort, key, reverse
):
    customer = f.CustomerFactory(provider=provider)
    now = timezone.now()
    for number in range(30):
        subscription = f.SubscriptionFactory(customer=customer, purchase_window=False)
        tied = 10 <= number < 20
        Subscription.objects.filter(pk=subscription.pk).update(
            term_start=now - timedelta(days=40),
            term_end=now + timedelta(days=3 if tied else number),
            created_at=now - timedelta(days=1 if number >= 20 else number),
        )
    subscriptions = list(Subscription.objects.filter(provider=provider))
    expected = [str(s.uuid) for s in sorted(subscriptions, key=key, reverse=reverse)]
    assert rows_of(provider_client, SUBSCRIPTIONS, SUBSCRIPTION_ROW, sort=sort) == expected


RESELLER_ROW = r'href="/resellers/([0-9a-f-]{36})/"'


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("name", lambda p: (p.reseller.legal_name, p.reseller_id), False),
        ("-name", lambda p: (p.reseller.legal_name, p.reseller_id), True),
        ("since", lambda p: (p.created_at, p.pk), False),
        ("-since", lambda p: (p.created_at, p.pk), True),
        ("date", lambda p: (p.created_at, p.pk), True),  # the former "Newest first"
    ],
)
def test_resellers_sort_both_ways_across_a_page_boundary_with_ties(
    provider_client, provider, sort, key, reverse
):
    now = timezone.now()
    for number in range(30):
        name = "Tied Reseller" if 10 <= number < 20 else f"Reseller {number:02}"
        partnership = f.PartnershipFactory(
            provider=provider, reseller=f.ResellerFactory(legal_name=name)
        )
        created = now - timedelta(days=2) if number >= 20 else now - timedelta(days=number)
        Partnership.objects.filter(pk=partnership.pk).update(created_at=created)
    partnerships = list(Partnership.objects.filter(provider=provider).select_related("reseller"))
    expected = [str(p.uuid) for p in sorted(partnerships, key=key, reverse=reverse)]
    found = rows_of(provider_client, RESELLERS, RESELLER_ROW, sort=sort, status="active")
    assert found == expected


def test_the_reseller_filters_keep_the_order_set_by_a_heading(provider_client, provider):
    f.PartnershipFactory(provider=provider)
    html = get(provider_client, RESELLERS, sort="-since")
    assert re.search(
        r'<input type="hidden" name="sort" value="-since"[^>]* id="reseller-sort">', html
    )
    assert re.search(r'aria-sort="descending"><a class="sort" href="\?sort=since"', html)
    partial = get(provider_client, RESELLERS, htmx=True, sort="name")
    assert 'id="reseller-sort" value="name" hx-swap-oob="true"' in partial


@pytest.mark.parametrize(("sort", "reverse"), [("time", False), ("-time", True)])
def test_the_activity_log_sorts_by_time_both_ways_with_ties(
    provider_client, provider, sort, reverse
):
    now = timezone.now()
    for number in range(30):
        event = f.ActivityEventFactory(organisation=provider, object_repr=f"Object {number:02}")
        when = now - timedelta(hours=1) if 10 <= number < 20 else now - timedelta(hours=number)
        ActivityEvent.objects.filter(pk=event.pk).update(created_at=when)
    events = sorted(
        ActivityEvent.objects.filter(organisation=provider),
        key=lambda e: (e.created_at, e.pk),
        reverse=reverse,
    )
    expected = [e.object_repr for e in events]
    assert rows_of(provider_client, ACTIVITY, r"(Object \d\d)", sort=sort) == expected


def test_the_reseller_pages_customers_sort_by_name_or_date(provider_client, provider, reseller):
    partnership = Partnership.objects.get(provider=provider, reseller=reseller)
    now = timezone.now()
    for number, name in enumerate(["Bravo", "Alpha", "Charlie"]):
        customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name=name)
        Customer.objects.filter(pk=customer.pk).update(created_at=now - timedelta(days=number))
    url = reverse("partners:reseller_detail", args=[partnership.uuid])

    def names(**params):
        html = get(provider_client, url, **params)
        return re.findall(r">(Alpha|Bravo|Charlie)</a>", html), html

    assert names()[0] == ["Alpha", "Bravo", "Charlie"]
    assert names(customers_sort="-name")[0] == ["Charlie", "Bravo", "Alpha"]
    order, html = names(customers_sort="-created")
    assert order == ["Bravo", "Alpha", "Charlie"]
    assert 'aria-sort="descending"' in html and "customers_sort=created#customers-heading" in html
    assert names(customers_sort="nonsense")[0] == ["Alpha", "Bravo", "Charlie"]


@pytest.mark.parametrize(
    ("url", "sort"),
    [
        (CUSTOMERS, "-created"),
        (SUBSCRIPTIONS, "renewal"),
        (RESELLERS, "-since"),
        (ACTIVITY, "time"),
    ],
)
def test_a_sorted_list_runs_the_same_queries_at_two_sizes(
    provider_client, provider, url, sort, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            customer = f.CustomerFactory(provider=provider)
            f.SubscriptionFactory(customer=customer, purchase_window=False)
            f.PartnershipFactory(provider=provider)
            f.ActivityEventFactory(organisation=provider)

    add(3)
    provider_client.get(url, {"sort": sort})  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert provider_client.get(url, {"sort": sort}).status_code == 200
    add(30)
    with django_assert_max_num_queries(len(small)):
        assert provider_client.get(url, {"sort": sort, "per_page": 25}).status_code == 200
