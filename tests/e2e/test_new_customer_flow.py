"""A provider adds a customer from its reseller's row, through the whole wizard, and the
reseller then finds that customer on its own list — in English and, with the language
switched in the top bar, in Japanese with the design's labels."""

import pytest
from django.conf import settings

from portal.roles import Role
from tests import factories as f
from tests.e2e.conftest import assert_accessible, field, sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {
    "en": {
        "resellers": "Indirect resellers",
        "customers": "Customers",
        "add": "Add new customer",
        "company": "Company name",
        "domain": "Primary domain",
        "street": "Street",
        "postal_code": "Postal code",
        "city": "City",
        "country": "Country",
        "first_name": "First name",
        "last_name": "Last name",
        "email": "Email",
        "next": "Next: Subscriptions",
        "subscriptions": "New subscriptions",
        "review": "Review",
        "submit": "Submit",
        "cancel": "Cancel",
        "setup": "Setup information",
        "copy": "Copy to clipboard",
        "done": "Done",
        "sign_out": "Sign out",
        "taken": "is already taken",
    },
    "ja": {
        "resellers": "間接リセラー",
        "customers": "顧客",
        "add": "新しい顧客の追加",
        "company": "会社名",
        "domain": "プライマリ ドメイン",
        "street": "番地",
        "postal_code": "郵便番号",
        "city": "市区町村",
        "country": "国",
        "first_name": "名",
        "last_name": "姓",
        "email": "メール",
        "next": "次へ: サブスクリプション",
        "subscriptions": "新しいサブスクリプション",
        "review": "確認",
        "submit": "送信",
        "cancel": "キャンセル",
        "setup": "セットアップ情報",
        "copy": "クリップボードにコピー",
        "done": "完了",
        "sign_out": "サインアウト",
        "taken": "既に使用されています",
    },
}


@pytest.fixture
def partners(transactional_db):
    """Made before the browser starts; the test itself only clicks."""
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions")
    other = f.ResellerFactory(legal_name="Northwind Traders")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    f.PartnershipFactory(provider=provider, reseller=other)
    f.CustomerFactory(
        provider=provider,
        reseller=other,
        company_name="Tailspin Toys",
        primary_domain=f"tailspin.{settings.CUSTOMER_DOMAIN_SUFFIX}",
    )
    f.OfferFactory(name="Microsoft 365 Business Basic", min_licences=1, max_licences=300)
    f.OfferFactory(name="Microsoft Defender for Business", min_licences=1, max_licences=300)
    f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    )
    f.MembershipFactory(
        organisation=reseller, role=Role.GLOBAL_ADMIN, user__email="admin@fabrikam.example"
    )
    return reseller


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_customer_added_from_a_resellers_row_appears_for_both(page, shot, partners, lang):
    text = LABELS[lang]

    # axe checks each screen once, in English: the Japanese markup is the same.
    def check_accessible(where):
        if lang == "en":
            assert_accessible(page, where)

    sign_in(page, "admin@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    menu = page.get_by_role("navigation")
    menu.get_by_role("link", name=text["resellers"], exact=True).click()
    row = page.get_by_role("row").filter(has_text="Fabrikam Solutions")
    row.get_by_role("link", name=text["add"]).click()

    main = page.get_by_role("main")
    assert main.get_by_role("heading", level=1).inner_text() == text["add"]
    domain = field(main, text["domain"])
    domain.press_sequentially("tailspin", delay=20)
    status = page.locator("#domain-status")
    status.get_by_text(text["taken"]).wait_for()
    domain.fill("alpine-ski")
    status.locator(".ok").wait_for()
    assert f"alpine-ski.{settings.CUSTOMER_DOMAIN_SUFFIX}" in status.inner_text()
    field(main, text["company"]).fill("Alpine Ski House")
    field(main, text["street"]).fill("1-2-3 Marunouchi")
    field(main, text["postal_code"]).fill("100-0005")
    field(main, text["city"]).fill("Tokyo")
    field(main, text["country"]).select_option("JP")
    field(main, text["first_name"]).fill("Hana")
    field(main, text["last_name"]).fill("Sato")
    field(main, text["email"]).fill("it@alpineski.example")
    assert "Fabrikam Solutions" in main.locator("select[name=reseller] option:checked").inner_text()
    shot(page, f"customer-new-details-{lang}")
    check_accessible("customer details step")
    main.get_by_role("button", name=text["next"]).click()

    assert main.get_by_role("heading", name=text["subscriptions"]).is_visible()
    main.get_by_label("Microsoft 365 Business Basic", exact=True).fill("25")
    main.get_by_label("Microsoft Defender for Business", exact=True).fill("10")
    assert main.get_by_role("button", name=text["cancel"]).is_visible()
    check_accessible("subscriptions step")
    main.get_by_role("button", name=text["review"]).click()

    assert "Alpine Ski House" in main.inner_text()
    assert "Fabrikam Solutions" in main.inner_text()
    shot(page, f"customer-new-review-{lang}")
    check_accessible("review step")
    main.get_by_role("button", name=text["submit"]).click()

    assert main.get_by_role("heading", level=1).inner_text() == text["setup"]
    assert main.get_by_role("button", name=text["copy"]).is_visible()
    assert main.locator("#temporary-password").inner_text().strip()
    shot(page, f"customer-setup-{lang}")
    check_accessible("setup information")
    main.get_by_role("link", name=text["done"]).click()

    assert main.get_by_role("heading", level=1).inner_text() == text["customers"]
    table = page.locator("#customer-table")
    assert table.get_by_role("link", name="Alpine Ski House").is_visible()
    assert "Tailspin Toys" not in table.inner_text()
    assert "Fabrikam Solutions" in page.locator("#reseller-filter option:checked").inner_text()
    shot(page, f"customer-list-filtered-{lang}")
    check_accessible("customers filtered by reseller")

    page.get_by_role("button", name=text["sign_out"]).click()
    sign_in(page, "admin@fabrikam.example", f.PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name=text["customers"]).click()
    assert page.locator("#customer-table").get_by_role("link", name="Alpine Ski House").is_visible()
    assert "Tailspin Toys" not in page.locator("#customer-table").inner_text()
    shot(page, f"customer-list-reseller-{lang}")
