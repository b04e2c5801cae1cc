from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal import ratelimit
from portal.models import StaffInvitation
from portal.ratelimit import Limit, allow
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_allows_up_to_the_limit_per_key():
    limit = Limit("test", count=3, seconds=60)
    assert [allow(limit, "a") for _ in range(4)] == [True, True, True, False]
    assert allow(limit, "b") is True


def test_the_window_resets(monkeypatch):
    limit = Limit("test-window", count=1, seconds=60)
    monkeypatch.setattr(ratelimit.time, "time", lambda: 6000.0)
    assert allow(limit, "k") and not allow(limit, "k")
    monkeypatch.setattr(ratelimit.time, "time", lambda: 6060.0)
    assert allow(limit, "k")


def test_with_the_cache_down_it_counts_in_the_process_and_never_errors():
    limit = Limit("test-down", count=2, seconds=60)
    with mock.patch.object(cache, "add", side_effect=ConnectionError("redis down")):
        assert [allow(limit, "x") for _ in range(3)] == [True, True, False]


def test_invites_are_limited_per_organisation(provider_client, monkeypatch):
    monkeypatch.setattr(ratelimit, "STAFF_INVITE_PER_ORG", Limit("staff-invite", 2, 3600))
    codes = [
        provider_client.post(
            reverse("user_invite"), {"email": f"p{n}@contoso.example", "role": "sales_agent"}
        ).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert StaffInvitation.objects.count() == 2


def test_pages_keep_working_when_the_cache_is_down(provider_client):
    with mock.patch.object(cache, "add", side_effect=ConnectionError("redis down")):
        response = provider_client.post(
            reverse("user_invite"), {"email": "p@contoso.example", "role": "sales_agent"}
        )
        assert response.status_code == 302
        assert provider_client.get(reverse("password_reset")).status_code == 200
        assert (
            provider_client.post(reverse("password_reset"), {"email": "a@b.example"}).status_code
            == 302
        )


def test_sign_in_is_locked_after_five_failures_even_with_the_right_password(
    client, provider, member_factory
):
    member_factory(provider, email="target@contoso.example")
    login = reverse("login")
    for _ in range(5):
        response = client.post(login, {"username": "target@contoso.example", "password": "nope"})
        assert response.status_code in (200, 429)
    response = client.post(login, {"username": "target@contoso.example", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
