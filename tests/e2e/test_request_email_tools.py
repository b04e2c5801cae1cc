"""Request a partnership in Japanese: the design's labels, then Copy to clipboard and Open in
email checked in the browser against the edited text (Japanese, &, # and new lines)."""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core import mail

from portal.roles import Role
from tests import factories as f
from tests.e2e.conftest import assert_accessible, field, sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)

ADDED = "\nご検討のほど、よろしくお願いいたします。\nQ&A #1: 50% off?\n"


@pytest.fixture
def agent(settings, live_server):
    settings.SITE_URL = live_server.url
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    f.MembershipFactory(
        organisation=provider, role=Role.ADMIN_AGENT, user__email="agent@contoso.example"
    )


def _mailto_fields(href):
    parts = urlsplit(href)
    assert parts.scheme == "mailto"
    query = parse_qs(parts.query, keep_blank_values=True)
    return unquote(parts.path), query["subject"][0], query["body"][0].replace("\r\n", "\n")


def test_request_in_japanese_copy_and_open_in_email(page, shot, agent, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, "agent@contoso.example", f.PASSWORD)
    switch_language(page, "ja")
    page.get_by_role("navigation").get_by_role("link", name="間接リセラー").click()
    assert_accessible(page, "Indirect resellers")
    page.get_by_role("link", name="パートナーシップを要求する").click()
    main = page.get_by_role("main")
    assert main.get_by_role("heading", level=1).inner_text() == "パートナーシップを要求する"
    field(main, "宛先の電子メール アドレス").fill("owner@newreseller.example")
    main.get_by_role("button", name="電子メールを準備する").click()

    subject, body = field(main, "件名"), field(main, "メッセージ")
    body.wait_for()
    open_in_email = main.get_by_role("link", name="電子メールで開く")
    # The server renders the link for the draft as it stands.
    to, mail_subject, mail_body = _mailto_fields(open_in_email.get_attribute("href"))
    assert (to, mail_subject, mail_body) == (
        "owner@newreseller.example",
        subject.input_value(),
        body.input_value(),
    )

    body.fill(body.input_value() + ADDED)
    # The subject names the provider and cannot be edited.
    assert subject.get_attribute("readonly") is not None
    assert "Contoso" in subject.input_value()
    main.get_by_role("button", name="クリップボードにコピー").click()
    main.get_by_text("コピーしました").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == body.input_value()

    # A click rebuilds the link from the edited fields; the mail program itself stays shut.
    open_in_email.evaluate("link => link.addEventListener('click', e => e.preventDefault())")
    open_in_email.click()
    to, mail_subject, mail_body = _mailto_fields(open_in_email.get_attribute("href"))
    assert to == "owner@newreseller.example"
    assert mail_subject == subject.input_value()
    assert mail_body == body.input_value()
    assert ADDED in mail_body
    shot(page, "request-draft-ja")
    assert_accessible(page, "Request a partnership draft")

    main.get_by_role("button", name="送信").click()
    main.get_by_role("status").filter(has_text="owner@newreseller.example").wait_for()
    assert ADDED.strip() in mail.outbox[0].body
    main.get_by_role("link", name="完了").click()
    requests = main.get_by_role("row").filter(has_text="owner@newreseller.example")
    assert requests.get_by_text("保留中").is_visible()
