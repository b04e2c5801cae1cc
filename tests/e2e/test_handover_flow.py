"""Remove a partnership with a guided handover in the browser, in English and Japanese: the
impact preview, a decision for all, one customer's own decision, Yes, the progress bar and
the summary, then Undo."""

import pytest

from customers.models import Customer
from partners.models import Partnership
from portal.roles import Role
from subscriptions.models import Subscription
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {
    "en": {"remove": "Remove partnership", "next": "Next: decisions per customer",
           "provider": "Keep with the provider (no reseller)", "reassign": "Reassign to another reseller",
           "save": "Save", "yes": "Remove partnership", "undo": "Undo",
           "saved": "Decision saved for Beta KK.", "removed": "Partnership removed.",
           "restored": "Partnership restored.", "customers": "Customers associated with the reseller"},
    "ja": {"remove": "パートナーシップの削除", "next": "次へ: 顧客ごとの決定",
           "provider": "プロバイダーが担当する (リセラーなし)", "reassign": "別のリセラーに再割り当てする",
           "save": "保存", "yes": "はい", "undo": "元に戻す",
           "saved": "Beta KK の決定を保存しました。", "removed": "パートナーシップを削除しました。",
           "restored": "パートナーシップを復元しました。", "customers": "リセラーに関連付けられた顧客"},
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_preview_decide_remove_and_undo(page, shot, live_server, lang):
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    f.MembershipFactory(
        organisation=provider, role=Role.ADMIN_AGENT, user__email="agent@contoso.example"
    )
    leaving = f.ResellerFactory(legal_name="Fabrikam Solutions")
    partnership = f.PartnershipFactory(provider=provider, reseller=leaving)
    taking = f.ResellerFactory(legal_name="Tailspin Toys IT")
    f.PartnershipFactory(provider=provider, reseller=taking)
    alpha = f.CustomerFactory(provider=provider, reseller=leaving, company_name="Alpha KK")
    beta = f.CustomerFactory(provider=provider, reseller=leaving, company_name="Beta KK")
    location = leaving.locations.get()
    for customer in (alpha, beta):
        f.SubscriptionFactory(
            customer=customer, reseller_location=location, support_contact=leaving
        )
    new_mpn = taking.locations.get().location_partner_id
    text = LABELS[lang]

    sign_in(page, "agent@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto(f"/resellers/{partnership.uuid}/")
    page.get_by_role("link", name=text["remove"]).first.click()
    page.wait_for_load_state()
    assert text["customers"] in page.inner_text("main")
    assert page.locator("#count-customers").inner_text() == "2"
    assert "Alpha KK" in page.locator("#impact-customers").inner_text()
    shot(page, f"handover-preview-{lang}")
    if lang == "en":
        assert_accessible(page, "impact preview")

    page.locator("#id_decision").select_option("provider")
    page.get_by_role("button", name=text["next"]).click()
    page.wait_for_load_state()
    if lang == "en":
        assert_accessible(page, "handover plan")
    beta_row = page.locator("tr", has_text="Beta KK")
    beta_row.locator("select").select_option("reassign")
    beta_row.locator("input[type=text]").fill(new_mpn)
    beta_row.get_by_role("button", name=text["save"]).click()
    page.wait_for_load_state()
    assert text["saved"] in page.inner_text("main")
    shot(page, f"handover-plan-{lang}")

    page.get_by_role("button", name=text["yes"]).click()
    page.wait_for_load_state()
    page.wait_for_function("() => { const b = document.querySelector('#job-bar');"
                           " return b && b.value === b.max; }")  # fmt: skip
    page.reload()
    assert text["removed"] in page.locator("#handover-outcome").inner_text()
    shot(page, f"handover-summary-{lang}")
    assert Partnership.objects.get(pk=partnership.pk).status == "removed"
    assert Customer.objects.get(pk=alpha.pk).reseller is None
    assert Customer.objects.get(pk=beta.pk).reseller == taking
    assert Subscription.objects.get(customer=beta).support_contact == taking

    page.get_by_role("button", name=text["undo"]).click()
    page.wait_for_load_state()
    page.wait_for_function("() => { const b = document.querySelector('#job-bar');"
                           " return b && b.value === b.max; }")  # fmt: skip
    page.reload()
    assert text["restored"] in page.locator("#handover-outcome").inner_text()
    assert Partnership.objects.get(pk=partnership.pk).status == "active"
    assert Customer.objects.get(pk=beta.pk).reseller == leaving
    assert Subscription.objects.get(customer=alpha).reseller_location == location
