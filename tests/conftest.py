"""Shared fixtures: a provider trio (admin, limited member, outsider), clients per role."""

import os
import time

import pytest
from django.core.cache import cache
from django.test import Client

from portal import outages
from portal.roles import Role
from tests import factories as f


@pytest.fixture(autouse=True)
def reachable_cache():
    """Each test starts with the cache taken as reachable: an outage simulated by one test
    (which makes the process skip the cache for a few seconds) must not leak into the next."""
    outages.cache_dependency.reset()
    yield
    outages.cache_dependency.reset()


@pytest.fixture(autouse=True)
def no_sign_in_of_an_earlier_test():
    """Each test starts without cached sign-ins and sessions (portal.signin, portal.sessions):
    an earlier test's rolled-back user gets the same id as this test's, and its cached row
    would be read instead."""
    cache.clear()


@pytest.fixture
def fresh_cache():
    """An empty cache before and after the test: rate-limit counters, cached counts and lists."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def provider(db):
    return f.ProviderFactory(legal_name="Contoso Test Distribution")


@pytest.fixture
def other_provider(db):
    return f.ProviderFactory(legal_name="Foreign Provider")


@pytest.fixture
def reseller(db, provider):
    reseller = f.ResellerFactory(legal_name="Fabrikam Test Solutions")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    return reseller


@pytest.fixture
def member_factory(db):
    """Create a member of ``org`` with ``role``; returns the user."""

    def make(org, role=Role.GLOBAL_ADMIN, email=None):
        kwargs = {"user__email": email} if email else {}
        return f.MembershipFactory(organisation=org, role=role, **kwargs).user

    return make


def _client_for(user):
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    """A signed-in test client for a user."""
    return _client_for


@pytest.fixture
def provider_admin(provider, member_factory):
    return member_factory(provider, Role.GLOBAL_ADMIN)


@pytest.fixture
def provider_client(provider_admin):
    return _client_for(provider_admin)


@pytest.fixture
def role_client(provider, member_factory):
    """A signed-in client of ``provider`` with the given role."""

    def make(role):
        return _client_for(member_factory(provider, role))

    return make


@pytest.fixture
def reseller_admin(reseller, member_factory):
    return member_factory(reseller, Role.GLOBAL_ADMIN)


@pytest.fixture
def reseller_client(reseller_admin):
    return _client_for(reseller_admin)


@pytest.fixture
def outsider_client(other_provider, member_factory):
    """A Global admin of another provider: every object of ``provider`` is a 404 to it."""
    return _client_for(member_factory(other_provider, Role.GLOBAL_ADMIN))


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    broker = settings.CELERY_BROKER_URL or "none (tasks run eagerly)"
    return [f"database vendor: {db['ENGINE'].rsplit('.', 1)[-1]}", f"celery broker: {broker}"]


@pytest.fixture
def celery_worker():
    """A real Celery worker on the configured Redis broker (required in CI)."""
    broker = os.environ.get("CELERY_BROKER_URL")
    if not broker:
        if os.environ.get("CI"):
            pytest.fail("CI must run the Celery tests against Redis: CELERY_BROKER_URL is not set")
        pytest.skip("CELERY_BROKER_URL is not set")
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    app.control.purge()  # no task left over from another test
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


def wait_until(predicate, timeout=20.0, interval=0.1):
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
