"""Outbound email: an outbox row first, a Celery task sends it after commit, exactly once."""

import smtplib
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import transaction
from django.utils import timezone

from portal.emails import queue_rendered_email
from portal.models import OutboundEmail
from portal.outbox import outbound_email_deliver_batch, outbound_email_relay
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _queue(to="reseller@example.test"):
    with transaction.atomic():
        return queue_rendered_email(
            kind="test", to=to, subject="Hello", body_text="Body", body_html="<p>Body</p>"
        )


def test_it_sends_a_queued_email_after_commit():
    email = _queue()
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 1 and email.sent_at
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["reseller@example.test"]
    assert mail.outbox[0].alternatives[0][0] == "<p>Body</p>"


def test_a_rolled_back_action_sends_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_rendered_email(kind="test", to="x@example.test", subject="S", body_text="B")
        raise RuntimeError("the action failed")
    assert OutboundEmail.objects.count() == 0
    assert mail.outbox == []


def test_a_failing_send_records_the_attempt_and_gives_up_after_the_limit(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    email = _queue()
    email.refresh_from_db()
    # Eager mode runs the retries inline: both attempts are recorded.
    assert email.attempts == 2
    assert email.status == "failed"
    assert "connection lost" in email.last_error


def test_a_redelivered_task_sends_nothing_twice():
    from portal.tasks import send_outbound_email

    email = _queue()
    assert send_outbound_email.apply(args=[email.pk]).get() is False
    assert len(mail.outbox) == 1


def test_the_relay_sends_rows_left_queued_when_the_broker_was_down(monkeypatch):
    monkeypatch.setattr("portal.emails.enqueue_send", lambda pk: False)
    email = _queue()
    assert OutboundEmail.objects.get(pk=email.pk).status == "queued"
    monkeypatch.undo()
    OutboundEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - timedelta(minutes=2)
    )
    assert outbound_email_relay() == 1
    assert OutboundEmail.objects.get(pk=email.pk).status == "sent"
    assert outbound_email_relay() == 0
    assert len(mail.outbox) == 1


def test_the_relay_leaves_fresh_rows_to_their_own_task(monkeypatch):
    monkeypatch.setattr("portal.emails.enqueue_send", lambda pk: False)
    _queue()
    monkeypatch.undo()
    assert outbound_email_relay() == 0


def test_an_unreachable_broker_leaves_the_row_queued(settings):
    from portal.celery import app

    app.conf.task_always_eager = False
    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        started = timezone.now()
        email = _queue()
        assert (timezone.now() - started).total_seconds() < 5
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = old
    assert OutboundEmail.objects.get(pk=email.pk).status == "queued"


@pytest.mark.services
def test_a_real_worker_delivers_the_email_once(celery_worker):
    import time

    email = _queue(to="worker@example.test")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == "sent":
            break
        time.sleep(0.1)
    assert email.status == "sent"
    assert [m.to for m in mail.outbox] == [["worker@example.test"]]


@pytest.mark.services
def test_a_real_worker_retries_a_failing_send(celery_worker, monkeypatch):
    import time

    calls = {"n": 0}
    real_send = mail.EmailMultiAlternatives.send

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise smtplib.SMTPServerDisconnected("first attempt fails")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", flaky)
    monkeypatch.setattr("portal.tasks.send_outbound_email.retry_backoff", 1)
    email = _queue(to="retry@example.test")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == "sent":
            break
        time.sleep(0.2)
    assert email.status == "sent"
    assert email.attempts == 2
    assert len(mail.outbox) == 1


# Batches: the relay and bulk sends hand many rows to one task -----------------


class CountingBackend(locmem.EmailBackend):
    """The test mail backend, counting the connections opened."""

    opened = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        type(self).opened += 1


def _queue_many(count, prefix="batch"):
    """Outbox rows written in bulk, as a mass mailing writes them: no task per row."""
    return [
        OutboundEmail.objects.create(
            kind="test", to=f"{prefix}-{n}@example.test", subject="Hello", body_text="Body"
        ).pk
        for n in range(count)
    ]


def test_a_batch_sends_each_row_once_over_one_connection(settings):
    settings.EMAIL_BACKEND = "tests.portal.test_outbox.CountingBackend"
    CountingBackend.opened = 0
    ids = _queue_many(5)
    result = outbound_email_deliver_batch(email_ids=ids)
    assert result.sent == 5 and result.retry_ids == []
    assert CountingBackend.opened == 1
    assert sorted(m.to[0] for m in mail.outbox) == [f"batch-{n}@example.test" for n in range(5)]
    rows = OutboundEmail.objects.filter(pk__in=ids)
    assert all(row.status == "sent" and row.attempts == 1 and row.sent_at for row in rows)


def test_a_redelivered_batch_sends_nothing_twice():
    from portal.tasks import send_outbound_emails

    ids = _queue_many(3)
    assert send_outbound_emails.apply(args=[ids]).get() == 3
    assert send_outbound_emails.apply(args=[ids]).get() == 0  # Redis hands it out again
    assert len(mail.outbox) == 3
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}


def test_one_failing_row_does_not_block_the_batch_and_is_retried(monkeypatch):
    from portal.tasks import send_outbound_emails

    real_send = mail.EmailMultiAlternatives.send
    refused = {"n": 0}

    def refuse_once(self, *args, **kwargs):
        if self.to == ["batch-1@example.test"] and not refused["n"]:
            refused["n"] += 1
            raise smtplib.SMTPRecipientsRefused({"batch-1@example.test": (550, b"busy")})
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse_once)
    ids = _queue_many(3)
    # Eager mode runs the retry inline, with only the failed row.
    send_outbound_emails.apply(args=[ids])
    assert sorted(m.to[0] for m in mail.outbox) == [f"batch-{n}@example.test" for n in range(3)]
    rows = {row.to: row for row in OutboundEmail.objects.all()}
    assert {row.status for row in rows.values()} == {"sent"}
    assert rows["batch-0@example.test"].attempts == 1
    assert rows["batch-1@example.test"].attempts == 2
    assert rows["batch-2@example.test"].attempts == 1


def test_a_failing_row_of_a_batch_records_each_attempt_and_gives_up(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    real_send = mail.EmailMultiAlternatives.send

    def refuse_one(self, *args, **kwargs):
        if self.to == ["batch-0@example.test"]:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse_one)
    failing, other = _queue_many(2)
    first = outbound_email_deliver_batch(email_ids=[failing, other])
    assert first.sent == 1 and first.retry_ids == [failing]
    row = OutboundEmail.objects.get(pk=failing)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "connection lost" in row.last_error
    second = outbound_email_deliver_batch(email_ids=[failing, other])
    assert second.sent == 0 and second.retry_ids == []
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 2)
    assert OutboundEmail.objects.get(pk=other).attempts == 1
    assert len(mail.outbox) == 1


def test_the_relay_hands_queued_rows_over_in_batches(monkeypatch):
    from portal import emails

    published = []
    monkeypatch.setattr(emails, "SEND_BATCH_SIZE", 2)
    monkeypatch.setattr(
        "portal.tasks.send_outbound_emails.delay", lambda ids: published.append(ids)
    )
    ids = _queue_many(5)
    assert outbound_email_relay(older_than_seconds=0) == 5
    assert published == [ids[0:2], ids[2:4], ids[4:5]]


def test_the_relay_counts_only_the_batches_handed_over_before_the_broker_failed(monkeypatch):
    from kombu.exceptions import OperationalError

    from portal import emails

    calls = {"n": 0}

    def second_publish_fails(ids):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("Connection refused.")

    monkeypatch.setattr(emails, "SEND_BATCH_SIZE", 2)
    monkeypatch.setattr("portal.tasks.send_outbound_emails.delay", second_publish_fails)
    _queue_many(5)
    assert outbound_email_relay(older_than_seconds=0) == 2


@pytest.mark.services
def test_a_real_worker_delivers_a_batch_exactly_once(celery_worker):
    from portal.tasks import send_outbound_emails

    ids = _queue_many(20, prefix="worker-batch")
    send_outbound_emails.delay(ids)
    send_outbound_emails.delay(ids)  # the same batch delivered twice
    sent = OutboundEmail.objects.filter(pk__in=ids, status="sent")
    assert wait_until(lambda: sent.count() == 20)
    assert wait_until(lambda: len(mail.outbox) >= 20)
    time.sleep(0.5)  # a duplicate would be sent right after
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(f"worker-batch-{n}@example.test" for n in range(20))
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}


def test_the_relay_leaves_rows_the_broker_holds_until_they_look_lost(monkeypatch, settings):
    """A backlog waiting in the broker (or in a retry's backoff) is not published again
    every minute; a row the broker took long ago and that is still queued is."""
    published = []
    monkeypatch.setattr(
        "portal.tasks.send_outbound_emails.delay", lambda ids: published.append(list(ids))
    )
    ids = _queue_many(3)
    assert outbound_email_relay(older_than_seconds=0) == 3  # never handed over: all of them
    assert OutboundEmail.objects.filter(handed_over_at__isnull=True).count() == 0
    assert outbound_email_relay(older_than_seconds=0) == 0  # with the broker: left alone
    assert published == [ids]

    lost = timezone.now() - timedelta(seconds=settings.OUTBOX_RELAY_LOST_AFTER_SECONDS + 1)
    OutboundEmail.objects.filter(pk=ids[1]).update(handed_over_at=lost)
    assert outbound_email_relay(older_than_seconds=0) == 1
    assert published[-1] == [ids[1]]


def test_a_row_is_noted_handed_over_only_when_its_publish_succeeds(monkeypatch):
    from kombu.exceptions import OperationalError

    from portal import emails

    def refused(ids):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr("portal.tasks.send_outbound_emails.delay", refused)
    ids = _queue_many(2)
    assert emails.enqueue_send_batches(ids) == 0
    assert not OutboundEmail.objects.filter(handed_over_at__isnull=False).exists()
    # A row a worker already sent keeps no hand-over time: nothing is left to hand over.
    monkeypatch.setattr("portal.tasks.send_outbound_emails.delay", lambda ids: None)
    OutboundEmail.objects.filter(pk=ids[0]).update(status="sent")
    assert emails.enqueue_send_batches(ids) == 2
    assert list(
        OutboundEmail.objects.filter(handed_over_at__isnull=False).values_list("pk", flat=True)
    ) == [ids[1]]


@pytest.mark.skipif(
    "postgresql" not in __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"],
    reason="row locks: PostgreSQL",
)
def test_two_relays_at_once_hand_each_row_over_once(monkeypatch):
    """Beat on two nodes, or a run overlapping the next: every row goes to one of them."""
    import threading

    from django.db import connection

    published, lock = [], threading.Lock()
    first_inside = threading.Event()

    def slow_publish(ids):
        first_inside.set()
        time.sleep(0.5)  # the other relay runs while this one holds its rows
        with lock:
            published.extend(ids)

    monkeypatch.setattr("portal.tasks.send_outbound_emails.delay", slow_publish)
    ids = _queue_many(150)
    counts = []

    def relay():
        try:
            counts.append(outbound_email_relay(older_than_seconds=0))
        finally:
            connection.close()

    first = threading.Thread(target=relay)
    first.start()
    assert first_inside.wait(10)
    second = threading.Thread(target=relay)
    second.start()
    first.join(20)
    second.join(20)
    assert sorted(published) == sorted(ids)  # each row once
    assert sorted(counts) == [0, 150]
    assert outbound_email_relay(older_than_seconds=0) == 0  # and not again on the next run
