import datetime as dt
from decimal import Decimal

import pytest

from billing.models import PriceListEntry, ProviderCurrency
from tests import factories as f

# A 30-day billing period: 1–30 April 2026 (the portal's zone is UTC in tests).
APRIL = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


@pytest.fixture
def offer(db):
    return f.OfferFactory(name="Microsoft 365 E3", sku="M365E3")


@pytest.fixture
def priced(provider, offer):
    """The provider bills in USD; the offer costs it 20.00 and sells at 30.00 (P1M, monthly)."""
    ProviderCurrency.objects.create(provider=provider, currency="USD")
    return PriceListEntry.objects.create(
        provider=provider,
        offer=offer,
        term="P1M",
        billing_frequency="monthly",
        cost=Decimal("20.00"),
        reseller_price=Decimal("30.00"),
        retail_price=Decimal("36.00"),
        effective_from=dt.date(2026, 1, 1),
    )


@pytest.fixture
def location(reseller):
    return reseller.locations.get()


@pytest.fixture
def credited_subscription(provider, reseller, location, offer):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    return f.SubscriptionFactory(
        customer=customer,
        offer=offer,
        quantity=10,
        reseller_location=location,
        term_start=APRIL,
        term_end=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
    )
