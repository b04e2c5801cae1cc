"""Monthly statements: closed once, by the job, never changed after; totals add up."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import services
from billing.models import Charge, Statement, StatementClosed
from billing.tasks import close_statements
from tests import factories as f
from tests.billing.conftest import APRIL

MAY_2ND = dt.datetime(2026, 5, 2, 3, tzinfo=dt.UTC)


def add_seats(subscription, seats, on):
    charge = services.build_charge(
        subscription=subscription,
        kind=Charge.Kind.SEATS_ADDED,
        quantity=seats,
        on=on,
        full_period=False,
    )
    with transaction.atomic():
        services.place_charges([charge])
        charge.save()
    return charge


def test_the_job_closes_last_month_once(provider, priced, credited_subscription, reseller):
    add_seats(credited_subscription, 3, dt.date(2026, 4, 11))
    add_seats(credited_subscription, 1, dt.date(2026, 4, 21))
    with time_machine.travel(MAY_2ND, tick=False):
        assert close_statements() == 1
        assert close_statements() == 0
    statement = Statement.objects.get()
    assert statement.status == Statement.Status.CLOSED
    assert statement.reseller == reseller
    assert statement.month == dt.date(2026, 4, 1)
    assert (statement.lines, statement.total) == (2, Decimal("70.00"))  # 60.00 + 10.00
    assert statement.cost == Decimal("46.67")  # 40.00 + 6.67
    assert statement.margin == statement.total - statement.cost


def test_the_current_month_cannot_be_closed(provider, priced):
    with (
        time_machine.travel(APRIL + dt.timedelta(days=3), tick=False),
        pytest.raises(services.BillingError),
    ):
        services.statements_close_month(month=dt.date(2026, 4, 1))


def test_a_closed_statement_refuses_any_change(provider, priced, credited_subscription):
    charge = add_seats(credited_subscription, 3, dt.date(2026, 4, 11))
    with time_machine.travel(MAY_2ND, tick=False):
        services.statements_close_due()
    statement = Statement.objects.get()
    assert statement.is_closed
    statement.total = Decimal("1.00")
    with pytest.raises(StatementClosed):
        statement.save()
    with pytest.raises(StatementClosed):
        statement.delete()
    charge.amount = Decimal("1.00")
    with pytest.raises(StatementClosed):
        charge.save()
    with pytest.raises(StatementClosed):
        charge.delete()
    late = Charge(
        **{
            k: getattr(charge, k)
            for k in ("provider_id", "subscription_id", "customer_id", "reseller_id", "offer_id")
        }
    )
    late.statement, late.month = statement, statement.month
    with pytest.raises(StatementClosed):
        late.save()
    statement.refresh_from_db()
    assert statement.total == Decimal("60.00")


def test_a_charge_dated_in_a_closed_month_lands_in_the_next_as_an_adjustment(
    provider, priced, credited_subscription
):
    add_seats(credited_subscription, 3, dt.date(2026, 4, 11))
    with time_machine.travel(MAY_2ND, tick=False):
        services.statements_close_due()
        late = add_seats(credited_subscription, 1, dt.date(2026, 4, 30))
    assert late.month == dt.date(2026, 5, 1)
    april = Statement.objects.get(month=dt.date(2026, 4, 1))
    assert (april.status, april.total) == ("closed", Decimal("60.00"))
    assert late.statement.month == dt.date(2026, 5, 1)
    assert not late.statement.is_closed


@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_close_each_statement_once(provider, priced, credited_subscription):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    add_seats(credited_subscription, 3, dt.date(2026, 4, 11))
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            with time_machine.travel(MAY_2ND, tick=False):
                services.statements_close_due()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Statement.objects.count() == 1


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3),  # which subscription (3: direct)
            st.integers(min_value=-5, max_value=20).filter(bool),
            st.integers(min_value=0, max_value=29),  # day of April
        ),
        min_size=1,
        max_size=25,
    ),
    unit=st.decimals(min_value=0, max_value=999, places=3),
)
def test_resellers_statements_plus_direct_add_up_to_the_providers_month(
    provider, offer, priced, lines, unit
):
    sid = transaction.savepoint()
    try:
        type(priced).objects.filter(pk=priced.pk).update(reseller_price=unit)
        subs = []
        for i in range(3):
            reseller = f.ResellerFactory()
            f.PartnershipFactory(provider=provider, reseller=reseller)
            customer = f.CustomerFactory(provider=provider, reseller=reseller)
            subs.append(
                f.SubscriptionFactory(
                    customer=customer,
                    offer=offer,
                    reseller_location=reseller.locations.get() if i else None,
                    term_start=APRIL,
                    term_end=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
                )
            )
        subs.append(
            f.SubscriptionFactory(
                customer=f.CustomerFactory(provider=provider),
                offer=offer,
                term_start=APRIL,
                term_end=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
            )
        )
        for which, seats, day in lines:
            add_seats(subs[which], seats, dt.date(2026, 4, 1) + dt.timedelta(days=day))
        with time_machine.travel(MAY_2ND, tick=False):
            services.statements_close_due()
        month_total = sum(
            Charge.objects.filter(provider=provider).values_list("amount", flat=True), Decimal(0)
        )
        statements = Statement.objects.filter(provider=provider)
        assert all(s.is_closed for s in statements)
        assert sum((s.total for s in statements), Decimal(0)) == month_total
        assert sum(s.lines for s in statements) == len(lines)
        for s in statements:
            assert s.total == s.total.quantize(Decimal("0.01"))
    finally:
        transaction.savepoint_rollback(sid)
