"""An admin relationship from request to expiry, clicked through in English and Japanese:
request -> the approval email arrives -> the customer approves -> active with its end date on
the customer's page -> time moves -> the expiring notice arrives -> expired."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import formats, timezone, translation

from portal.roles import Role
from relationships import services
from relationships.models import AdminRelationship
from tests import factories as f
from tests.e2e.conftest import assert_accessible, sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {
    "en": {
        "request": "Request admin relationship",
        "roles": ("Directory Readers", "Helpdesk Administrator"),
        "approve": "Approve",
        "active": "Active",
        "expiring": "Expiring",
        "expired": "Expired",
        "notice": "ends in 30 days",
    },
    "ja": {
        "request": "管理者の関係を要求する",
        "roles": ("ディレクトリ閲覧者", "ヘルプデスク管理者"),
        "approve": "承認",
        "active": "アクティブ",
        "expiring": "まもなく期限切れ",
        "expired": "期限切れ",
        "notice": "あと 30 日で終了します",
    },
}


@pytest.fixture
def customer(settings, live_server, request):
    settings.SITE_URL = live_server.url
    lang = request.node.callspec.params["lang"]
    provider = f.ProviderFactory(
        legal_name="Contoso Distribution", country="JP" if lang == "ja" else "US"
    )
    f.MembershipFactory(
        organisation=provider, role=Role.ADMIN_AGENT, user__email="agent@contoso.example"
    )
    return f.CustomerFactory(
        provider=provider,
        company_name="Alpine Ski",
        contact_email="it@alpineski.example",
        language=lang,
    )


def _status_cell(page):
    return page.locator("#admin-relationships .badge").first.inner_text()


def _open_customer(page, customer, lang):
    # A fresh sign-in each time: the session kept in the cache expires by the cache's
    # own clock, which the moved time of this test does not reach.
    page.context.clear_cookies()
    sign_in(page, "agent@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto(f"/customers/{customer.uuid}/")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_request_approve_and_expire(page, shot, customer, lang):
    text = LABELS[lang]
    f.role_catalogue()
    _open_customer(page, customer, lang)
    page.get_by_role("link", name=text["request"]).click()
    page.locator("input[name=display_name]").fill("Helpdesk access")
    for role in text["roles"]:
        page.locator("label.checkbox", has_text=f"{role} —").locator("input").check()
    page.locator("input[name=duration_days]").fill("60")
    shot(page, f"admin-relationship-request-{lang}")
    page.locator("main form button[type=submit]").click()
    link_box = page.locator("#approval-link")
    link_box.wait_for()
    shot(page, f"admin-relationship-requested-{lang}")

    # The approval email arrives, in the customer's language, with the same link.
    assert [m.to for m in mail.outbox] == [["it@alpineski.example"]]
    link = re.search(r"https?://\S+/admin-approval/\S+/", mail.outbox[0].body).group(0)
    assert link_box.input_value() == link

    page.get_by_role("button", name="Sign out" if lang == "en" else "サインアウト").click()
    page.goto(link)
    switch_language(page, lang)
    assert "Contoso Distribution" in page.inner_text("h1")
    assert text["roles"][1] in page.inner_text("main")
    if lang == "en":
        assert_accessible(page, "approval page")
    shot(page, f"admin-relationship-approve-{lang}")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name=text["approve"], exact=True).click()
    page.locator("main [role=status]").wait_for()

    relationship = AdminRelationship.objects.get()
    assert relationship.status == "active"
    with translation.override(lang):
        end = formats.date_format(timezone.localtime(relationship.ends_at), "SHORT_DATE_FORMAT")
    _open_customer(page, customer, lang)
    section = page.locator("#admin-relationships")
    assert _status_cell(page) == text["active"]
    assert end in section.inner_text()
    shot(page, f"admin-relationship-active-{lang}")

    # Time moves: 31 days later the daily job marks it expiring and notifies the partner.
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        services.lifecycle_run()
        assert [m.to for m in mail.outbox] == [["agent@contoso.example"]]
        assert text["notice"] in mail.outbox[0].subject
        _open_customer(page, customer, lang)
        assert _status_cell(page) == text["expiring"]

    with time_machine.travel(timezone.now() + timedelta(days=61)):
        services.lifecycle_run()
        _open_customer(page, customer, lang)
        assert _status_cell(page) == text["expired"]
        shot(page, f"admin-relationship-expired-{lang}")
    assert AdminRelationship.objects.get().status == "expired"
