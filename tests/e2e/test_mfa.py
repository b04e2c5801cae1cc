"""MFA in the browser: set up an authenticator app, sign in with its code, a recovery code
works once, and an organisation that requires MFA sends a user without a device to set-up."""

import base64
import re

import pytest
from django_otp.oath import totp
from django_otp_webauthn.models import WebAuthnCredential

from partners.models import Organisation
from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f
from tests.e2e.conftest import add_authenticator_app, sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)
EMAIL = "mfa@contoso.example"


@pytest.fixture
def member():
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    return f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email=EMAIL
    ).user


def _code(secret: str, steps_ahead: int = 0) -> str:
    return f"{totp(base64.b32decode(secret), drift=steps_ahead):06d}"


def _add_app(page) -> tuple[str, list[str]]:
    """On the app set-up page: confirm with the app's code; returns the secret and the recovery codes."""
    secret = page.locator("[data-totp-secret]").get_attribute("data-totp-secret")
    page.locator("#id_name").fill("Test phone")
    page.locator("#id_code").fill(_code(secret))
    page.locator("main form button[type=submit]").click()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    return secret, codes


def _sign_out(page):
    page.locator("header form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def _second_step(page, code):
    page.locator("#id_code").fill(code)
    page.locator("main form button[type=submit]").first.click()


def test_set_up_an_app_then_sign_in_with_its_code_and_a_recovery_code_once(page, shot, member):
    sign_in(page, EMAIL, f.PASSWORD)
    page.goto("/profile/")
    page.get_by_role("link", name="Two-step sign-in").click()
    page.get_by_role("link", name="Add an authenticator app").click()
    assert page.locator(".qr-code svg").is_visible()
    shot(page, "mfa-setup-en")
    switch_language(page, "ja")
    assert page.get_by_role("heading", name="認証アプリを追加").is_visible()
    shot(page, "mfa-setup-ja")
    switch_language(page, "en")
    secret, codes = _add_app(page)
    shot(page, "mfa-recovery-codes-en")
    page.get_by_role("link", name="I have saved them").click()
    assert page.get_by_role("cell", name="Test phone").is_visible()
    # The passkey page loads the library's script from static without a CSP error.
    page.get_by_role("link", name="Add a passkey or security key").click()
    page.get_by_role("button", name="Add a passkey").wait_for()

    _sign_out(page)
    sign_in(page, EMAIL, f.PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/verify/"))
    assert not page.get_by_role("navigation", name="Main menu").is_visible()
    shot(page, "mfa-verify-en")
    switch_language(page, "ja")
    assert page.get_by_role("heading", name="2段階サインイン").is_visible()
    shot(page, "mfa-verify-ja")
    switch_language(page, "en")
    # The confirming code was used up: the app's next code signs in.
    _second_step(page, _code(secret, steps_ahead=1))
    assert page.get_by_role("navigation", name="Main menu").is_visible()

    _sign_out(page)
    sign_in(page, EMAIL, f.PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/verify/"))
    _second_step(page, codes[0])
    assert page.get_by_role("navigation", name="Main menu").is_visible()

    _sign_out(page)
    sign_in(page, EMAIL, f.PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/verify/"))
    _second_step(page, codes[0])
    # Under the field, and in the summary at the top of the form (which takes the focus).
    assert page.locator("#id_code_error", has_text="That code was not accepted").is_visible()
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    page.goto("/customers/")
    assert "/accounts/verify/" in page.url


def test_an_organisation_requiring_mfa_sends_a_user_without_a_device_to_set_up(page, member):
    Organisation.objects.filter(memberships__user=member).update(require_mfa=True)
    sign_in(page, EMAIL, f.PASSWORD)
    page.wait_for_url(re.compile(r"/profile/mfa/"))
    assert page.get_by_text("Your organisation requires a second factor").is_visible()
    page.goto("/customers/")
    assert "/profile/mfa/" in page.url
    page.get_by_role("link", name="Add an authenticator app").click()
    add_authenticator_app(page)
    # Back where the sign-in was going, then the whole portal.
    assert page.get_by_role("navigation", name="Main menu").is_visible()
    page.goto("/customers/")
    assert page.get_by_role("heading", name="Customers").is_visible()


def test_add_a_passkey_then_sign_in_with_it(page, live_server, settings, member):
    """Chromium's virtual authenticator (DevTools protocol) stands in for a security key."""
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    sign_in(page, EMAIL, f.PASSWORD)
    page.goto("/profile/mfa/passkey/")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url(re.compile(r"/profile/mfa/$"))
    assert page.get_by_role("cell", name="Passkey or security key").is_visible()
    assert WebAuthnCredential.objects.filter(user=member, confirmed=True).count() == 1
    event = ActivityEvent.objects.get(verb="mfa.device_added")
    assert event.after == {"device": "passkey", "name": "Passkey"}

    _sign_out(page)
    sign_in(page, EMAIL, f.PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/verify/"))
    page.get_by_role("button", name="Use a passkey or security key").click()
    page.get_by_role("navigation", name="Main menu").wait_for()
    assert "/accounts/verify/" not in page.url
