"""Charges written when money moves, through the subscription services."""

import datetime as dt
from decimal import Decimal

import time_machine

from billing.models import Charge
from subscriptions import services as subs
from tests.billing.conftest import APRIL


def change(subscription, quantity, org, actor):
    subscription.refresh_from_db()
    return subs.subscription_change_quantity(
        subscription=subscription,
        quantity=quantity,
        version=subscription.version,
        org=org,
        actor=actor,
    )


def test_a_seat_addition_is_charged_for_the_days_left_in_the_period(
    provider, provider_admin, priced, credited_subscription, location
):
    # 10 April: 21 of the 30 days of April are left; 2 licences at 30.00.
    with time_machine.travel(APRIL + dt.timedelta(days=9, hours=10), tick=False):
        change(credited_subscription, 12, provider, provider_admin)
    charge = Charge.objects.get()
    assert charge.kind == Charge.Kind.SEATS_ADDED
    assert (charge.quantity, charge.days, charge.period_days) == (2, 21, 30)
    assert charge.unit_price == Decimal("30.00")
    assert charge.amount == Decimal("42.00")  # 60.00 × 21/30
    assert charge.cost == Decimal("28.00")
    assert charge.margin == Decimal("14.00")
    assert charge.reseller == location.organisation
    assert charge.location_mpn_id == location.location_partner_id
    assert charge.month == dt.date(2026, 4, 1)


def test_a_decrease_inside_its_window_is_a_prorated_credit(
    provider, provider_admin, priced, credited_subscription
):
    with time_machine.travel(APRIL + dt.timedelta(days=1), tick=False):
        change(credited_subscription, 12, provider, provider_admin)
        change(credited_subscription, 11, provider, provider_admin)
    added, removed = Charge.objects.order_by("id")
    assert removed.kind == Charge.Kind.SEATS_REMOVED
    assert (removed.quantity, removed.days) == (-1, 29)
    assert removed.amount == Decimal("-29.00")
    assert added.amount == Decimal("58.00")


def test_a_cancellation_inside_its_window_credits_the_days_left(
    provider, provider_admin, priced, credited_subscription
):
    with time_machine.travel(APRIL + dt.timedelta(days=2), tick=False):
        credited_subscription.refresh_from_db()
        subs.subscription_set_status(
            subscription=credited_subscription,
            action="cancel",
            version=credited_subscription.version,
            org=provider,
            actor=provider_admin,
        )
    credit = Charge.objects.get()
    assert (credit.kind, credit.quantity, credit.days) == (Charge.Kind.CANCELLED, -10, 28)
    assert credit.amount == Decimal("-280.00")


def test_a_renewal_charges_the_first_period_of_the_new_term(
    provider, priced, credited_subscription
):
    subs.subscriptions_renew_due(now=dt.datetime(2026, 5, 1, 1, tzinfo=dt.UTC))
    charge = Charge.objects.get()
    assert charge.kind == Charge.Kind.RENEWAL
    assert charge.charged_on == dt.date(2026, 5, 1)
    assert (charge.days, charge.period_days) == (31, 31)
    assert charge.amount == Decimal("300.00")


def test_an_offer_without_a_price_writes_no_charge(provider, provider_admin, credited_subscription):
    with time_machine.travel(APRIL + dt.timedelta(days=1), tick=False):
        change(credited_subscription, 12, provider, provider_admin)
    assert not Charge.objects.exists()


def test_a_future_dated_price_is_used_from_its_date(
    provider, provider_admin, priced, credited_subscription
):
    type(priced).objects.create(
        provider=provider,
        offer=priced.offer,
        term="P1M",
        billing_frequency="monthly",
        cost=Decimal("21.00"),
        reseller_price=Decimal("45.00"),
        retail_price=Decimal("50.00"),
        effective_from=dt.date(2026, 4, 16),
    )
    with time_machine.travel(APRIL + dt.timedelta(days=14), tick=False):
        change(credited_subscription, 11, provider, provider_admin)
    with time_machine.travel(APRIL + dt.timedelta(days=15), tick=False):
        change(credited_subscription, 12, provider, provider_admin)
    before, after = Charge.objects.order_by("id")
    assert before.unit_price == Decimal("30.00")
    assert after.unit_price == Decimal("45.00")


def test_each_monthly_period_of_a_yearly_term_is_charged_once(provider, priced, offer, reseller):
    from billing import services as billing
    from billing.models import PriceListEntry
    from tests import factories as f

    PriceListEntry.objects.create(
        provider=provider,
        offer=offer,
        term="P1Y",
        billing_frequency="monthly",
        cost=Decimal("18.00"),
        reseller_price=Decimal("27.00"),
        retail_price=Decimal("33.00"),
        effective_from=dt.date(2026, 1, 1),
    )
    sub = f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=provider, reseller=reseller),
        offer=offer,
        quantity=4,
        reseller_location=reseller.locations.get(),
        term="P1Y",
        term_start=APRIL,
        term_end=dt.datetime(2027, 4, 1, tzinfo=dt.UTC),
    )
    # The first period (April) is the purchase's; nothing to bill in it.
    assert billing.charges_bill_periods_due(now=APRIL + dt.timedelta(days=5)) == 0
    may = dt.datetime(2026, 5, 1, 2, tzinfo=dt.UTC)
    assert billing.charges_bill_periods_due(now=may) == 1
    assert billing.charges_bill_periods_due(now=may + dt.timedelta(days=3)) == 0
    charge = Charge.objects.get(subscription=sub)
    assert (charge.kind, charge.charged_on, charge.days) == ("period", dt.date(2026, 5, 1), 31)
    assert charge.amount == Decimal("108.00")
