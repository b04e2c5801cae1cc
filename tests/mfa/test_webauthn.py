"""Passkeys: the WebAuthn endpoints of django-otp-webauthn as the portal routes them.

The browser's ceremony itself needs an authenticator; here the server side:
who may begin, what a forged answer gets, and that a registration the library
completes is recorded as an activity event.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
REGISTER_BEGIN = reverse("otp_webauthn:credential-registration-begin")
REGISTER_COMPLETE = reverse("otp_webauthn:credential-registration-complete")
AUTH_BEGIN = reverse("otp_webauthn:credential-authentication-begin")
AUTH_COMPLETE = reverse("otp_webauthn:credential-authentication-complete")


@pytest.fixture
def member(provider, member_factory):
    return member_factory(provider, Role.SALES_AGENT, email="kei@contoso.example")


def _passkey(user, n=1):
    return WebAuthnCredential.objects.create(
        user=user,
        name=f"Security key {n}",
        credential_id=bytes([n]) * 32,
        public_key=b"\x00" * 77,
        sign_count=0,
        transports=["usb"],
        confirmed=True,
    )


def test_a_user_without_a_device_may_begin_a_registration(member):
    client = Client()
    client.force_login(member)
    response = client.post(REGISTER_BEGIN)
    assert response.status_code == 200
    options = response.json()
    assert options["rp"]["id"] == "localhost" and options["challenge"]
    assert options["user"]["name"] == "kei@contoso.example"


def test_an_enrolled_user_registers_only_in_a_verified_session(member):
    f.TOTPDeviceFactory(user=member)
    client = Client()
    client.force_login(member)
    response = client.post(REGISTER_BEGIN)
    # The second-step guard answers first: the session owes verification.
    assert response.status_code == 302 and response.url.startswith(reverse("mfa:verify"))
    verified = f.sign_in_verified(Client(), member)
    assert verified.post(REGISTER_BEGIN).status_code == 200


def test_an_anonymous_visitor_cannot_sign_in_with_a_passkey_alone():
    response = Client().post(AUTH_BEGIN)
    assert response.status_code == 403
    assert response.json()["code"] == "passwordless_login_disabled"


def test_a_forged_answer_is_refused_and_verifies_nothing(member):
    passkey = _passkey(member)
    client = Client()
    client.force_login(member)
    begin = client.post(AUTH_BEGIN)
    assert begin.status_code == 200
    assert begin.json()["allowCredentials"][0]["type"] == "public-key"
    forged = {
        "id": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
        "rawId": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
        "type": "public-key",
        "response": {
            "authenticatorData": "AAAA",
            "clientDataJSON": "e30",
            "signature": "AAAA",
        },
        "clientExtensionResults": {},
    }
    response = client.post(AUTH_COMPLETE, json.dumps(forged), content_type="application/json")
    assert 400 <= response.status_code < 500
    assert client.get(reverse("customers:customer_list")).url.startswith(reverse("mfa:verify"))
    passkey.refresh_from_db()
    assert passkey.last_used_at is None


def test_the_state_of_a_ceremony_is_used_once(member):
    client = f.sign_in_verified(Client(), member)
    response = client.post(REGISTER_COMPLETE, "{}", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_state"


def test_a_completed_registration_is_recorded(member, monkeypatch):
    """The library saves the credential; the portal writes the activity event."""
    from django_otp_webauthn import helpers

    def register_complete(self, user, state, data):
        return _passkey(user, n=7)

    monkeypatch.setattr(helpers.WebAuthnHelper, "register_complete", register_complete)
    client = Client()
    client.force_login(member)
    assert client.post(REGISTER_BEGIN).status_code == 200
    response = client.post(REGISTER_COMPLETE, "{}", content_type="application/json")
    assert response.status_code == 200
    event = ActivityEvent.objects.get(verb="mfa.device_added")
    assert event.actor == member
    assert event.after == {"device": "passkey", "name": "Security key 7"}
    # The new passkey verified the session: the portal opens.
    assert client.get(reverse("mfa:devices")).status_code == 200
    assert "Security key 7" in client.get(reverse("mfa:devices")).content.decode()


def test_the_verify_page_offers_the_passkey_with_the_librarys_own_script(member):
    _passkey(member)
    client = Client()
    client.force_login(member)
    html = client.get(reverse("mfa:verify")).content.decode()
    assert 'id="passkey-verification-placeholder"' in html
    assert "/static/django_otp_webauthn/otp_webauthn_auth.js" in html
    assert 'id="otp_webauthn_config" type="application/json"' in html


def test_the_passkey_page_loads_the_registration_script_from_static(member):
    client = Client()
    client.force_login(member)
    html = client.get(reverse("mfa:passkey_add")).content.decode()
    assert "/static/django_otp_webauthn/otp_webauthn_register.js" in html
    assert "/static/js/passkey.js" in html
    assert "<script>" not in html
