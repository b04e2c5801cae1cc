"""Outages: 503 with the portal's own page when the database is away, one log line per cache
outage instead of a traceback per call, and /healthz naming the dependency that is down."""

import logging

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import reverse

from partners.models import Membership
from portal import listing, outages, ratelimit
from portal.models import OutboundEmail
from portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_away(monkeypatch):
    """Every request's tenant lookup meets a database that cannot be reached."""

    def refuse(user):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    monkeypatch.setattr("portal.middleware.resolve_tenant", refuse)


def _client(user=None, language="en"):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Temporarily unavailable"), ("ja", "一時的に利用できません")]
)
def test_it_answers_503_with_its_own_page_when_the_database_is_away(
    database_away, provider_admin, language, title
):
    response = _client(provider_admin, language).get(reverse("customers:customer_list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert title in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_it_answers_503_to_a_visitor_too(database_away):
    response = _client().get(reverse("login"))
    assert response.status_code == 503


def test_a_post_cut_off_by_the_database_leaves_nothing_half_written(
    monkeypatch, provider, provider_admin, member_factory
):
    member = member_factory(provider, Role.SALES_AGENT)

    def refuse(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("portal.services.record", refuse)
    client = _client(provider_admin)
    membership = Membership.objects.get(user=member)
    response = client.post(reverse("member_role", args=[membership.uuid]), {"role": "admin_agent"})
    assert response.status_code == 503
    membership.refresh_from_db()
    assert membership.role == Role.SALES_AGENT


def test_any_other_error_is_still_a_500(monkeypatch, provider_admin):
    def fail(user):
        raise RuntimeError("a bug")

    monkeypatch.setattr("portal.middleware.resolve_tenant", fail)
    response = _client(provider_admin).get(reverse("customers:customer_list"))
    assert response.status_code == 500


class BrokenCache:
    def __init__(self):
        self.calls = 0
        self.broken = True

    def _call(self, value=None):
        self.calls += 1
        if self.broken:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return value

    def get(self, key, default=None):
        return self._call()

    def set(self, key, value, timeout=None):
        return self._call(True)

    def add(self, key, value, timeout=None):
        return self._call(True)

    def incr(self, key):
        return self._call(1)


@pytest.fixture
def broken_cache(monkeypatch):
    stub = BrokenCache()
    monkeypatch.setattr(listing, "cache", stub)
    monkeypatch.setattr(ratelimit, "cache", stub)
    return stub


def _outage_records(caplog):
    return [r for r in caplog.records if r.name == "portal.outages"]


def test_a_cache_outage_of_100_calls_is_logged_once_and_its_end_once(
    monkeypatch, broken_cache, caplog
):
    monkeypatch.setattr(outages, "cache_dependency", outages.Dependency("Cache", retry_after=0))
    caplog.set_level(logging.INFO)
    for _ in range(100):
        assert listing._cache_get("count:x") is None
    assert broken_cache.calls == 100  # retried every call here (no back-off), still logged once
    assert len(_outage_records(caplog)) == 1
    assert not any(r.exc_info for r in caplog.records)

    broken_cache.broken = False
    listing._cache_set("count:x", 5)
    records = _outage_records(caplog)
    assert len(records) == 2
    assert "100 calls degraded" in records[1].getMessage()


def test_a_cache_outage_is_not_asked_again_for_a_few_seconds(monkeypatch, broken_cache, caplog):
    now = [1000.0]
    dependency = outages.Dependency("Cache", retry_after=5, clock=lambda: now[0])
    monkeypatch.setattr(outages, "cache_dependency", dependency)
    for _ in range(50):
        listing._cache_get("count:x")
    assert broken_cache.calls == 1  # the others skipped the unreachable cache
    now[0] += 6
    listing._cache_get("count:x")
    assert broken_cache.calls == 2
    assert len(_outage_records(caplog)) == 1


def test_rate_limits_hold_in_the_process_while_the_cache_is_down(monkeypatch, broken_cache, caplog):
    monkeypatch.setattr(outages, "cache_dependency", outages.Dependency("Cache"))
    limit = ratelimit.Limit("outage-test", count=3, seconds=60)
    answers = [ratelimit.allow(limit, "someone@example.com") for _ in range(5)]
    assert answers == [True, True, True, False, False]
    assert len(_outage_records(caplog)) == 1


def test_healthz_says_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["portal.example"])
def test_healthz_answers_plain_http_by_address(client):
    response = client.get("/healthz", HTTP_HOST="172.18.0.5:8000")
    assert response.status_code == 200


def test_healthz_names_the_cache_when_it_is_down(monkeypatch, client):
    monkeypatch.setattr(outages, "cache_dependency", outages.Dependency("Cache"))

    def refuse(*args, **kwargs):
        raise ConnectionError("Connection refused")

    monkeypatch.setattr("django.core.cache.cache.set", refuse)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "checks": {"database": "ok", "cache": "down"}}


def test_healthz_answers_503_when_the_database_is_down(monkeypatch, client):
    def refuse(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", refuse
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json()["checks"]["database"] == "down"


def test_healthz_takes_no_post(client):
    assert client.post("/healthz").status_code == 405


def test_an_action_committed_before_the_hand_over_fails_still_answers_done(
    monkeypatch, provider, provider_client, django_capture_on_commit_callbacks
):
    """The database going away between the commit and marking the row handed over."""

    def refuse(email_ids):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("portal.emails._handed_over", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_client.post(
            reverse("user_invite"), {"email": "new@contoso.example", "role": Role.SALES_AGENT}
        )
    assert response.status_code == 302
    email = OutboundEmail.objects.get(to="new@contoso.example")
    assert email.status == OutboundEmail.Status.SENT  # eager here; the relay covers a real broker
