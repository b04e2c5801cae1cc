import pytest

from portal.roles import Role
from tests import factories as f
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def provider_admin():
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    return f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    ).user


def test_it_signs_in_and_shows_the_menu_in_english_and_japanese(page, shot, provider_admin):
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    menu = page.get_by_role("navigation", name="Main menu")
    assert menu.get_by_role("link", name="Indirect resellers").is_visible()
    assert menu.get_by_role("link", name="Customers").is_visible()
    shot(page, "home-en")

    with page.expect_navigation():
        page.get_by_label("Language").select_option("ja")
    menu = page.get_by_role("navigation", name="メイン メニュー")
    assert menu.get_by_role("link", name="間接リセラー").is_visible()
    assert menu.get_by_role("link", name="顧客").is_visible()
    assert page.locator("html").get_attribute("lang") == "ja"
    shot(page, "home-ja")


def test_a_wrong_password_is_refused_with_a_message(page, provider_admin):
    sign_in(page, "admin@contoso.example", "not-the-password")
    assert page.get_by_role("alert").is_visible()
    assert page.url.endswith("/accounts/login/")
