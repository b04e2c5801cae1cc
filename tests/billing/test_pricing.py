"""The price a reseller pays: per-reseller → tier fixed → tier % → default, on the day."""

import datetime as dt
from decimal import Decimal

import pytest

from billing import pricing, services
from billing.models import PartnershipTier, ResellerPrice, Tier, TierPrice
from tests import factories as f

DAY = dt.date(2026, 4, 10)


def price_for(provider, reseller, offer, on=DAY):
    return pricing.resolve_price(
        provider=provider,
        reseller=reseller,
        offer=offer,
        term="P1M",
        billing_frequency="monthly",
        on=on,
    )


def test_it_charges_the_default_without_tier_or_own_price(provider, reseller, offer, priced):
    price = price_for(provider, reseller, offer)
    assert (price.unit_price, price.unit_cost, price.source) == (
        Decimal("30.00"),
        Decimal("20.00"),
        "default",
    )


def test_it_takes_the_tier_percentage_then_the_tier_fixed_then_the_own_price(
    provider, reseller, offer, priced
):
    tier = Tier.objects.create(provider=provider, name="Gold", percent_off=Decimal("12.5"))
    PartnershipTier.objects.create(provider=provider, reseller=reseller, tier=tier)
    assert price_for(provider, reseller, offer).unit_price == Decimal("26.25")

    TierPrice.objects.create(
        tier=tier, offer=offer, price=Decimal("25.00"), effective_from=dt.date(2026, 1, 1)
    )
    assert price_for(provider, reseller, offer).unit_price == Decimal("25.00")

    ResellerPrice.objects.create(
        provider=provider,
        reseller=reseller,
        offer=offer,
        price=Decimal("24.10"),
        effective_from=dt.date(2026, 1, 1),
    )
    assert price_for(provider, reseller, offer).source == "reseller"
    assert price_for(provider, reseller, offer).unit_price == Decimal("24.10")


def test_one_resellers_price_is_not_anothers(provider, reseller, offer, priced):
    other = f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=other)
    ResellerPrice.objects.create(
        provider=provider,
        reseller=reseller,
        offer=offer,
        price=Decimal("1.00"),
        effective_from=dt.date(2026, 1, 1),
    )
    assert price_for(provider, other, offer).unit_price == Decimal("30.00")


def test_a_future_dated_price_changes_nothing_before_its_date_and_everything_after(
    provider, reseller, offer, priced
):
    later = type(priced).objects.create(
        provider=provider,
        offer=offer,
        term="P1M",
        billing_frequency="monthly",
        cost=Decimal("21.00"),
        reseller_price=Decimal("33.00"),
        retail_price=Decimal("40.00"),
        effective_from=dt.date(2026, 5, 1),
    )
    assert price_for(provider, reseller, offer, dt.date(2026, 4, 30)).unit_price == Decimal("30.00")
    for day in (later.effective_from, dt.date(2026, 5, 2), dt.date(2027, 1, 1)):
        assert price_for(provider, reseller, offer, day).unit_price == Decimal("33.00")


def test_jpy_prices_have_no_minor_unit(provider, reseller, offer, priced):
    provider.billing_currency.currency = "JPY"
    provider.billing_currency.save()
    tier = Tier.objects.create(provider=provider, name="Silver", percent_off=Decimal("5"))
    PartnershipTier.objects.create(provider=provider, reseller=reseller, tier=tier)
    assert price_for(provider, reseller, offer).unit_price == Decimal("29")  # 28.5 half-up


def test_an_offer_without_a_price_is_refused(provider, reseller, offer):
    with pytest.raises(pricing.NoPrice):
        price_for(provider, reseller, offer)


def test_a_price_cannot_take_effect_in_the_past(provider, offer, provider_admin, priced):
    with pytest.raises(services.BillingError):
        services.price_entry_add(
            provider=provider,
            offer=offer,
            term="P1M",
            billing_frequency="monthly",
            cost=Decimal("1"),
            reseller_price=Decimal("2"),
            retail_price=Decimal("3"),
            effective_from=dt.date(2000, 1, 1),
            actor=provider_admin,
        )
