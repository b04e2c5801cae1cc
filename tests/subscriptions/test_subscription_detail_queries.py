"""The details page of a subscription people open (active, credited to a reseller, with a
change scheduled, windows open and a history) runs the same few queries however much it lists."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import PartnershipTier, PriceListEntry, ProviderCurrency, Tier
from subscriptions.models import ScheduledChange, SeatAddition
from tests import factories as f

pytestmark = pytest.mark.django_db

# The subscription, the history's first page with its length, the scheduled change, the
# open windows, the price (five for a reseller in a tier), the offers to change to (the
# session and the member are read from the cache).
DETAIL_QUERIES = 10
PAGE_LIMIT = 100_000


def _busy(subscription, *, provider, reseller, actor, size: int):
    """Give ``subscription`` what the page lists, ``size`` times over."""
    location = reseller.locations.order_by("pk").first()
    f.PartnerLocationFactory.create_batch(size, organisation=reseller)
    subscription.reseller_location = location
    subscription.save()
    subscription.offer.upgrades_to.set(f.OfferFactory.create_batch(size))
    ScheduledChange.objects.create(
        subscription=subscription,
        quantity=12,
        offer=subscription.offer,
        term="P1M",
        billing_frequency="monthly",
    )
    now = timezone.now()
    SeatAddition.objects.bulk_create(
        SeatAddition(
            subscription=subscription,
            seats=1,
            added_at=now - dt.timedelta(hours=n + 1),
            window_closes_at=now + dt.timedelta(days=6, hours=-n),
        )
        for n in range(size)
    )
    f.SubscriptionChangeFactory.create_batch(size * 2, subscription=subscription, actor=actor)
    PriceListEntry.objects.create(
        provider=provider,
        offer=subscription.offer,
        term="P1M",
        billing_frequency="monthly",
        cost=Decimal("20.00"),
        reseller_price=Decimal("30.00"),
        retail_price=Decimal("36.00"),
        effective_from=dt.date(2026, 1, 1),
    )


@pytest.fixture
def priced(provider, reseller):
    """The provider's currency, and the reseller in a tier (the price's every read)."""
    ProviderCurrency.objects.create(provider=provider, currency="USD")
    tier = Tier.objects.create(provider=provider, name="Gold", percent_off=Decimal("10"))
    PartnershipTier.objects.create(provider=provider, reseller=reseller, tier=tier)


def _page(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(captured)


@pytest.mark.usefixtures("priced")
def test_it_runs_the_same_few_queries_for_a_short_and_a_long_details_page(
    provider_client, provider_admin, provider, reseller, subscription, detail_url
):
    _busy(subscription, provider=provider, reseller=reseller, actor=provider_admin, size=3)
    provider_client.get(detail_url)  # the session's first reads
    small, small_queries = _page(provider_client, detail_url)
    assert 'id="open-windows"' in small and "Edit the scheduled change" in small
    assert "Upgrade to" in small and 'id="subscription-unit-margin"' in small
    other = f.SubscriptionFactory(customer=subscription.customer, quantity=5)
    _busy(other, provider=provider, reseller=reseller, actor=provider_admin, size=40)
    large, large_queries = _page(
        provider_client, detail_url.replace(str(subscription.uuid), str(other.uuid))
    )
    assert "Page 1 of 4" in large  # 80 changes, 20 a page
    assert large.count("<tr>") > small.count("<tr>")
    assert small_queries == large_queries <= DETAIL_QUERIES
    assert len(large.encode()) < PAGE_LIMIT


def test_it_writes_each_forms_version_as_its_widget_does(
    provider_client, provider_admin, provider, reseller, subscription, detail_url
):
    _busy(subscription, provider=provider, reseller=reseller, actor=provider_admin, size=1)
    html = provider_client.get(detail_url).content.decode()
    version = subscription.version
    for prefix, times in [
        ("quantity", 1),
        ("auto-renew", 1),
        ("scheduled", 1),
        ("upgrade", 1),
        ("reseller", 1),
        ("support", 1),
        # The scheduled change's cancel, Suspend and the cancel dialog.
        ("status", 3),
    ]:
        tag = f'<input type="hidden" name="version" value="{version}" id="{prefix}-version">'
        assert html.count(tag) == times, prefix
