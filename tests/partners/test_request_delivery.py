"""A partnership request's email through the real broker and worker: delivered exactly once,
also when Redis was unreachable at the time of sending."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from partners.models import PartnershipRequest
from partners.services import partnership_request_prepare, partnership_request_send
from portal.models import OutboundEmail
from portal.outbox import outbound_email_relay
from tests.conftest import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def _send(provider, actor, email="owner@reseller.example"):
    prepared = partnership_request_prepare(provider=provider, actor=actor, email=email)
    partnership_request_send(
        partnership_request=prepared.partnership_request,
        actor=actor,
        token=prepared.token,
        body=prepared.body,
    )
    return prepared


def test_the_worker_delivers_the_request_email_once(celery_worker, provider, provider_admin):
    prepared = _send(provider, provider_admin)
    assert wait_until(lambda: OutboundEmail.objects.filter(status="sent").exists())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@reseller.example"]
    assert prepared.url in mail.outbox[0].body


def test_with_redis_down_the_request_is_saved_and_the_relay_sends_it_once(
    celery_worker, provider, provider_admin, monkeypatch
):
    from kombu.exceptions import OperationalError

    from portal.tasks import send_outbound_email

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_outbound_email, "delay", broker_down)
    _send(provider, provider_admin)
    monkeypatch.undo()
    assert PartnershipRequest.objects.filter(provider=provider, sent_at__isnull=False).count() == 1
    email = OutboundEmail.objects.get()
    assert email.status == "queued"
    assert mail.outbox == []

    # Redis is back: the periodic relay hands the row to the worker, once.
    OutboundEmail.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    assert outbound_email_relay() == 1
    assert wait_until(lambda: OutboundEmail.objects.filter(status="sent").exists())
    assert outbound_email_relay() == 0
    assert len(mail.outbox) == 1
