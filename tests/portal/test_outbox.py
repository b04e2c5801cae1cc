"""Outbound email: an outbox row first, a Celery task sends it after commit, exactly once."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal.emails import queue_rendered_email
from portal.models import OutboundEmail
from portal.services import outbound_email_relay

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
