"""A handover and a change of the same customer at the same time: neither update is lost."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from jobs import services as job_services
from jobs.models import JobRow
from partners import handover as ho
from partners.models import Partnership
from portal.roles import Role
from subscriptions.models import Subscription
from subscriptions.services import StaleSubscription, subscription_change_quantity
from tests import factories as f


def _world():
    provider = f.ProviderFactory()
    reseller = f.ResellerFactory()
    partnership = f.PartnershipFactory(provider=provider, reseller=reseller)
    admin = f.MembershipFactory(organisation=provider, role=Role.GLOBAL_ADMIN).user
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    sub = f.SubscriptionFactory(
        customer=customer,
        reseller_location=reseller.locations.get(),
        support_contact=reseller,
        quantity=5,
    )
    return provider, reseller, partnership, admin, customer, Subscription.objects.get(pk=sub.pk)


def _wait_for_lock_wait(pid: int, timeout: float = 20.0) -> bool:
    """Whether the backend ``pid`` is waiting for a row lock (polled, up to ``timeout``)."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return True
            time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_licence_change_holding_the_subscription_and_the_handover_both_land(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row locks are exercised on PostgreSQL")
    # The job's rows are applied by hand below, one of them beside the user's change.
    monkeypatch.setattr(ho, "_enqueue", lambda job_id: None)
    provider, reseller, partnership, admin, customer, sub = _world()
    handover = ho.handover_plan(partnership=partnership, actor=admin, decision="provider")
    ho.handover_start(handover=handover, actor=admin)
    job = handover.job
    customer_row = JobRow.objects.get(job=job, number=2)
    holding, release = threading.Event(), threading.Event()
    handover_pid = []
    errors = []

    def change_licences():
        try:
            with transaction.atomic():
                subscription_change_quantity(
                    subscription=sub, quantity=9, version=sub.version, org=provider, actor=admin
                )
                holding.set()
                release.wait(30)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    def hand_over():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                handover_pid.append(cursor.fetchone()[0])
            job_services._apply_row(job, customer_row.pk)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    user = threading.Thread(target=change_licences)
    user.start()
    assert holding.wait(20), errors
    worker = threading.Thread(target=hand_over)
    worker.start()
    while not handover_pid:
        time.sleep(0.01)
    waited = _wait_for_lock_wait(handover_pid[0])
    release.set()
    user.join(30)
    worker.join(30)
    assert not errors
    assert waited, "the handover did not wait for the subscription's row lock"
    sub = Subscription.objects.get(pk=sub.pk)
    assert sub.quantity == 9  # the user's change
    assert sub.version == 3  # both changes counted: neither overwrote the other
    assert sub.reseller_location is None and sub.support_contact == provider  # the handover's
    assert JobRow.objects.get(pk=customer_row.pk).outcome == JobRow.Outcome.APPLIED
    assert Partnership.objects.get(pk=partnership.pk).status == "active"  # row 1 not run here


@pytest.mark.django_db
def test_a_change_made_from_a_page_read_before_the_handover_is_refused_not_lost():
    provider, reseller, partnership, admin, customer, sub = _world()
    seen_version = sub.version  # a user opened the subscription's page
    handover = ho.handover_plan(partnership=partnership, actor=admin, decision="provider")
    ho.handover_start(handover=handover, actor=admin)
    job_services.job_run(job_id=handover.job_id)
    with pytest.raises(StaleSubscription):
        subscription_change_quantity(
            subscription=sub, quantity=9, version=seen_version, org=provider, actor=admin
        )
    sub = Subscription.objects.get(pk=sub.pk)
    assert sub.quantity == 5 and sub.reseller_location is None
