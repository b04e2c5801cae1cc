"""The Overview in a browser: axe in both languages, a chart bar that opens the filtered list,
the table toggle, and the README's screenshots of both sides."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests import factories as f
from tests.e2e.conftest import assert_accessible, sign_in, switch_language

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "Demo-Portal-2026"
TEXT = {
    "en": {"overview": "Overview", "table": "Show as table", "menu": "Main menu"},
    "ja": {"overview": "概要", "table": "表として表示", "menu": "メイン メニュー"},
}


@pytest.fixture
def demo(transactional_db):
    """The demo data, whose last step refreshes the overview's summary rows."""
    f.role_catalogue()
    call_command("seed_demo", stdout=StringIO())


def _docs_shot(page, name):
    if not os.environ.get("DOCS_SCREENSHOTS"):
        return
    DOCS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_overviews_are_accessible_in_both_languages(page, demo, lang):
    text = TEXT[lang]
    sign_in(page, "admin@contoso.example", PASSWORD)
    page.wait_for_url("**/overview/")
    switch_language(page, lang)
    main = page.get_by_role("main")
    assert main.get_by_role("heading", level=1).inner_text() == text["overview"]
    assert page.locator("svg.chart").count() == 4
    assert_accessible(page, f"provider overview {lang}")
    # The table toggle shows the same numbers without script.
    toggle = page.locator("#chart-customers_by_reseller summary")
    toggle.click()
    table = page.locator("#chart-customers_by_reseller table")
    assert table.is_visible()
    assert "Fabrikam Solutions" in table.inner_text()
    toggle.click()
    _docs_shot(page, f"overview-{lang}")

    page.context.clear_cookies()
    sign_in(page, "admin@fabrikam.example", PASSWORD)
    page.wait_for_url("**/overview/")
    switch_language(page, lang)
    assert page.locator("#statements").is_visible()
    assert_accessible(page, f"reseller overview {lang}")
    _docs_shot(page, f"overview-reseller-{lang}")


def test_a_chart_bar_opens_the_list_it_summarises_filtered(page, demo):
    sign_in(page, "admin@contoso.example", PASSWORD)
    page.wait_for_url("**/overview/")
    bar = page.locator("#chart-customers_by_reseller a.bar-link").filter(
        has=page.locator("title", has_text="Fabrikam Solutions")
    )
    label = bar.get_attribute("aria-label")
    assert label.startswith("Fabrikam Solutions: ")
    bar.click()
    page.wait_for_url("**/customers/?reseller=**")
    rows = page.locator("#customer-table tbody tr:not(.expanded-row)")
    rows.first.wait_for()
    shown = int(label.split(": ")[1].split()[0])
    assert rows.count() == shown
    assert "Fabrikam Solutions" in page.locator("#customer-table").inner_text()


def test_a_bar_is_reached_with_the_keyboard(page, demo):
    sign_in(page, "admin@contoso.example", PASSWORD)
    page.wait_for_url("**/overview/")
    bar = page.locator("#chart-licences_by_offer a.bar-link").first
    bar.focus()
    assert bar.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_url("**/subscriptions/?status=active&q=**")
