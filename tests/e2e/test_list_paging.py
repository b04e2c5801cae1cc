"""Lists in the browser: "1–25 of 60", a page-size choice kept across pages, first/last links."""

import pytest

from portal.roles import Role
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {
        "range": "1–50 of 60",
        "range25": "1–25 of 60",
        "last_range": "51–60 of 60",
        "last": "Last",
        "first": "First",
    },
    "ja": {
        "range": "60 件中 1–50 件",
        "range25": "60 件中 1–25 件",
        "last_range": "60 件中 51–60 件",
        "last": "最後",
        "first": "最初",
    },
}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_customers_page_size_and_first_last(page, lang):
    text = TEXT[lang]
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    f.CustomerFactory.create_batch(60, provider=provider)
    f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    )
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto("/customers/")
    nav = page.locator("nav.pagination")
    assert text["range"] in nav.inner_text()
    nav.get_by_role("link", name="25", exact=True).click()
    page.wait_for_url("**per_page=25**")
    nav.get_by_text(text["range25"]).wait_for()
    nav.get_by_role("link", name=text["last"], exact=True).click()
    page.wait_for_url("**page=3**")
    nav.get_by_text(text["last_range"]).wait_for()
    assert "per_page=25" in page.url
    assert nav.get_by_role("link", name=text["last"], exact=True).count() == 0
    assert_accessible(page, f"customers paged {lang}")
    nav.get_by_role("link", name=text["first"], exact=True).click()
    nav.get_by_text(text["range25"]).wait_for()
