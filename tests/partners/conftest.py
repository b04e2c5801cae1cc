"""Fixtures of the partners tests: a prepared partnership request and its invite link."""

import pytest

from partners import services


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_cache):
    """Rate-limit counters (request emails per organisation and address) start from zero."""


@pytest.fixture
def prepared(provider, provider_admin):
    """A pending request prepared by the provider's Global admin, with its raw token."""
    return services.partnership_request_prepare(
        provider=provider, actor=provider_admin, email="new.reseller@example.test"
    )


@pytest.fixture
def invite_path(prepared):
    return f"/invite/{prepared.token}/"


@pytest.fixture
def japanese(client):
    """Switch a client to Japanese."""

    def switch(some_client=client):
        some_client.cookies["django_language"] = "ja"
        return some_client

    return switch
