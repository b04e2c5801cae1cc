"""Click through the subscription screens in headless Chromium, as a provider and as its reseller."""

import os

import pytest

from portal.roles import Role
from tests import factories as f

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")


@pytest.fixture
def browser_page(page):
    """The shared Chromium page (tests/e2e/conftest.py): console errors fail the test."""
    return page


@pytest.fixture
def demo(transactional_db):
    """The data, made before the browser starts: ORM calls inside Playwright's
    event loop would open a connection that is never closed."""
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    location_id = reseller.locations.get().location_partner_id
    customer = f.CustomerFactory(
        provider=provider, reseller=reseller, company_name="Alpine Ski House"
    )
    f.OfferFactory(name="Microsoft 365 Business Basic")
    f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    )
    f.MembershipFactory(
        organisation=reseller, role=Role.GLOBAL_ADMIN, user__email="admin@fabrikam.example"
    )
    return {"reseller": reseller, "location_id": location_id, "customer": customer}


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")


def test_a_provider_and_its_reseller_manage_a_subscription(demo, browser_page, live_server):
    page = browser_page
    reseller, location_id, customer = demo["reseller"], demo["location_id"], demo["customer"]

    _sign_in(page, live_server, "admin@contoso.example")
    page.goto(f"{live_server.url}/subscriptions/new/{customer.uuid}/")
    page.select_option("select[name=offer]", label="Microsoft 365 Business Basic (1–300 licences)")
    page.fill("input[name=quantity]", "12")
    # The customer's reseller comes preselected; credit it later, on the details page.
    page.select_option("select[name=reseller]", value="")
    _shot(page, "1-new-subscription")
    page.click("button:has-text('Submit')")
    page.goto(f"{live_server.url}/subscriptions/")
    page.click("a:has-text('Microsoft 365 Business Basic')")

    page.fill("#reseller-location_partner_id", reseller.partner_id)
    page.click("button:has-text('Check ID')")
    page.wait_for_selector("#check-id-result .error")
    assert "global partner ID" in page.inner_text("#check-id-result")
    # Typing looks the matching locations up (the page does not carry them all).
    page.fill("#reseller-location_partner_id", location_id[:4])
    page.wait_for_selector(f"#partner-locations-found li:has-text('{location_id}')")
    assert page.locator(f"#partner-locations option[value='{location_id}']").count() == 1
    page.fill("#reseller-location_partner_id", location_id)
    page.click("button:has-text('Check ID')")
    page.wait_for_selector("#check-id-result .check-ok")
    _shot(page, "2-check-id")
    page.click("form[action$='/reseller/'] button[type=submit]")
    assert "Reseller (MPN ID) saved." in page.inner_text("main")

    # The new subscription named the associated reseller; hand support to the
    # provider, then back to the reseller.
    page.check(f"input[name=support_contact]:not([value='{reseller.uuid}'])")
    page.click("form[action$='/support-contact/'] button[type=submit]")
    assert "Designated support contact saved." in page.inner_text("main")
    page.check(f"input[name=support_contact][value='{reseller.uuid}']")
    page.click("form[action$='/support-contact/'] button[type=submit]")
    assert "Designated support contact saved." in page.inner_text("main")
    page.fill("input[name=quantity]", "15")
    page.click("button:has-text('Change licences')")
    page.click("button:has-text('Suspend')")
    page.click("button:has-text('Reactivate')")
    assert page.inner_text("#subscription-quantity") == "15"
    _shot(page, "3-details-provider")

    page.context.clear_cookies()
    _sign_in(page, live_server, "admin@fabrikam.example")
    page.goto(f"{live_server.url}/subscriptions/support/")
    assert "Alpine Ski House" in page.inner_text("main")
    _shot(page, "4-support-queue")
    page.click("a:has-text('Microsoft 365 Business Basic')")
    assert page.locator("button:has-text('Check ID')").count() == 0
    page.fill("input[name=quantity]", "20")
    page.click("button:has-text('Change licences')")
    assert "Licence count changed." in page.inner_text("main")
    assert page.inner_text("#subscription-quantity") == "20"
    _shot(page, "5-details-reseller")
