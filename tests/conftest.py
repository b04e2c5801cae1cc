"""Shared fixtures: a provider trio (admin, limited member, outsider), clients per role."""

import pytest
from django.test import Client

from portal.roles import Role
from tests import factories as f


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
