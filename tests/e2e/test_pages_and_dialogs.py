"""The main pages reached through the menu: axe-core finds no serious or critical
violation, dialogs take and give back the focus, the tables stay usable 375 px wide.

With DOCS_SCREENSHOTS=1 the test also refreshes the README's screenshots in
docs/screenshots/ (1280×800, English and Japanese).
"""

import os
from pathlib import Path

import pytest

from portal.roles import Role
from tests import factories as f
from tests.e2e.conftest import assert_accessible, sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def portal_data(transactional_db):
    provider = f.ProviderFactory(legal_name="Contoso Distribution", directory_listed=True)
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    for name in ("Alpine Ski House", "Tailspin Toys"):
        customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name=name)
    f.SubscriptionFactory(
        customer=customer,
        offer=f.OfferFactory(name="Microsoft 365 Business Basic"),
        quantity=25,
        support_contact=reseller,
    )
    f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    )
    f.MembershipFactory(
        organisation=reseller, role=Role.GLOBAL_ADMIN, user__email="admin@fabrikam.example"
    )


@pytest.fixture
def docs_shot():
    """A 1280×800 viewport screenshot for the README, only when DOCS_SCREENSHOTS is set."""
    if not os.environ.get("DOCS_SCREENSHOTS"):
        return lambda page, name: None
    DOCS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=str(DOCS / f"{name}.png"))

    return take


def _check_dialog(page, opener):
    """The dialog takes the focus, Escape closes it, the focus returns to its opener."""
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    dialog.wait_for()
    assert dialog.evaluate("d => d.contains(document.activeElement)")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert opener.evaluate("el => el === document.activeElement")


def test_main_pages_are_accessible_and_dialogs_behave(page, shot, docs_shot, portal_data):
    page.goto("/")
    assert_accessible(page, "sign-in")
    main = page.get_by_role("main")
    page.get_by_role("link", name="Indirect provider directory").click()
    main.get_by_text("Contoso Distribution").first.wait_for()
    assert_accessible(page, "directory")

    sign_in(page, "admin@contoso.example", f.PASSWORD)
    menu = page.get_by_role("navigation", name="Main menu")
    # Signed in, the provider lands on its Overview; the resellers are one click away.
    menu.get_by_role("link", name="Indirect resellers").click()
    docs_shot(page, "indirect-resellers-en")
    menu.get_by_role("link", name="Customers").click()
    main.get_by_role("link", name="Alpine Ski House").wait_for()
    docs_shot(page, "customers-en")
    page.set_viewport_size({"width": 375, "height": 812})
    # Narrow: the page itself never scrolls sideways; only .table-wrap may.
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1")
    shot(page, "customers-375", full_page=False)
    # Narrow, the menu folds behind its button.
    assert not menu.is_visible()
    page.get_by_role("button", name="Menu").click()
    menu.get_by_role("link", name="Indirect resellers").click()
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1")
    shot(page, "indirect-resellers-375", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 860})

    menu.get_by_role("link", name="Customers").click()
    main.get_by_role("link", name="Alpine Ski House").click()
    assert_accessible(page, "customer details")
    _check_dialog(page, main.get_by_role("button", name="Remove reseller relationship"))

    menu.get_by_role("link", name="Customers").click()
    main.get_by_role("link", name="All subscriptions").click()
    assert_accessible(page, "subscriptions")
    main.get_by_role("link", name="Microsoft 365 Business Basic").click()
    assert_accessible(page, "subscription details")
    docs_shot(page, "subscription-details-en")
    _check_dialog(page, main.get_by_role("link", name="Cancel subscription"))

    menu.get_by_role("link", name="Users").click()
    assert_accessible(page, "users")
    menu.get_by_role("link", name="Activity log").click()
    assert_accessible(page, "activity log")
    docs_shot(page, "activity-log-en")

    if os.environ.get("DOCS_SCREENSHOTS"):
        switch_language(page, "ja")
        menu = page.get_by_role("navigation", name="メイン メニュー")
        menu.get_by_role("link", name="間接リセラー").click()
        docs_shot(page, "indirect-resellers-ja")
        menu.get_by_role("link", name="顧客").click()
        docs_shot(page, "customers-ja")
        switch_language(page, "en")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "admin@fabrikam.example", f.PASSWORD)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Customers").click()
    main.get_by_role("link", name="Support queue").click()
    main.get_by_text("Tailspin Toys").first.wait_for()
    assert_accessible(page, "support queue")
    docs_shot(page, "support-queue-en")
