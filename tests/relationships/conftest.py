import re

import pytest

from tests import factories as f


@pytest.fixture
def roles(db):
    """The catalogue by English name."""
    return f.role_catalogue()


@pytest.fixture
def customer(provider, reseller):
    return f.CustomerFactory(
        provider=provider,
        reseller=reseller,
        company_name="Alpine Ski",
        contact_email="it@alpineski.example",
    )


def link_in(text: str, marker: str) -> str:
    """The first link of an email's text that contains ``marker``."""
    return next(url for url in re.findall(r"https?://\S+", text) if marker in url)


@pytest.fixture
def japanese(client):
    """Switch a client to Japanese."""

    def switch(some_client=client):
        some_client.cookies["django_language"] = "ja"
        return some_client

    return switch
