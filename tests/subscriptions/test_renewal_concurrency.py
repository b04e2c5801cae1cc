"""A decrease and the renewal job on one subscription at once, and two renewal jobs at once:
no lost update, no renewal applied twice (PostgreSQL row locks, threads)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from portal.roles import Role
from subscriptions import services
from subscriptions.models import Subscription, SubscriptionChange
from tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need PostgreSQL (SQLite locks the file)",
    ),
]


def _due_subscription(member, quantity=10):
    """A subscription whose term ended an hour ago, its licences added 2 hours ago."""
    now = dt.datetime.now(dt.UTC)
    sub = f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=member.organisation),
        quantity=quantity,
        term_start=now - dt.timedelta(days=31),
        purchase_window=False,
    )
    Subscription.objects.filter(pk=sub.pk).update(term_end=now - dt.timedelta(hours=1))
    sub.seat_additions.create(
        seats=quantity,
        added_at=now - dt.timedelta(hours=2),
        window_closes_at=now + dt.timedelta(days=6),
    )
    return Subscription.objects.get(pk=sub.pk)


def _run_together(*calls):
    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            start.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test asserts
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("attempt", range(3))
def test_a_decrease_and_the_renewal_at_once_lose_nothing_and_renew_once(attempt):
    member = f.MembershipFactory(role=Role.ADMIN_AGENT)
    sub = _due_subscription(member)

    def decrease():
        return services.subscription_change_quantity(
            subscription=Subscription.objects.get(pk=sub.pk),
            quantity=6,
            version=sub.version,  # the page was rendered before the renewal
            org=member.organisation,
            actor=member.user,
        )

    decreased, run = _run_together(decrease, services.subscriptions_renew_due)
    # Whichever ran second: the renewal skips the locked row, or the decrease finds the
    # row renewed (a new version) and is refused as stale. Either way nothing is lost.
    services.subscriptions_renew_due()  # the next hourly run
    sub.refresh_from_db()
    assert sub.changes.filter(field="renewed").count() == 1
    assert sub.term_end > dt.datetime.now(dt.UTC)
    if isinstance(decreased, Subscription):
        assert sub.quantity == 6
        assert SubscriptionChange.objects.filter(subscription=sub, field="quantity").count() == 1
    else:
        assert isinstance(decreased, services.StaleSubscription), decreased
        assert sub.quantity == 10
        assert not SubscriptionChange.objects.filter(subscription=sub, field="quantity").exists()
    # The version moved once per change applied: renewal (+1) and the decrease if it won.
    assert sub.version == 1 + 1 + (1 if isinstance(decreased, Subscription) else 0)


def test_two_renewal_jobs_at_once_renew_each_subscription_once():
    member = f.MembershipFactory(role=Role.ADMIN_AGENT)
    subs = [_due_subscription(member) for _ in range(30)]
    runs = _run_together(
        lambda: services.subscriptions_renew_due(batch_size=4),
        lambda: services.subscriptions_renew_due(batch_size=4),
    )
    assert sum(run.renewed for run in runs) == 30, runs
    for sub in subs:
        assert SubscriptionChange.objects.filter(subscription=sub, field="renewed").count() == 1
    assert member.organisation.activity_events.filter(verb="subscription.renewed").count() == 30


def test_two_reminder_runs_at_once_send_each_reminder_once(monkeypatch):
    # The outbox rows are what counts here. Sending them through eager Celery tasks from
    # two threads would leave Celery's process-wide "join would block" flag set (each
    # eager task saves and restores it) and break a later test's result.get().
    monkeypatch.setattr("portal.emails.enqueue_send", lambda email_id: False)
    member = f.MembershipFactory(role=Role.GLOBAL_ADMIN)
    now = dt.datetime.now(dt.UTC)
    for _ in range(12):
        sub = f.SubscriptionFactory(
            customer=f.CustomerFactory(provider=member.organisation),
            term_start=now - dt.timedelta(days=300),
            purchase_window=False,
        )
        Subscription.objects.filter(pk=sub.pk).update(term_end=now + dt.timedelta(days=6))
    counts = _run_together(
        lambda: services.renewal_reminders_send_due(batch_size=5),
        lambda: services.renewal_reminders_send_due(batch_size=5),
    )
    assert sum(counts) == 12, counts
    from portal.models import OutboundEmail

    assert OutboundEmail.objects.filter(kind="renewal-reminder").count() == 12
