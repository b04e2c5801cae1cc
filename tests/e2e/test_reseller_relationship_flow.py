"""A reseller relationship request to a company with a tenant elsewhere, clicked through in
English and Japanese: the provider sends it and copies the link, the company's contact opens
it and accepts, and the company appears on Customers associated with the reseller."""

import pytest
from django.core import mail

from customers.models import Customer
from portal.roles import Role
from tests import factories as f
from tests.e2e.conftest import assert_accessible, sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {
    "en": {
        "customers": "Customers",
        "requests": "Reseller relationship requests",
        "new": "Request a reseller relationship",
        "send": "Send request",
        "copy": "Copy to clipboard",
        "copied": "Copied",
        "done": "Done",
        "pending": "Pending",
        "accepted": "Accepted",
        "accept": "Accept",
        "sign_out": "Sign out",
        "heading": "Fabrikam Solutions invites you to buy through Contoso Distribution",
        "welcome": "Fourth Coffee is now a customer of Contoso Distribution",
        "mail_subject": "Fabrikam Solutions invites you to buy through Contoso Distribution",
    },
    "ja": {
        "customers": "顧客",
        "requests": "再販業者関係の要求",
        "new": "再販業者関係を要求する",
        "send": "要求を送信",
        "copy": "クリップボードにコピー",
        "copied": "コピーしました",
        "done": "完了",
        "pending": "保留中",
        "accepted": "承諾済み",
        "accept": "同意する",
        "sign_out": "サインアウト",
        "heading": "Fabrikam Solutionsから、Contoso Distributionを通じたご購入のご案内",
        "welcome": "Fourth Coffee は Contoso Distribution の顧客になり",
        "mail_subject": "Fabrikam Solutionsから、Contoso Distributionを通じたご購入のご案内",
    },
}


@pytest.fixture
def partners(settings, live_server):
    settings.SITE_URL = live_server.url
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    f.MembershipFactory(
        organisation=provider, role=Role.SALES_AGENT, user__email="sales@contoso.example"
    )
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    return provider, reseller


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_send_copy_open_accept_and_see_the_customer(page, shot, partners, live_server, lang):
    text = LABELS[lang]
    provider, reseller = partners
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, "sales@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.get_by_role("navigation").get_by_role("link", name=text["customers"]).click()
    main = page.get_by_role("main")
    main.get_by_role("link", name=text["requests"]).click()
    main.get_by_role("link", name=text["new"]).click()
    assert main.get_by_role("heading", level=1).inner_text() == text["new"]
    main.locator("select[name=partner]").select_option(label="Fabrikam Solutions")
    main.locator("input[name=company_name]").fill("Fourth Coffee")
    main.locator("input[name=primary_domain]").fill("fourthcoffee.onmicrosoft.example")
    main.locator("input[name=contact_first_name]").fill("Mio")
    main.locator("input[name=contact_last_name]").fill("Tanaka")
    main.locator("input[name=contact_email]").fill("it@fourthcoffee.example")
    main.locator("select[name=language]").select_option(lang)
    if lang == "en":
        assert_accessible(page, "Request a reseller relationship")
    main.get_by_role("button", name=text["send"]).click()

    link_box = main.locator("#request-link")
    link_box.wait_for()
    link = link_box.input_value()
    assert link.startswith(f"{live_server.url}/customers/reseller-relationship/")
    main.get_by_role("button", name=text["copy"]).click()
    main.get_by_text(text["copied"]).wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    shot(page, f"reseller-relationship-request-sent-{lang}")
    # The contact's email, in the contact's language, holds the same link.
    [message] = mail.outbox
    assert message.to == ["it@fourthcoffee.example"]
    assert message.subject == text["mail_subject"]
    assert link in message.body

    main.get_by_role("link", name=text["done"]).click()
    row = main.get_by_role("row").filter(has_text="Fourth Coffee")
    assert text["pending"] in row.inner_text()

    # The company's contact opens the link: no sign-in.
    page.get_by_role("button", name=text["sign_out"]).click()
    page.goto(link)
    switch_language(page, lang)
    assert page.get_by_role("heading", level=1).inner_text() == text["heading"]
    if lang == "en":
        assert_accessible(page, "reseller relationship request link")
    shot(page, f"reseller-relationship-accept-{lang}")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name=text["accept"], exact=True).click()
    page.get_by_role("status").filter(has_text=text["welcome"]).wait_for()

    customer = Customer.objects.get()
    assert (customer.provider, customer.reseller) == (provider, reseller)
    assert customer.primary_domain == "fourthcoffee.onmicrosoft.example"

    # Back at the provider: the customer is on Customers, associated with the reseller.
    sign_in(page, "sales@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.get_by_role("navigation").get_by_role("link", name=text["customers"]).click()
    customer_row = page.get_by_role("main").get_by_role("row").filter(has_text="Fourth Coffee")
    assert "Fabrikam Solutions" in customer_row.inner_text()
    shot(page, f"reseller-relationship-customer-{lang}")
    page.get_by_role("main").get_by_role("link", name=text["requests"]).click()
    row = page.get_by_role("main").get_by_role("row").filter(has_text="Fourth Coffee")
    assert text["accepted"] in row.inner_text()
