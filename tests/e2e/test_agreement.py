"""The provider finds a partner that has not accepted the partner agreement and reminds it; the
reseller's Global admin accepts it from its home page — in English and Japanese."""

import pytest
from django.core import mail

from partners.models import Organisation
from portal.roles import Role
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {
    "en": {
        "remind": "Send agreement reminder",
        "sent": "Reminder sent on",
        "accept": "Accept",
        "accepted": "Accepted on",
    },
    "ja": {
        "remind": "契約のリマインダーを送信",
        "sent": "にリマインダーを送信しました",
        "accept": "同意する",
        "accepted": "に同意",
    },
}


@pytest.fixture
def reseller(live_server):
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    f.MembershipFactory(
        organisation=provider, role=Role.SALES_AGENT, user__email="sales@contoso.example"
    )
    f.PartnershipFactory(provider=provider, reseller=f.ResellerFactory(legal_name="Fabrikam"))
    reseller = f.ResellerFactory(legal_name="Adatum Consulting", agreement_accepted_at=None)
    f.PartnershipFactory(provider=provider, reseller=reseller)
    f.MembershipFactory(
        organisation=reseller, role=Role.GLOBAL_ADMIN, user__email="admin@adatum.example"
    )
    return reseller


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_remind_then_accept_the_partner_agreement(page, shot, reseller, lang):
    text = LABELS[lang]
    sign_in(page, "sales@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto("/resellers/")
    page.locator("#reseller-agreement").select_option("not_accepted")
    page.wait_for_url("**agreement=not_accepted**")
    page.locator("#reseller-tables tbody tr", has_text="Fabrikam").wait_for(state="detached")
    row = page.locator("#reseller-tables tbody tr", has_text="Adatum Consulting")
    # The row's button posts through HTMX; the answer sends the browser to the list again.
    row.get_by_role("button", name=text["remind"]).click()
    page.locator(".message-success").wait_for()
    # No second button to click (it would be refused): the row says when it was sent.
    row = page.locator("#reseller-tables tbody tr", has_text="Adatum Consulting")
    row.get_by_text(text["sent"]).wait_for()
    assert row.get_by_role("button", name=text["remind"]).count() == 0
    shot(page, f"agreement-reminded-{lang}")
    assert [m.to for m in mail.outbox] == [["admin@adatum.example"]]

    page.context.clear_cookies()
    sign_in(page, "admin@adatum.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto("/home/")
    card = page.locator("#partner-agreement")
    card.locator("input[name=agreement]").check()
    shot(page, f"agreement-accept-{lang}")
    card.get_by_role("button", name=text["accept"]).click()
    page.wait_for_load_state()
    assert text["accepted"] in page.locator("#partner-agreement").inner_text()
    shot(page, f"agreement-accepted-{lang}")
    assert Organisation.objects.get(pk=reseller.pk).agreement_accepted_by is not None
