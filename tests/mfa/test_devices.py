"""The set-up pages: authenticator app, device list and removal, recovery codes."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mfa import selectors, services
from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f
from tests.mfa.conftest import code_of, password_sign_in

pytestmark = pytest.mark.django_db
DEVICES = reverse("mfa:devices")
ADD_APP = reverse("mfa:totp_add")


@pytest.fixture
def member(provider, member_factory):
    return member_factory(provider, Role.SALES_AGENT, email="ben@contoso.example")


@pytest.fixture
def member_client(member):
    client = Client()
    client.force_login(member)
    return client


def _secret_of(page) -> bytes:
    import base64

    secret = re.search(r'data-totp-secret="([A-Z2-7]+)"', page.content.decode()).group(1)
    return base64.b32decode(secret)


def test_the_app_page_draws_the_qr_code_and_shows_the_secret(member_client):
    page = member_client.get(ADD_APP)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<script" not in html.split("<main")[1].split("</main>")[0]
    assert len(_secret_of(page)) == 20
    # The same secret until it is confirmed (a reload does not invalidate a scanned code).
    assert _secret_of(member_client.get(ADD_APP)) == _secret_of(page)


def test_a_wrong_code_adds_nothing(member_client, member):
    secret = _secret_of(member_client.get(ADD_APP))
    wrong = (totp(secret) + 1) % 1_000_000
    response = member_client.post(ADD_APP, {"name": "Phone", "code": f"{wrong:06d}"})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not ActivityEvent.objects.filter(verb="mfa.device_added").exists()


def test_confirming_the_app_adds_it_and_shows_ten_recovery_codes_once(member_client, member):
    secret = _secret_of(member_client.get(ADD_APP))
    response = member_client.post(ADD_APP, {"name": "Work phone", "code": f"{totp(secret):06d}"})
    assert response.status_code == 200
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=member, confirmed=True)
    assert device.name == "Work phone" and device.bin_key == secret
    tokens = set(StaticToken.objects.filter(device__user=member).values_list("token", flat=True))
    assert len(tokens) == 10 and all(f"<code>{t}</code>" in html for t in tokens)
    event = ActivityEvent.objects.get(verb="mfa.device_added")
    assert event.actor == member and event.organisation == member.membership.organisation
    assert event.after == {"device": "authenticator_app", "name": "Work phone"}
    assert ActivityEvent.objects.filter(verb="mfa.recovery_codes_generated").count() == 1
    # The codes are not shown again: the device page only counts them.
    devices_page = member_client.get(DEVICES).content.decode()
    assert "10 unused recovery codes" in devices_page
    assert not any(t in devices_page for t in tokens)


def test_the_confirming_code_cannot_sign_in_again(member_client, member):
    secret = _secret_of(member_client.get(ADD_APP))
    code = f"{totp(secret):06d}"
    member_client.post(ADD_APP, {"name": "Phone", "code": code})
    client, _ = password_sign_in(member)
    response = client.post(reverse("mfa:verify"), {"code": code})
    assert "not accepted" in response.content.decode()


def test_a_user_with_a_device_adds_another_only_in_a_verified_session(member):
    app = f.TOTPDeviceFactory(user=member)
    unverified = Client()
    unverified.force_login(member)
    for url in (ADD_APP, reverse("mfa:passkey_add"), DEVICES):
        response = unverified.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("mfa:verify"))
    response = unverified.post(ADD_APP, {"name": "Evil", "code": "123456"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=member).count() == 1
    verified = f.sign_in_verified(Client(), member, app)
    assert verified.get(ADD_APP).status_code == 200


def test_the_device_list_shows_and_removes_ones_own_device(member):
    app = f.TOTPDeviceFactory(user=member, name="Old phone")
    services.mfa_recovery_codes_generate(user=member)
    client = f.sign_in_verified(Client(), member, app)
    html = client.get(DEVICES).content.decode()
    assert "Old phone" in html and "Authenticator app" in html
    response = client.post(reverse("mfa:device_remove"), {"device": app.persistent_id})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=app.pk).exists()
    # The last device takes the recovery codes along.
    assert not StaticToken.objects.filter(device__user=member).exists()
    event = ActivityEvent.objects.get(verb="mfa.device_removed")
    assert event.actor == member and event.after["name"] == "Old phone"


def test_another_users_device_is_a_404(member, provider, member_factory):
    other = member_factory(provider, Role.GLOBAL_ADMIN, email="boss@contoso.example")
    theirs = f.TOTPDeviceFactory(user=other)
    client = f.sign_in_verified(Client(), member)
    for device in (theirs.persistent_id, "otp_totp.totpdevice/999999", "nonsense", ""):
        assert client.post(reverse("mfa:device_remove"), {"device": device}).status_code == 404
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()
    assert not ActivityEvent.objects.filter(verb="mfa.device_removed").exists()


def test_regenerating_recovery_codes_replaces_the_old_ones(member):
    app = f.TOTPDeviceFactory(user=member)
    old = set(services.mfa_recovery_codes_generate(user=member))
    client = f.sign_in_verified(Client(), member, app)
    response = client.post(reverse("mfa:recovery_codes"), {"regenerate": "on"})
    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=member).values_list("token", flat=True))
    assert len(new) == 10 and not (new & old)
    assert all(code in response.content.decode() for code in new)
    assert services.mfa_verify(user=member, code=sorted(old)[0]) is None
    assert ActivityEvent.objects.filter(verb="mfa.recovery_codes_generated").count() == 2


def test_recovery_codes_need_a_device_and_a_confirmation(member_client, member):
    response = member_client.post(reverse("mfa:recovery_codes"), {"regenerate": "on"})
    assert response.status_code == 302
    assert not StaticToken.objects.exists()
    app = f.TOTPDeviceFactory(user=member)
    client = f.sign_in_verified(Client(), member, app)
    assert client.post(reverse("mfa:recovery_codes"), {}).status_code == 302
    assert not StaticToken.objects.exists()
    assert client.get(reverse("mfa:recovery_codes")).status_code == 405


def test_an_operator_without_an_organisation_sets_up_a_device():
    operator = f.UserFactory(email="ops@portal.example", is_staff=True)
    client = Client()
    client.force_login(operator)
    assert client.get(reverse("customers:customer_list")).url.startswith(DEVICES)
    page = client.get(ADD_APP)
    assert page.status_code == 200
    secret = _secret_of(page)
    client.post(ADD_APP, {"name": "Ops phone", "code": f"{totp(secret):06d}"})
    assert selectors.has_mfa(operator)
    # No organisation: no activity log to write to.
    assert not ActivityEvent.objects.exists()


def test_the_profile_says_whether_mfa_is_on(member_client, member):
    assert "Two-step sign-in is off" in member_client.get(reverse("profile")).content.decode()
    app = f.TOTPDeviceFactory(user=member)
    client = f.sign_in_verified(Client(), member, app)
    assert "Two-step sign-in is on" in client.get(reverse("profile")).content.decode()


def test_the_pages_speak_japanese(member_client):
    member_client.cookies["django_language"] = "ja"
    assert "認証アプリ" in member_client.get(ADD_APP).content.decode()
    assert "2段階" in member_client.get(DEVICES).content.decode()


def test_a_code_of_the_next_step_is_accepted(member):
    app = f.TOTPDeviceFactory(user=member)
    client, _ = password_sign_in(member)
    assert client.post(reverse("mfa:verify"), {"code": code_of(app, 1)}).status_code == 302
