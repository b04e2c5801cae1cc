"""Flows 1 and 3 with the keyboard alone: Tab, Shift+Tab, Enter, Space and typing; no mouse.

Reaching every control by Tab proves it is focusable and in a sensible order; a
control Tab never reaches, or a field Tab cannot leave, fails the test.
"""

import pytest
from django.conf import settings

from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

MAX_TABS = 60


@pytest.fixture
def provider_admin(settings, live_server):
    settings.SITE_URL = live_server.url
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    f.OfferFactory(name="Microsoft 365 Business Basic")
    f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    )


def tab_to(page, target, backwards=False):
    """Press Tab (or Shift+Tab) until ``target`` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    target.wait_for()
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{MAX_TABS} × {key} never reached {target}")


def test_request_a_partnership_and_add_a_customer_by_keyboard(page, shot, provider_admin):
    page.goto("/")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type("admin@contoso.example")
    page.keyboard.press("Tab")
    page.keyboard.type(f.PASSWORD)
    page.keyboard.press("Enter")

    # The skip link comes first and leads to the content.
    menu = page.get_by_role("navigation", name="Main menu")
    tab_to(page, menu.get_by_role("link", name="Indirect resellers"))
    page.keyboard.press("Enter")
    main = page.get_by_role("main")

    # Flow 1: request a partnership.
    tab_to(page, main.get_by_role("link", name="Request a partnership"))
    page.keyboard.press("Enter")
    tab_to(page, main.get_by_label("Recipient email"))
    page.keyboard.type("owner@newreseller.example")
    page.keyboard.press("Enter")
    body = main.get_by_label("Message")
    tab_to(page, body)
    page.keyboard.press("Control+End")
    page.keyboard.type("\nWe look forward to working with you.")
    tab_to(page, main.get_by_role("button", name="Send"))
    page.keyboard.press("Enter")
    main.get_by_role("status").filter(has_text="owner@newreseller.example").wait_for()
    # Shift+Tab walks back out of the form the same way.
    tab_to(page, main.get_by_label("Subject"), backwards=True)
    tab_to(page, main.get_by_role("link", name="Done"))
    page.keyboard.press("Enter")
    main.get_by_role("row").filter(has_text="owner@newreseller.example").wait_for()

    # Flow 3: add a customer from the reseller's row.
    row = main.get_by_role("row").filter(has_text="Fabrikam Solutions")
    tab_to(page, row.get_by_role("link", name="Add new customer"))
    page.keyboard.press("Enter")
    for label, text in [
        ("Company name", "Alpine Ski House"),
        ("Primary domain", "alpine-ski"),
        ("Street", "1-2-3 Marunouchi"),
        ("Postal code", "100-0005"),
        ("City", "Tokyo"),
    ]:
        tab_to(page, main.get_by_label(label))
        page.keyboard.type(text)
    main.locator("#domain-status .ok").wait_for()
    tab_to(page, main.get_by_label("Country"))
    page.keyboard.type("Japan")
    for label, text in [
        ("First name", "Hana"),
        ("Last name", "Sato"),
        ("Email", "it@alpineski.example"),
    ]:
        tab_to(page, main.get_by_label(label))
        page.keyboard.type(text)
    tab_to(page, main.get_by_role("button", name="Next: Subscriptions"))
    page.keyboard.press("Enter")

    tab_to(page, main.get_by_label("Microsoft 365 Business Basic", exact=True))
    page.keyboard.type("5")
    tab_to(page, main.get_by_role("button", name="Review"))
    page.keyboard.press("Enter")
    main.get_by_role("button", name="Submit").wait_for()
    assert f"alpine-ski.{settings.CUSTOMER_DOMAIN_SUFFIX}" in main.inner_text()
    assert "Japan" in main.inner_text()
    tab_to(page, main.get_by_role("button", name="Submit"))
    page.keyboard.press("Enter")

    main.get_by_role("heading", name="Setup information").wait_for()
    tab_to(page, main.get_by_role("button", name="Copy to clipboard"))
    page.keyboard.press("Space")
    tab_to(page, main.get_by_role("link", name="Done"))
    page.keyboard.press("Enter")
    page.locator("#customer-table").get_by_role("link", name="Alpine Ski House").wait_for()

    # The row's down arrow opens its subscriptions with Space, as a button should.
    customer_row = (
        page.locator("#customer-table").get_by_role("row").filter(has_text="Alpine Ski House")
    )
    tab_to(page, customer_row.get_by_role("button", name="Show subscriptions"))
    page.keyboard.press("Space")
    page.locator("#customer-table").get_by_role("link", name="Add subscription").wait_for()
    shot(page, "keyboard-customers-expanded")
