"""Sorting a list by its column headings in the browser, by mouse and keyboard, in English and
Japanese: the order is said by aria-sort, kept by the search, paging and a reload."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import Customer
from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TITLES = {
    "en": ("Sort by Name, descending", "Sort by Name, ascending"),
    "ja": ("名前 で並べ替え (降順)", "名前 で並べ替え (昇順)"),
}


@pytest.fixture
def provider(live_server):
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    )
    now = timezone.now()
    for number in range(30):
        customer = f.CustomerFactory(provider=provider, company_name=f"Customer {number:02}")
        # Customer 00 is the newest.
        Customer.objects.filter(pk=customer.pk).update(created_at=now - timedelta(days=number))
        event = f.ActivityEventFactory(organisation=provider, object_repr=f"Object {number:02}")
        ActivityEvent.objects.filter(pk=event.pk).update(created_at=now - timedelta(hours=number))
    return provider


ROWS = "#customer-table tbody tr:not(.expanded-row)"


def _first_row(page):
    return page.locator(ROWS).first.locator("td").nth(1).inner_text()


def _expect_first_row(page, name):
    """Wait until the table (swapped in by HTMX) starts with ``name``."""
    expect(page.locator(ROWS).first.locator("td").nth(1)).to_have_text(name)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_customers_sort_by_a_heading_and_keep_the_order(page, shot, provider, lang):
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto("/customers/?per_page=25")
    name = page.locator("#customer-table thead th", has=page.locator("a.sort")).first
    assert name.get_attribute("aria-sort") == "ascending"
    assert name.locator("a").get_attribute("title") == TITLES[lang][0]
    assert _first_row(page) == "Customer 00"

    # By keyboard: the heading's link takes the focus and Enter sorts (through HTMX).
    name.locator("a").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=-name**")
    name = page.locator("#customer-table thead th", has=page.locator("a.sort")).first
    name.and_(page.locator("[aria-sort=descending]")).wait_for()
    assert name.locator("a").get_attribute("title") == TITLES[lang][1]
    _expect_first_row(page, "Customer 29")
    assert_accessible(page, f"customers sorted {lang}")
    shot(page, f"customers-sorted-{lang}")

    # The search keeps the order the heading set.
    page.locator("#customer-q").fill("Customer 1")
    page.wait_for_url("**q=Customer**")
    page.locator(ROWS).nth(10).wait_for(state="detached")
    _expect_first_row(page, "Customer 19")
    page.locator("#customer-q").fill("")
    page.wait_for_url(lambda url: "q=Customer" not in url)
    page.locator(ROWS).nth(24).wait_for()

    # Next keeps it, and so does a reload of the address.
    page.locator("#customer-table a[rel=next]").click()
    page.wait_for_url("**page=2**")
    assert "sort=-name" in page.url
    _expect_first_row(page, "Customer 04")
    page.reload()
    assert _first_row(page) == "Customer 04"

    # Another heading: date created, newest first on the first click.
    page.locator("#customer-table thead th a.sort").nth(1).click()
    page.wait_for_url("**sort=-created**")
    page.locator("#customer-table thead th[aria-sort=descending]").wait_for()
    _expect_first_row(page, "Customer 00")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_activity_log_sorts_oldest_first_from_its_time_heading(page, provider, lang):
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto("/activity/?per_page=25")
    first = page.locator("#activity-table tbody tr").first
    assert "Object 00" in first.inner_text()
    page.locator("#activity-table thead th a.sort").click()
    page.wait_for_url("**sort=time**")
    page.locator("#activity-table thead th[aria-sort=ascending]").wait_for()
    assert "Object 29" in page.locator("#activity-table tbody tr").first.inner_text()
    # Another page size keeps the order.
    page.locator("#activity-table .page-sizes a", has_text="50").click()
    page.wait_for_url("**per_page=50**")
    assert "sort=time" in page.url
    assert "Object 29" in page.locator("#activity-table tbody tr").first.inner_text()
    assert_accessible(page, f"activity sorted {lang}")
