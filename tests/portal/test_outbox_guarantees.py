"""What the outbox promises: at least once, deduplicable by Message-ID, a dead worker's rows
resent within minutes, a message that can never be delivered failed at once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import transaction
from django.db.models import DateTimeField, F
from django.utils import timezone

from portal.emails import queue_rendered_email
from portal.models import OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)


def _queue_many(count, prefix="row"):
    return [
        OutboundEmail.objects.create(
            kind="test", to=f"{prefix}-{n}@example.test", subject="Hello", body_text="Body"
        ).pk
        for n in range(count)
    ]


def _age_every_timestamp(minutes):
    """Move every time the outbox recorded ``minutes`` into the past."""
    fields = [
        field.name for field in OutboundEmail._meta.get_fields() if isinstance(field, DateTimeField)
    ]
    for name in fields:
        OutboundEmail.objects.filter(**{f"{name}__isnull": False}).update(
            **{name: F(name) - timedelta(minutes=minutes)}
        )


def _relay():
    from portal.tasks import relay_queued_emails

    return relay_queued_emails.apply().get()


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even an ``except Exception``."""


class DyingBackend(locmem.EmailBackend):
    """Delivers two messages, then the worker dies while sending the third."""

    def send_messages(self, messages):
        if len(mail.outbox) >= 2:
            raise WorkerKilled
        return super().send_messages(messages)


def test_every_message_carries_a_stable_message_id_for_receivers_to_dedupe():
    with transaction.atomic():
        email = queue_rendered_email(kind="test", to="a@example.test", subject="S", body_text="B")
    message_id = mail.outbox[0].extra_headers.get("Message-ID") or mail.outbox[0].message().get(
        "Message-ID"
    )
    assert message_id and message_id.startswith("<") and message_id.endswith(">")
    assert str(email.uuid) in message_id

    # Sent again (a worker killed before the row's commit): the same Message-ID.
    OutboundEmail.objects.filter(pk=email.pk).update(status="queued")
    from portal.tasks import send_outbound_email

    send_outbound_email.apply(args=[email.pk])
    assert mail.outbox[1].message()["Message-ID"] == mail.outbox[0].message()["Message-ID"]


def test_the_rows_of_a_killed_worker_are_sent_again_within_minutes(settings, monkeypatch):
    from portal.tasks import send_outbound_emails

    settings.EMAIL_BACKEND = "tests.portal.test_outbox_guarantees.DyingBackend"
    ids = _queue_many(5)
    OutboundEmail.objects.update(handed_over_at=timezone.now())  # the broker took the batch
    with pytest.raises(WorkerKilled):
        send_outbound_emails.apply(args=[ids], throw=True)
    assert len(mail.outbox) == 2

    _age_every_timestamp(minutes=3)  # far less than the 15 minutes a lost task waits
    published = []
    monkeypatch.setattr(
        "portal.tasks.send_outbound_emails.delay", lambda batch: published.append(list(batch))
    )
    assert _relay() == 3
    assert published == [ids[2:]]


def test_the_relay_leaves_alone_the_rows_a_live_worker_is_sending(settings, monkeypatch):
    """The worker renews its claim as it goes: rows waiting their turn are not sent twice."""
    from portal import outbox

    clock = {"now": timezone.now(), "tick": 0.0}
    monkeypatch.setattr(outbox, "_now", lambda: clock["now"])
    monkeypatch.setattr(outbox, "_monotonic", lambda: clock["tick"])
    published = []
    seen_by_relay = []
    ids = _queue_many(6)
    OutboundEmail.objects.update(handed_over_at=timezone.now())

    class SlowBackend(locmem.EmailBackend):
        def send_messages(self, messages):
            # Each message takes a minute; the relay runs while the batch is under way.
            clock["now"] += timedelta(minutes=1)
            clock["tick"] += 60
            seen_by_relay.append(outbox.outbound_email_relay(older_than_seconds=0))
            return super().send_messages(messages)

    settings.EMAIL_BACKEND = "tests.portal.test_outbox_guarantees.SlowBackend"
    monkeypatch.setattr(
        "tests.portal.test_outbox_guarantees.SlowBackend", SlowBackend, raising=False
    )
    monkeypatch.setattr(
        "portal.tasks.send_outbound_emails.delay", lambda batch: published.append(list(batch))
    )
    result = outbox.outbound_email_deliver_batch(email_ids=ids)
    assert result.sent == 6
    assert published == [] and set(seen_by_relay) == {0}
    assert len(mail.outbox) == 6


def test_a_message_that_can_never_be_delivered_is_failed_at_once():
    from portal.tasks import send_outbound_email

    (email_id,) = _queue_many(1)
    OutboundEmail.objects.filter(pk=email_id).update(subject="Hello\r\nBcc: victim@example.test")
    send_outbound_email.apply(args=[email_id])
    row = OutboundEmail.objects.get(pk=email_id)
    assert row.status == "failed"
    assert row.attempts == 1
    assert "BadHeaderError" in row.last_error
    assert mail.outbox == []


def test_a_batch_fails_an_undeliverable_row_at_once_and_sends_the_others():
    from portal.tasks import send_outbound_emails

    ids = _queue_many(3)
    OutboundEmail.objects.filter(pk=ids[1]).update(to="bad\nrecipient@example.test")
    assert send_outbound_emails.apply(args=[ids]).get() == 2
    rows = {row.pk: row for row in OutboundEmail.objects.all()}
    assert (rows[ids[1]].status, rows[ids[1]].attempts) == ("failed", 1)
    assert rows[ids[0]].status == rows[ids[2]].status == "sent"
