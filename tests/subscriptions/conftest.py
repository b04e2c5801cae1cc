"""Fixtures of the subscription screens: a catalogue offer, a customer served through a reseller."""

import pytest
from django.urls import reverse

from tests import factories as f


@pytest.fixture
def offer(db):
    return f.OfferFactory(name="Microsoft 365 Business Basic", min_licences=1, max_licences=300)


@pytest.fixture
def customer(provider, reseller):
    return f.CustomerFactory(
        provider=provider,
        reseller=reseller,
        company_name="Alpine Ski House",
        primary_domain="alpineskihouse.onmicrosoft.example",
    )


@pytest.fixture
def subscription(customer, offer):
    return f.SubscriptionFactory(customer=customer, offer=offer, quantity=10)


@pytest.fixture
def reseller_location(reseller):
    return reseller.locations.get()


@pytest.fixture
def detail_url(subscription):
    return reverse("subscriptions:subscription_detail", args=[subscription.uuid])


@pytest.fixture
def action_url(subscription):
    """The URL of one of the subscription's POST endpoints, by name suffix."""

    def make(action):
        return reverse(f"subscriptions:subscription_{action}", args=[subscription.uuid])

    return make
