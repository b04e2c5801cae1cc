"""Staff-grade screens in the browser: the reseller page, lists, readable dates, forms that
guide, safe dialogs, phones. English and Japanese where text is involved.

With DOCS_SCREENSHOTS=1 the first test also refreshes the README's screenshots at
1280 and 375 px (Indirect resellers, the reseller page, Customers, Activity log).
"""

import os
from pathlib import Path

import pytest

from partners.models import Partnership
from portal import audit
from portal.audit import Verb
from portal.roles import Role
from subscriptions.models import Subscription
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

TEXT = {
    "en": {
        "menu": "Main menu",
        "menu_button": "Menu",
        "resellers": "Indirect resellers",
        "customers": "Customers",
        "activity": "Activity log",
        "licences": "Licences per offer",
        "rights": "Admin relationships",
        "add_customer": "Add new customer",
        "next": "Next: Subscriptions",
        "problem": "Please correct the following:",
        "company": "Company name",
        "keep": "Keep it",
        "cancel_subscription": "Cancel subscription",
        "revoke": "Revoke",
        "revoke_request": "Revoke request",
        "cancel": "Cancel",
    },
    "ja": {
        "menu": "メイン メニュー",
        "menu_button": "メニュー",
        "resellers": "間接リセラー",
        "customers": "顧客",
        "activity": "アクティビティ ログ",
        "licences": "オファーごとのライセンス",
        "rights": "管理者の関係",
        "add_customer": "新しい顧客の追加",
        "next": "次へ: サブスクリプション",
        "problem": "次の点を修正してください:",
        "company": "会社名",
        "keep": None,
        "cancel_subscription": None,
        "revoke": "取り消し",
        "revoke_request": "要求を取り消す",
        "cancel": "キャンセル",
    },
}


@pytest.fixture
def data(transactional_db):
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions", agreement_accepted_at=None)
    f.PartnerLocationFactory(organisation=reseller, name="Osaka office", country="JP")
    partnership = f.PartnershipFactory(provider=provider, reseller=reseller)
    offer = f.OfferFactory(name="Microsoft 365 Business Basic")
    for name, quantity in (("Alpine Ski House", 25), ("Tailspin Toys", 10)):
        customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name=name)
        f.SubscriptionFactory(
            customer=customer, offer=offer, quantity=quantity, support_contact=reseller
        )
    f.TenantOwnerGrantFactory(customer=customer, organisation=reseller)
    f.AdminRelationshipFactory(customer=customer, partner=reseller, display_name="Helpdesk")
    f.PartnershipRequestFactory(provider=provider, email="new@reseller.example")
    admin = f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    ).user
    for verb, obj in (
        (Verb.PARTNERSHIP_CREATED, partnership),
        (Verb.CUSTOMER_CREATED, customer),
        (Verb.PARTNERSHIP_AGREEMENT_REMINDER_SENT, partnership),
    ):
        audit.record(org=provider, actor=admin, verb=verb, obj=obj)
    return partnership


def _docs_shots(page, name):
    """1280 and 375 px screenshots for the README, only when DOCS_SCREENSHOTS is set."""
    if not os.environ.get("DOCS_SCREENSHOTS"):
        return
    DOCS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(DOCS / f"{name}.png"))
    page.set_viewport_size({"width": 375, "height": 812})
    # The whole page: on a phone the table comes below the filters.
    page.screenshot(path=str(DOCS / f"{name}-375.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_reseller_page_from_indirect_resellers(page, shot, data, lang):
    text = TEXT[lang]
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    menu = page.get_by_role("navigation", name=text["menu"])
    main = page.get_by_role("main")
    menu.get_by_role("link", name=text["resellers"]).click()
    assert_accessible(page, f"indirect resellers {lang}")
    _docs_shots(page, f"indirect-resellers-{lang}")

    # The customer count leads to Customers filtered by the reseller.
    row = page.locator("#reseller-tables tbody tr", has_text="Fabrikam Solutions")
    row.locator("td.num a").click()
    page.wait_for_url("**/customers/?reseller=**")
    main.get_by_role("link", name="Alpine Ski House").wait_for()
    assert_accessible(page, f"customers {lang}")
    _docs_shots(page, f"customers-{lang}")

    # The reseller's name leads to its page.
    page.go_back()
    page.locator("#reseller-tables tbody tr").get_by_role(
        "link", name="Fabrikam Solutions", exact=True
    ).click()
    page.get_by_role("heading", level=1, name="Fabrikam Solutions").wait_for()
    main.get_by_role("heading", name=text["licences"]).wait_for()
    main.get_by_role("heading", name=text["rights"]).wait_for()
    # Its customer row, its admin relationship and its tenant-owner grant.
    assert main.get_by_role("link", name="Tailspin Toys").count() == 3
    assert "35" in main.locator("section", has_text=text["licences"]).inner_text()
    assert_accessible(page, f"reseller page {lang}")
    _docs_shots(page, f"reseller-{lang}")
    shot(page, f"reseller-page-{lang}")
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1")
    page.set_viewport_size({"width": 1280, "height": 860})

    main.get_by_role("link", name=text["add_customer"]).click()
    page.wait_for_url(f"**/customers/new/?reseller={data.reseller.uuid}")

    menu.get_by_role("link", name=text["activity"]).click()
    assert_accessible(page, f"activity log {lang}")
    _docs_shots(page, f"activity-log-{lang}")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_failed_form_focuses_its_error_summary(page, data, lang):
    text = TEXT[lang]
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto("/customers/new/")
    page.expect_refusal_from("/customers/new/")
    page.get_by_role("button", name=text["next"]).click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert text["problem"] in summary.inner_text()
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    summary.get_by_role("link", name=text["company"], exact=False).first.click()
    page.wait_for_function("() => document.activeElement.id === 'id_company_name'")
    assert_accessible(page, f"wizard errors {lang}")


def test_the_cancel_dialog_opens_on_the_safe_choice(page, data):
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    subscription = Subscription.objects.get(customer__company_name="Alpine Ski House")
    page.goto(f"/subscriptions/{subscription.uuid}/")
    main = page.get_by_role("main")
    main.get_by_role("link", name="Cancel subscription").click()
    dialog = page.locator("dialog[open]")
    dialog.wait_for()
    assert dialog.get_by_role("link", name="Keep it").evaluate(
        "el => el === document.activeElement"
    )
    assert dialog.get_by_role("button", name="Cancel subscription").count() == 1
    # Enter acts on the focused, safe choice: nothing is cancelled.
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert "p.m." not in page.locator("main").inner_text()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_confirmation_names_its_action_and_focuses_cancel(page, data, lang):
    text = TEXT[lang]
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto("/resellers/")
    row = page.locator("tr", has_text="new@reseller.example")
    row.get_by_role("button", name=text["revoke"], exact=True).click()
    dialog = page.locator("dialog[open]")
    dialog.wait_for()
    assert dialog.get_by_role("button", name=text["cancel"]).evaluate(
        "el => el === document.activeElement"
    )
    assert_accessible(page, f"confirmation {lang}")
    page.keyboard.press("Enter")
    dialog.wait_for(state="detached")
    assert row.count() == 1  # kept
    row.get_by_role("button", name=text["revoke"], exact=True).click()
    page.locator("dialog[open]").get_by_role("button", name=text["revoke_request"]).click()
    row.wait_for(state="detached")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_phones_get_a_menu_button(page, data, lang):
    text = TEXT[lang]
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/resellers/")
    menu = page.get_by_role("navigation", name=text["menu"])
    button = page.get_by_role("button", name=text["menu_button"])
    assert not menu.is_visible() and button.get_attribute("aria-expanded") == "false"
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    menu.get_by_role("link", name=text["customers"]).click()
    page.get_by_role("main").get_by_role("link", name="Alpine Ski House").wait_for()
    # The licence count and the status stay on screen in Subscriptions.
    page.goto("/subscriptions/")
    cell = page.locator("tbody td.num").first
    box = cell.bounding_box()
    assert box and box["x"] + box["width"] <= 375
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1")
    assert_accessible(page, f"phone subscriptions {lang}")


def test_removed_partnerships_have_a_filter(page, data):
    Partnership.objects.filter(pk=data.pk).update(status="removed")
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    page.goto("/resellers/")
    page.locator("#reseller-status").select_option("removed")
    page.wait_for_url("**status=removed**")
    page.get_by_role("heading", name="Removed partnerships").wait_for()
    page.locator("#reseller-tables tbody tr", has_text="Fabrikam Solutions").wait_for()
