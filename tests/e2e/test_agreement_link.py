"""Enrolling from an invite: the country is chosen by name in the visitor's language, and the
partner agreement's checkbox links to its text, which opens in a new tab — English and Japanese."""

import secrets

import pytest

from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {"japan": "Japan", "link": "partner agreement", "heading": "Partner agreement"},
    "ja": {"japan": "日本", "link": "パートナー契約", "heading": "パートナー契約"},
}


@pytest.fixture
def invite_path(live_server):
    token = secrets.token_urlsafe(32)
    f.PartnershipRequestFactory(
        provider=f.ProviderFactory(legal_name="Contoso Distribution"),
        email="owner@newreseller.example",
        token_hash=f.token_hash(token),
    )
    return f"/invite/{token}/"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_enrolment_form_names_countries_and_links_the_agreement(page, shot, invite_path, lang):
    text = TEXT[lang]
    page.goto(invite_path)
    switch_language(page, lang)
    enrol = page.locator("form", has=page.locator("input[name=company_name]"))
    country = enrol.locator("select[name=country]")
    country.select_option(label=text["japan"])
    assert country.input_value() == "JP"

    link = enrol.get_by_role("link", name=text["link"])
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener"
    # Its name says the version and that it opens a new tab.
    assert "2026-11" in link.inner_text()
    with page.context.expect_page() as opened:
        link.click()
    agreement = opened.value
    agreement.wait_for_load_state()
    assert agreement.url.endswith("/partner-agreement/2026-11/")
    agreement.get_by_role("heading", level=1, name=text["heading"]).wait_for()
    assert_accessible(agreement, f"partner agreement {lang}")
    shot(agreement, f"partner-agreement-{lang}")
    agreement.close()
    # The form is as it was left.
    assert country.input_value() == "JP"
    assert not enrol.locator("input[name=agreement]").is_checked()
