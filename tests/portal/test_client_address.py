"""The client's address behind the TLS proxy: lockouts and per-address limits are per client.

``TRUSTED_PROXY_COUNT`` proxies append to X-Forwarded-For; the address the
last of them saw is the client's. With the default (0) the header is ignored:
anyone could write it.
"""

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import ActivityEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.9"
USER_ADDRESS = "198.51.100.7"


def _through_proxy(client_address, spoofed=""):
    """A client whose requests reach the portal through one proxy."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def _sign_in(client, password):
    return client.post(
        reverse("login"), {"username": "target@contoso.example", "password": password}
    )


@pytest.fixture
def target(provider, member_factory):
    return member_factory(provider, email="target@contoso.example")


def test_failures_from_one_address_do_not_lock_out_the_user_signing_in_from_another(
    settings, target
):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = _through_proxy(ATTACKER)
    for _ in range(6):
        assert _sign_in(attacker, "wrong-password").status_code in (200, 429)
    assert _sign_in(attacker, PASSWORD).status_code == 429  # that address stays locked

    user = _through_proxy(USER_ADDRESS)
    response = _sign_in(user, PASSWORD)
    assert response.status_code == 302
    assert user.session["_auth_user_id"] == str(target.pk)


def test_a_forged_header_does_not_escape_the_lockout(settings, target):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(6):
        # The attacker writes its own X-Forwarded-For; the proxy appends the real address.
        _sign_in(_through_proxy(ATTACKER, spoofed=f"192.0.2.{n}"), "wrong-password")
    assert _sign_in(_through_proxy(ATTACKER, spoofed="192.0.2.99"), PASSWORD).status_code == 429


def test_without_trusted_proxies_the_header_is_ignored(settings, target):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(6):
        _sign_in(Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), "wrong-password")
    assert _sign_in(Client(HTTP_X_FORWARDED_FOR="192.0.2.99"), PASSWORD).status_code == 429


def test_reset_requests_are_limited_per_client_not_per_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    reset = reverse("password_reset")
    flood = _through_proxy(ATTACKER)
    codes = [
        flood.post(reset, {"email": f"someone{n}@example.test"}).status_code for n in range(11)
    ]
    assert codes[-1] == 429
    assert _through_proxy(USER_ADDRESS).post(reset, {"email": "me@example.test"}).status_code == 302


def test_activity_events_record_the_clients_address(settings, provider, provider_admin):
    settings.TRUSTED_PROXY_COUNT = 1
    client = _through_proxy(USER_ADDRESS)
    client.force_login(provider_admin)
    client.post(reverse("user_invite"), {"email": "new@contoso.example", "role": "sales_agent"})
    assert ActivityEvent.objects.get(verb="staff_invitation.sent").ip_address == USER_ADDRESS
