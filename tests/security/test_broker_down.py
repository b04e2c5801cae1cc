"""Guarantee 10: with Redis down, pages that send mail still answer and commit; mail goes out once.

The broker is made unreachable twice over: the task's publish raising as kombu
does, and a real broker URL nobody listens on with the configured connection
timeout. Every page that enqueues mail answers within 2 seconds with its rows
committed and the email queued in the outbox; once the broker is back the
relay sends each email exactly once. A redelivered task sends nothing twice,
a rolled-back transaction sends nothing, and no task waits past the broker's
visibility timeout (after which Redis would hand it to a second worker).
"""

import ast
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from billing.models import PriceListEntry
from customers.models import ResellerRelationshipRequest
from partners.handover import handover_apply_to_all, handover_start
from partners.models import Partnership, PartnershipRequest
from portal.celery import app
from portal.emails import queue_email
from portal.models import ActivityEvent, OutboundEmail, StaffInvitation
from portal.outbox import outbound_email_relay
from portal.tasks import send_outbound_email
from relationships.models import AdminRelationship
from relationships.tasks import run_lifecycle
from subscriptions.models import RenewalReminder
from subscriptions.tasks import renew_subscriptions
from tests.security.conftest import await_agreement, csrf_client

pytestmark = pytest.mark.django_db

BUDGET_SECONDS = 2.0
DELAY_KEYWORDS = ("countdown", "retry_backoff_max", "default_retry_delay")


@dataclass(frozen=True)
class MailPage:
    kind: str
    # (home, away) -> response
    submit: Callable
    # (home) -> whether the page's own rows were committed
    committed: Callable


def _send_request(home, away):
    client = csrf_client(home.provider_admin)
    draft = client.post(reverse("partners:request_new"), {"email": "new@reseller.example"})
    form = draft.context["draft_form"]
    return client.post(draft.context["send_url"], form.initial)


def _resend_request(home, away):
    url = reverse("partners:request_resend", args=[home.partnership_request.uuid])
    return csrf_client(home.provider_admin).post(url)


def _invite_staff(home, away):
    data = {"email": "new@staff.example", "role": "sales_agent"}
    return csrf_client(home.provider_admin).post(reverse("user_invite"), data)


def _reset_password(home, away):
    return csrf_client().post(reverse("password_reset"), {"email": home.member.email})


def _accept_invite(home, away):
    url = reverse("partners:invite_accept", args=[home.request_token])
    return csrf_client(away.reseller_admin).post(url, {"consent": "on"})


ENROLMENT = {
    "company_name": "Enrolling KK",
    "partner_id": "8800001",
    "location_partner_id": "8800002",
    "country": "JP",
    "agreement": "on",
    "first_name": "Aiko",
    "last_name": "Sato",
    "password": "a-Long-and-unusual-passphrase-42",
    "consent": "on",
}


def _enrol(email):
    def submit(home, away):
        url = reverse("partners:invite_enrol", args=[home.request_token])
        return csrf_client().post(url, {**ENROLMENT, "email": email(home)})

    return submit


def _enrolment_mailed(home):
    return ActivityEvent.objects.filter(verb="partnership_request.enrolment_mailed").exists()


def _revoke_provider(home, away):
    url = reverse("partners:provider_revoke", args=[home.partnership.uuid])
    return csrf_client(home.reseller_admin).post(url)


def _remind_of_agreement(home, away):
    await_agreement(home)
    url = reverse("partners:agreement_reminder", args=[home.partnership.uuid])
    return csrf_client(home.provider_admin).post(url)


def _schedule_price(home, away):
    from django.utils import timezone

    data = {
        "offer": str(home.upgrade_offer.uuid),
        "term_pair": "P1M/monthly",
        "cost": "10.00",
        "reseller_price": "12.00",
        "retail_price": "15.00",
        "effective_from": (timezone.localdate() + timezone.timedelta(days=5)).isoformat(),
        "confirm": "on",
    }
    return csrf_client(home.provider_admin).post(reverse("billing:price_new"), data)


def _request_admin_relationship(home, away):
    url = reverse("relationships:relationship_request", args=[home.customer.uuid])
    data = {
        "partner": str(home.provider.uuid),
        "display_name": "New admin access",
        "roles": [role.pk for role in home.relationship.roles.all()],
        "duration_days": "90",
    }
    return csrf_client(home.provider_admin).post(url, data)


def _consent_to_admin_relationship(home, away):
    url = reverse("relationships:relationship_consent", args=[home.reseller_relationship.uuid])
    return csrf_client(home.reseller_admin).post(url)


def _approve_admin_relationship(home, away):
    url = reverse("relationships:approve", args=[home.approval_token])
    return csrf_client().post(url, {"consent": "on"})


def _send_reseller_relationship_request(home, away):
    data = {
        "partner": str(home.reseller.uuid),
        "company_name": "Broker Coffee",
        "primary_domain": "broker-coffee.onmicrosoft.example",
        "contact_first_name": "Mio",
        "contact_last_name": "Tanaka",
        "contact_email": "it@broker-coffee.example",
        "language": "ja",
    }
    url = reverse("customers:relationship_request_new")
    return csrf_client(home.provider_admin).post(url, data)


def _accept_reseller_relationship_request(home, away):
    url = reverse("customers:relationship_request_link", args=[home.relationship_request_token])
    return csrf_client().post(url, {"consent": "on"})


def _run_admin_relationship_job(home, away):
    """The daily job (not a page) sends the notices: it must finish with the broker down too."""
    AdminRelationship.objects.filter(pk=home.relationship.pk).update(
        status="active", approved_at=timezone.now(), ends_at=timezone.now() + timedelta(days=5)
    )
    run_lifecycle.apply()
    return SimpleNamespace(status_code=200)


MAIL_PAGES = {
    "schedule a price (each affected reseller's notice)": MailPage(
        "price-change",
        _schedule_price,
        lambda home: PriceListEntry.objects.filter(offer=home.upgrade_offer).exists(),
    ),
    "request an admin relationship": MailPage(
        "admin-relationship-approval",
        _request_admin_relationship,
        lambda home: AdminRelationship.objects.filter(
            display_name="New admin access", status="approval_pending"
        ).exists(),
    ),
    "consent to an admin relationship": MailPage(
        "admin-relationship-approval",
        _consent_to_admin_relationship,
        lambda home: (
            AdminRelationship.objects.get(pk=home.reseller_relationship.pk).status
            == "approval_pending"
        ),
    ),
    "approve an admin relationship": MailPage(
        "admin-relationship-approved",
        _approve_admin_relationship,
        lambda home: AdminRelationship.objects.get(pk=home.relationship.pk).status == "active",
    ),
    "notice of an admin relationship's end": MailPage(
        "admin-relationship-ending",
        _run_admin_relationship_job,
        lambda home: AdminRelationship.objects.get(pk=home.relationship.pk).status == "expiring",
    ),
    "send a partnership request": MailPage(
        "partnership-request",
        _send_request,
        lambda home: PartnershipRequest.objects.filter(
            email="new@reseller.example", sent_at__isnull=False
        ).exists(),
    ),
    "resend a partnership request": MailPage(
        "partnership-request",
        _resend_request,
        lambda home: (
            PartnershipRequest.objects.get(pk=home.partnership_request.pk).token_hash
            != home.partnership_request.token_hash
        ),
    ),
    "invite a staff member": MailPage(
        "staff-invite",
        _invite_staff,
        lambda home: StaffInvitation.objects.filter(email="new@staff.example").exists(),
    ),
    "reset a password": MailPage("password-reset", _reset_password, lambda home: True),
    "accept a partnership invite": MailPage(
        "partnership-accepted",
        _accept_invite,
        lambda home: (
            PartnershipRequest.objects.get(pk=home.partnership_request.pk).status == "accepted"
        ),
    ),
    "enrol from an invite": MailPage(
        "enrol-confirm", _enrol(lambda home: "new-admin@reseller.example"), _enrolment_mailed
    ),
    "enrol with an address that has an account": MailPage(
        "enrol-existing-account", _enrol(lambda home: home.reseller_admin.email), _enrolment_mailed
    ),
    "revoke a provider": MailPage(
        "partnership-revoked",
        _revoke_provider,
        lambda home: Partnership.objects.get(pk=home.partnership.pk).status == "removed",
    ),
    "send a reseller relationship request": MailPage(
        "reseller-relationship-request",
        _send_reseller_relationship_request,
        lambda home: ResellerRelationshipRequest.objects.filter(
            company_name="Broker Coffee"
        ).exists(),
    ),
    "accept a reseller relationship request": MailPage(
        "reseller-relationship-accepted",
        _accept_reseller_relationship_request,
        lambda home: (
            ResellerRelationshipRequest.objects.get(pk=home.relationship_request.pk).status
            == "accepted"
        ),
    ),
    "send an agreement reminder": MailPage(
        "agreement-reminder",
        _remind_of_agreement,
        lambda home: (
            Partnership.objects.get(pk=home.partnership.pk).agreement_reminder_sent_at is not None
        ),
    ),
}


# Emails a background job sends, not a page: each has its own test below.
# (webhook-disabled: tests/webhooks/test_deliveries.py)
# (handover-reseller, handover-customer: the notices of a partnership's removal with handover,
# sent by its job; test below)
MAIL_JOBS = {"renewal-reminder", "webhook-disabled", "handover-reseller", "handover-customer"}


def test_every_kind_of_email_is_sent_by_a_page_checked_here():
    kinds = {
        path.name.removesuffix("-subject.txt")
        for path in (Path(settings.BASE_DIR) / "templates" / "emails").glob("*-subject.txt")
    }
    assert kinds == {page.kind for page in MAIL_PAGES.values()} | MAIL_JOBS


def test_the_renewal_job_commits_its_reminders_while_publish_fails(
    home, publish_fails, django_capture_on_commit_callbacks
):
    subscription = home.subscription
    subscription.term_end = timezone.now() + timedelta(days=6)
    subscription.term_start = subscription.term_end - timedelta(days=365)
    subscription.save()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        result = renew_subscriptions()
    assert time.monotonic() - started < BUDGET_SECONDS
    assert result["reminders"] == 1
    assert RenewalReminder.objects.filter(subscription=subscription, days_before=7).exists()
    queued = list(OutboundEmail.objects.filter(kind="renewal-reminder", status="queued"))
    assert queued and mail.outbox == []
    publish_fails.undo()  # Redis is back
    assert outbound_email_relay(older_than_seconds=0) == len(queued)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.to for e in queued)
    assert outbound_email_relay(older_than_seconds=0) == 0


def test_the_handover_job_commits_its_notices_while_publish_fails(
    home, publish_fails, django_capture_on_commit_callbacks
):
    handover = home.handover
    handover_apply_to_all(handover=handover, decision="provider", actor=home.provider_admin)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        handover_start(handover=handover, actor=home.provider_admin, notify=True)
    assert time.monotonic() - started < BUDGET_SECONDS
    assert Partnership.objects.get(pk=home.partnership.pk).status == "removed"
    queued = list(
        OutboundEmail.objects.filter(kind__startswith="handover-", status="queued").order_by("pk")
    )
    assert [e.kind for e in queued] == ["handover-reseller", "handover-customer"]
    assert mail.outbox == []
    publish_fails.undo()  # Redis is back
    assert outbound_email_relay(older_than_seconds=0) == len(queued)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.to for e in queued)
    assert outbound_email_relay(older_than_seconds=0) == 0


@pytest.fixture
def publish_fails(monkeypatch):
    """The task's publish raises as kombu does when Redis refuses the connection."""

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_outbound_email, "delay", broker_down)
    return monkeypatch


@pytest.fixture
def unreachable_broker():
    """A real broker URL with nothing listening, with the project's connection timeout."""
    saved = (app.conf.task_always_eager, app.conf.broker_url, app._pool, app.amqp._producer_pool)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    # Connection pools are built lazily from the URL: drop any built for another broker.
    app._pool = app.amqp._producer_pool = None
    try:
        yield
    finally:
        # Not force_close_all(): kombu's pool registry may hand the same pool
        # object out again for the real broker, and a closed one breaks every
        # later publish. Nothing was ever connected to port 1 anyway.
        app.conf.task_always_eager, app.conf.broker_url = saved[0], saved[1]
        app._pool, app.amqp._producer_pool = saved[2], saved[3]


def _submit_with_broker_down(page, home, away, capture):
    started = time.monotonic()
    with capture(execute=True):
        response = page.submit(home, away)
    elapsed = time.monotonic() - started
    assert response.status_code < 400, response.status_code
    assert elapsed < BUDGET_SECONDS, f"answered in {elapsed:.2f} s"
    assert page.committed(home)
    queued = OutboundEmail.objects.filter(kind=page.kind, status="queued")
    assert queued.count() == 1
    assert mail.outbox == []
    return queued.get()


def _relay_sends_once(email):
    assert outbound_email_relay(older_than_seconds=0) == 1
    assert [message.to for message in mail.outbox] == [[email.to]]
    assert outbound_email_relay(older_than_seconds=0) == 0
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 1


@pytest.mark.parametrize("name", MAIL_PAGES)
def test_a_page_that_sends_mail_answers_and_commits_while_publish_fails(
    home, away, name, publish_fails, django_capture_on_commit_callbacks
):
    email = _submit_with_broker_down(
        MAIL_PAGES[name], home, away, django_capture_on_commit_callbacks
    )
    publish_fails.undo()  # Redis is back
    _relay_sends_once(email)


@pytest.mark.parametrize("name", ["send a partnership request", "reset a password"])
def test_with_a_real_unreachable_broker_the_page_answers_in_time(
    home, away, name, django_capture_on_commit_callbacks, unreachable_broker
):
    assert app.conf.broker_connection_timeout <= 1
    email = _submit_with_broker_down(
        MAIL_PAGES[name], home, away, django_capture_on_commit_callbacks
    )
    assert email.status == "queued"


def test_a_redelivered_task_sends_nothing_twice(home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email(
            kind="staff-invite",
            to="twice@example.test",
            org=home.provider,
            context={"organisation": home.provider, "inviter": home.provider_admin, "url": "u"},
        )
    assert len(mail.outbox) == 1
    for _ in range(2):  # Redis hands the same task to a worker again
        send_outbound_email.apply(args=[email.pk])
    assert len(mail.outbox) == 1


def test_a_rolled_back_transaction_sends_nothing(home, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue_email(
            kind="password-reset",
            to="never@example.test",
            context={"reset_path_uid": "x", "reset_path_token": "y", "site_url": "s"},
        )
        raise RuntimeError("the action failed after queueing its email")
    assert callbacks == []
    assert not OutboundEmail.objects.exists()
    assert outbound_email_relay(older_than_seconds=0) == 0
    assert mail.outbox == []


def _countdowns_in_source() -> list[tuple[str, int]]:
    """Every literal countdown= or eta-like delay passed in the project's code."""
    found = []
    for app_dir in ("portal", "partners", "customers", "subscriptions", "relationships"):
        for path in (Path(settings.BASE_DIR) / app_dir).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                delay = isinstance(node, ast.keyword) and node.arg in DELAY_KEYWORDS
                if delay and isinstance(node.value, ast.Constant):
                    found.append((f"{path.name}:{node.arg}", node.value.value))
    return found


def test_no_task_waits_past_the_brokers_visibility_timeout():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    tasks = [
        task
        for name, task in app.tasks.items()
        if name.split(".")[0]
        in ("portal", "partners", "customers", "subscriptions", "relationships")
    ]
    assert tasks
    for task in tasks:
        assert (task.default_retry_delay or 0) < visibility, task.name
        assert (getattr(task, "retry_backoff_max", 0) or 0) < visibility, task.name
    for where, seconds in _countdowns_in_source():
        assert seconds < visibility, where
    relay_every = settings.CELERY_BEAT_SCHEDULE["relay-queued-emails"]["schedule"].total_seconds()
    assert visibility > settings.OUTBOX_RELAY_AFTER_SECONDS and relay_every < visibility
