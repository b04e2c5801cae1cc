"""A provider invites a reseller by email; the reseller enrols and authorises it; the provider
then removes the partnership — clicked through as people would, in English and Japanese."""

import re

import pytest
from django.core import mail

from customers.models import Customer
from portal.roles import Role
from tests import factories as f
from tests.e2e.conftest import add_authenticator_app, assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {
    "en": {
        "menu": "Indirect resellers",
        "request": "Request a partnership",
        "remove": "Remove partnership",
        "yes": "Remove partnership",
    },
    "ja": {
        "menu": "間接リセラー",
        "request": "パートナーシップを要求する",
        "remove": "パートナーシップの削除",
        "yes": "はい",
    },
}


@pytest.fixture
def provider(settings, live_server):
    settings.SITE_URL = live_server.url
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    f.MembershipFactory(
        organisation=provider, role=Role.ADMIN_AGENT, user__email="agent@contoso.example"
    )
    return provider


def _switch_language(page, code):
    if page.locator("html").get_attribute("lang") != code:
        with page.expect_navigation():
            page.get_by_label("Language" if code == "ja" else "言語").select_option(code)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_request_enrol_authorise_and_remove(page, shot, provider, lang):
    text = LABELS[lang]
    sign_in(page, "agent@contoso.example", f.PASSWORD)
    _switch_language(page, lang)
    # The menu's link: in Japanese the brand link's name also holds 間接リセラー.
    page.get_by_role("navigation").get_by_role("link", name=text["menu"], exact=True).click()
    page.get_by_role("link", name=text["request"]).click()
    page.locator("input[name=email]").fill("owner@newreseller.example")
    page.locator("#request-panel button[type=submit]").first.click()
    body = page.locator("textarea[name=body]")
    body.wait_for()
    body.fill(body.input_value().replace("\n", "\nWe look forward to working with you.\n", 1))
    shot(page, f"partnership-draft-{lang}")
    page.locator("#request-panel button[type=submit]").first.click()
    page.locator("#request-panel .notice").wait_for()
    shot(page, f"partnership-sent-{lang}")

    assert len(mail.outbox) == 1
    assert "We look forward to working with you." in mail.outbox[0].body
    link = re.search(r"https?://\S+/invite/\S+/", mail.outbox[0].body).group(0)

    page.get_by_role("button", name="Sign out" if lang == "en" else "サインアウト").click()
    page.goto(link)
    assert "Contoso Distribution" in page.inner_text("h1")
    shot(page, f"partnership-invite-{lang}")
    if lang == "en":
        assert_accessible(page, "invite page")
    enrol = page.locator("form", has=page.locator("input[name=company_name]"))
    enrol.locator("input[name=company_name]").fill("New Reseller KK")
    enrol.locator("input[name=partner_id]").fill("9100001")
    enrol.locator("input[name=location_partner_id]").fill("9100011")
    enrol.locator("select[name=country]").select_option("JP")
    enrol.locator("input[name=first_name]").fill("Hana")
    enrol.locator("input[name=last_name]").fill("Sato")
    # The invited address is prefilled.
    assert enrol.locator("input[name=email]").input_value() == "owner@newreseller.example"
    enrol.locator("input[name=password]").fill("Reseller-Password-2026")
    enrol.locator("input[name=agreement]").check()
    enrol.locator("input[name=consent]").check()
    enrol.locator("button[type=submit]").click()
    page.wait_for_load_state()
    # The address confirms the enrolment: the link mailed to it finishes it.
    page.get_by_role("status").wait_for()
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["owner@newreseller.example"]
    confirm = re.search(r"https?://\S+/enrol/\S+/", mail.outbox[1].body).group(0)
    page.goto(confirm)
    shot(page, f"partnership-enrol-confirm-{lang}")
    page.locator("main form button[type=submit]").click()
    # A new organisation requires MFA: its Global admin adds an authenticator app first.
    page.wait_for_url(re.compile(r"/profile/mfa/"))
    page.locator("main a[href^='/profile/mfa/app/']").click()
    add_authenticator_app(page)
    page.wait_for_load_state()
    assert "Contoso Distribution" in page.inner_text("main")
    shot(page, f"partnership-reseller-home-{lang}")

    page.get_by_role("button", name="Sign out" if lang == "en" else "サインアウト").click()
    sign_in(page, "agent@contoso.example", f.PASSWORD)
    _switch_language(page, lang)
    page.goto("/resellers/")
    row = page.locator("tr", has_text="New Reseller KK")
    assert row.count() == 1
    shot(page, f"partnership-listed-{lang}")

    customers_before = Customer.objects.count()
    row.get_by_role("link", name=text["remove"]).click()
    shot(page, f"partnership-remove-{lang}")
    page.get_by_role("button", name=text["yes"]).click()
    page.wait_for_load_state()
    assert page.locator("tr", has_text="New Reseller KK").count() == 0
    assert Customer.objects.count() == customers_before
