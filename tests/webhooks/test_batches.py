"""Deliveries go out in batches per endpoint: one connection per batch, claimed so that two
workers never send the same delivery, and a failing endpoint holds up no other."""

import socket
import threading
import time
from contextlib import nullcontext
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from portal import audit
from portal.audit import Verb
from portal.roles import Role
from tests import factories as f
from webhooks import services, tasks, transport
from webhooks.models import WebhookDelivery


@pytest.fixture
def admin(provider, member_factory):
    return member_factory(provider, Role.GLOBAL_ADMIN)


def _hook(provider, admin, url):
    return services.webhook_create(org=provider, url=url, events=["customer-created"], actor=admin)


def _events(provider, count, *, queue=False):
    """``count`` customer-created events in one transaction (their deliveries with them);
    the batch task is not queued at the commit unless ``queue``: each test runs it itself."""
    customer = f.CustomerFactory(provider=provider)
    quiet = nullcontext() if queue else mock.patch.object(tasks.deliver_webhooks, "delay")
    with quiet, transaction.atomic():
        for _ in range(count):
            audit.record(org=provider, actor=None, verb=Verb.CUSTOMER_CREATED, obj=customer)


@pytest.fixture
def silent_endpoint(settings):
    """A loopback server that accepts connections and never answers."""
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    yield f"http://127.0.0.1:{server.getsockname()[1]}/hooks"
    server.close()


def test_a_batch_sends_an_endpoints_deliveries_over_one_connection(provider, admin, receiver):
    hook = _hook(provider, admin, receiver.url)
    receiver.secret = hook.secret
    _events(provider, 30)

    result = services.webhook_deliver_batch(subscription_id=hook.pk, limit=100)

    assert (result.claimed, result.delivered, result.connections_opened) == (30, 30, 1)
    assert (result.more, result.wake_in) == (False, None)
    assert receiver.bad_signatures == 0
    assert len({r["id"] for r in receiver.received}) == 30
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}


def test_a_full_batch_queues_the_next_and_every_delivery_goes_once(provider, admin, receiver):
    hook = _hook(provider, admin, receiver.url)
    receiver.secret = hook.secret
    _events(provider, 25)

    first = services.webhook_deliver_batch(subscription_id=hook.pk, limit=10)
    assert (first.delivered, first.more) == (10, True)
    tasks.deliver_webhooks(hook.pk)  # eager: runs batches until none is full

    assert len(receiver.received) == 25
    assert len({r["id"] for r in receiver.received}) == 25
    assert not WebhookDelivery.objects.exclude(status="delivered").exists()


def test_events_of_one_transaction_queue_one_task_per_endpoint(
    provider, admin, receiver, django_capture_on_commit_callbacks
):
    first = _hook(provider, admin, receiver.url)
    second = _hook(provider, admin, receiver.url)

    with (
        mock.patch.object(tasks.deliver_webhooks, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        _events(provider, 40, queue=True)

    assert WebhookDelivery.objects.count() == 80
    assert sorted(call.args for call in delay.call_args_list) == [(first.pk,), (second.pk,)]


def test_a_silent_endpoint_holds_up_neither_its_batch_nor_another_endpoint(
    provider, admin, receiver, silent_endpoint, monkeypatch
):
    monkeypatch.setattr(transport, "TIMEOUT_SECONDS", 0.5)
    down = _hook(provider, admin, silent_endpoint)
    up = _hook(provider, admin, receiver.url)
    receiver.secret = up.secret
    _events(provider, 20)

    started = time.monotonic()
    stuck = services.webhook_deliver_batch(subscription_id=down.pk)
    fine = services.webhook_deliver_batch(subscription_id=up.pk)
    elapsed = time.monotonic() - started

    # One attempt timed out; the other 19 wait for its retry instead of timing out in turn.
    assert (stuck.failed_attempts, stuck.deferred, stuck.delivered) == (1, 19, 0)
    assert elapsed < 3
    assert fine.delivered == 20 and receiver.bad_signatures == 0
    waiting = WebhookDelivery.objects.filter(subscription=down)
    assert sorted(waiting.values_list("attempts", flat=True)) == [0] * 19 + [1]
    assert all(d.status == "pending" and d.next_attempt_at > timezone.now() for d in waiting)
    assert "timed out" in waiting.get(attempts=1).response_excerpt
    down.refresh_from_db()
    assert down.failing_since is not None
    # Their retry is due together: the next batch sends them when the endpoint answers.
    assert services.webhook_deliver_batch(subscription_id=down.pk).claimed == 0


def test_a_failing_answer_is_retried_with_the_backoff_and_the_others_still_go(
    provider, admin, receiver
):
    hook = _hook(provider, admin, receiver.url)
    receiver.secret = hook.secret
    receiver.failures = [500, 503]
    _events(provider, 5)

    result = services.webhook_deliver_batch(subscription_id=hook.pk)

    assert (result.delivered, result.failed_attempts) == (3, 2)
    assert result.retry_in == timedelta(seconds=5)
    # The task is queued again for when the first retry is due, whatever else happens.
    assert timedelta(seconds=4) < result.wake_in <= timedelta(seconds=5)
    failed = WebhookDelivery.objects.filter(status="pending")
    assert sorted(failed.values_list("status_code", flat=True)) == [500, 503]
    hook.refresh_from_db()
    assert hook.failing_since is None  # the endpoint answered 2xx in the same batch


def test_a_claimed_delivery_comes_back_when_its_worker_dies(provider, admin, receiver):
    hook = _hook(provider, admin, receiver.url)
    receiver.secret = hook.secret
    _events(provider, 3)
    now = timezone.now()
    # A worker claimed them and died before sending.
    claimed = services._claim(subscription_id=hook.pk, now=now, limit=10)
    assert len(claimed) == 3
    assert services.webhook_deliver_batch(subscription_id=hook.pk).claimed == 0
    assert services.webhook_endpoints_due() == []

    WebhookDelivery.objects.update(next_attempt_at=now - timedelta(minutes=6))
    assert services.webhook_endpoints_due() == [hook.pk]
    with mock.patch.object(tasks.deliver_webhooks, "delay") as delay:
        assert tasks.relay_due_webhooks() == 1
    delay.assert_called_once_with(hook.pk)
    assert services.webhook_deliver_batch(subscription_id=hook.pk).delivered == 3
    assert len(receiver.received) == 3


def test_a_disabled_endpoints_deliveries_are_failed_unsent(provider, admin, receiver):
    hook = _hook(provider, admin, receiver.url)
    _events(provider, 2)
    hook.enabled = False
    hook.save()

    services.webhook_deliver_batch(subscription_id=hook.pk)

    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}
    assert receiver.received == []


@pytest.mark.django_db(transaction=True)
def test_deliveries_locked_by_another_worker_are_skipped_not_waited_for(provider, admin, receiver):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    hook = _hook(provider, admin, receiver.url)
    receiver.secret = hook.secret
    _events(provider, 10)
    held = list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)[:4])
    results = []

    def other_worker():
        try:
            results.append(services.webhook_deliver_batch(subscription_id=hook.pk))
        finally:
            connection.close()

    with transaction.atomic():
        # This worker is in the middle of claiming four of them.
        list(WebhookDelivery.objects.filter(pk__in=held).select_for_update())
        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the other worker waited for the locked rows"

    [result] = results
    assert result.delivered == 6
    assert sorted(
        WebhookDelivery.objects.filter(status="pending").values_list("pk", flat=True)
    ) == (sorted(held))


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_delivery_once(provider, admin, receiver):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL")
    hook = _hook(provider, admin, receiver.url)
    receiver.secret = hook.secret
    _events(provider, 120)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            while (
                result := services.webhook_deliver_batch(subscription_id=hook.pk, limit=20)
            ).claimed:
                results.append(result)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    ids = [r["id"] for r in receiver.received]
    assert len(ids) == 120 and len(set(ids)) == 120
    assert receiver.bad_signatures == 0
    assert sum(r.delivered for r in results) == 120
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_a_transactions_events_in_batches_once_each(
    provider, admin, receiver, celery_worker, monkeypatch
):
    """Through the broker: one task for the transaction, batches of 20 queueing the next one,
    a failed delivery retried by the task the batch scheduled, with the same webhook-id."""
    from tests.conftest import wait_until

    monkeypatch.setattr(services, "BATCH_SIZE", 20)
    monkeypatch.setattr(services, "FIRST_RETRY_SECONDS", 1)
    hook = _hook(provider, admin, receiver.url)
    receiver.secret = hook.secret
    receiver.failures = [503]

    _events(provider, 50, queue=True)

    delivered = wait_until(
        lambda: WebhookDelivery.objects.filter(status="delivered").count() == 50, timeout=60
    )
    assert delivered, WebhookDelivery.objects.values_list("status", "attempts")
    ids = [r["id"] for r in receiver.received]
    assert len(ids) == 51 and len(set(ids)) == 50  # the one that failed came again, same id
    assert receiver.bad_signatures == 0
    assert sorted(WebhookDelivery.objects.values_list("attempts", flat=True)) == [1] * 49 + [2]
