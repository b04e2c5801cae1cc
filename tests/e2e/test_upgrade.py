"""From the Customers row, buy more licences in one click, then upgrade the subscription —
in English and Japanese."""

import pytest

from portal.roles import Role
from subscriptions.models import Subscription
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {
    "en": {
        "buy": "Buy more licences",
        "change": "Change licences",
        "upgrade": "Upgrade",
        "from": "Upgraded from",
    },
    "ja": {
        "buy": "ライセンスの追加購入",
        "change": "ライセンス数の変更",
        "upgrade": "アップグレード",
        "from": "アップグレード前",
    },
}


@pytest.fixture
def subscription(live_server):
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    f.MembershipFactory(
        organisation=provider, role=Role.SALES_AGENT, user__email="sales@contoso.example"
    )
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Coho Winery")
    basic = f.OfferFactory(name="Microsoft 365 Business Basic")
    basic.upgrades_to.add(f.OfferFactory(name="Microsoft 365 Business Standard", max_licences=50))
    return f.SubscriptionFactory(
        customer=customer,
        offer=basic,
        quantity=10,
        reseller_location=reseller.locations.get(),
        support_contact=reseller,
    )


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_buy_more_licences_then_upgrade(page, shot, subscription, lang):
    text = LABELS[lang]
    sign_in(page, "sales@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto("/customers/")
    page.locator("button[data-expand-row]").first.click()
    buy = page.get_by_role("link", name=text["buy"])
    buy.wait_for()
    shot(page, f"upgrade-row-{lang}", full_page=False)
    buy.click()
    page.wait_for_load_state()
    assert page.url.endswith("#licences")
    page.locator("#quantity-quantity").fill("15")
    page.get_by_role("button", name=text["change"]).click()
    page.wait_for_load_state()
    assert page.inner_text("#subscription-quantity") == "15"

    upgrade = page.locator("#upgrade")
    upgrade.locator("select[name=offer]").select_option(index=1)
    upgrade.locator("input[name=quantity]").fill("20")
    upgrade.get_by_role("button", name=text["upgrade"]).click()
    page.wait_for_load_state()
    assert "Microsoft 365 Business Standard" in page.inner_text("h1")
    assert text["from"] in page.inner_text("main")
    shot(page, f"upgrade-done-{lang}")
    successor = Subscription.objects.get(upgraded_from=subscription)
    assert (successor.quantity, successor.support_contact_id) == (
        20,
        subscription.support_contact_id,
    )
