"""Deliveries: written with the change, signed (checked by an independent library), retried."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.audit import Verb
from portal.roles import Role
from subscriptions import services as subscription_services
from tests import factories as f
from webhooks import services, transport
from webhooks.models import WebhookDelivery, WebhookSubscription


@pytest.fixture
def admin(provider, member_factory):
    return member_factory(provider, Role.GLOBAL_ADMIN)


def _subscribe(provider, admin, url, events=("subscription-updated", "customer-created")):
    return services.webhook_create(org=provider, url=url, events=list(events), actor=admin)


def test_a_change_delivers_the_object_signed_to_the_receiver(
    provider, admin, receiver, django_capture_on_commit_callbacks
):
    hook = _subscribe(provider, admin, receiver.url)
    receiver.secret = hook.secret
    sub = f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider), quantity=4)

    with django_capture_on_commit_callbacks(execute=True):
        subscription_services.subscription_change_quantity(
            subscription=sub, quantity=6, version=sub.version, org=provider, actor=admin
        )

    assert receiver.bad_signatures == 0
    [got] = receiver.received
    assert got["payload"]["type"] == "subscription-updated"
    assert got["payload"]["data"]["id"] == str(sub.uuid)
    assert got["payload"]["data"]["quantity"] == 6
    assert got["payload"]["timestamp"].endswith("Z")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.status_code, delivery.attempts) == ("delivered", 200, 1)
    assert got["id"] == delivery.message_id


def test_a_receiver_failing_three_times_gets_the_event_again_with_the_same_id(
    provider, admin, receiver, django_capture_on_commit_callbacks
):
    hook = _subscribe(provider, admin, receiver.url)
    receiver.secret = hook.secret
    receiver.failures = [500, 503, 502]
    customer = f.CustomerFactory(provider=provider)

    with django_capture_on_commit_callbacks(execute=True):
        audit.record(org=provider, actor=admin, verb=Verb.CUSTOMER_CREATED, obj=customer)
    delivery = WebhookDelivery.objects.get()
    delays = []
    # The worker's retries, each when it is due.
    while (delay := services.webhook_deliver(delivery_id=delivery.pk)) is not None:
        delays.append(delay.total_seconds())

    assert delays == [10, 20]  # after the first attempt (5 s, in the task) and the next two
    assert len(receiver.received) == 4
    assert len({r["id"] for r in receiver.received}) == 1
    assert receiver.bad_signatures == 0
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 4)


def test_a_rolled_back_change_delivers_nothing(provider, admin, receiver):
    _subscribe(provider, admin, receiver.url)
    customer = f.CustomerFactory(provider=provider)

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(org=provider, actor=admin, verb=Verb.CUSTOMER_CREATED, obj=customer)
        raise RuntimeError

    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


def test_events_not_subscribed_to_and_disabled_endpoints_get_nothing(provider, admin, receiver):
    _subscribe(provider, admin, receiver.url, events=["partnership-removed"])
    off = _subscribe(provider, admin, receiver.url, events=["customer-created"])
    WebhookSubscription.objects.filter(pk=off.pk).update(enabled=False)

    audit.record(
        org=provider,
        actor=admin,
        verb=Verb.CUSTOMER_CREATED,
        obj=f.CustomerFactory(provider=provider),
    )

    assert not WebhookDelivery.objects.exists()


def test_during_a_rotation_both_secrets_sign(
    provider, admin, receiver, django_capture_on_commit_callbacks
):
    hook = _subscribe(provider, admin, receiver.url)
    old = hook.secret
    services.webhook_rotate_secret(subscription=hook, actor=admin)
    receiver.secret = old  # a receiver not yet told of the new secret

    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_send_test(subscription=hook)

    assert receiver.bad_signatures == 0 and len(receiver.received) == 1


def test_after_24_hours_of_failures_a_delivery_is_failed(provider, admin, receiver):
    hook = _subscribe(provider, admin, receiver.url)
    receiver.failures = [500]
    delivery = WebhookDelivery.objects.create(
        subscription=hook, message_id="msg_x", event_type="test", payload="{}"
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=23, minutes=59, seconds=58)
    )

    assert services.webhook_deliver(delivery_id=delivery.pk) is None

    delivery.refresh_from_db()
    assert (delivery.status, delivery.status_code, delivery.next_attempt_at) == (
        "failed",
        500,
        None,
    )


def test_an_endpoint_failing_for_5_days_is_disabled_and_its_admins_emailed(
    provider, admin, receiver, mailoutbox
):
    from portal.models import OutboundEmail

    hook = _subscribe(provider, admin, receiver.url)
    WebhookSubscription.objects.filter(pk=hook.pk).update(
        failing_since=timezone.now() - timedelta(days=5, minutes=1)
    )
    receiver.failures = [500]
    delivery = WebhookDelivery.objects.create(
        subscription=hook, message_id="msg_y", event_type="test", payload="{}"
    )

    services.webhook_deliver(delivery_id=delivery.pk)

    hook.refresh_from_db()
    assert hook.enabled is False
    assert OutboundEmail.objects.filter(kind="webhook-disabled", to=admin.email).exists()


def test_the_retry_delays_double_up_to_an_hour():
    delays = [services.retry_delay(n).total_seconds() for n in (1, 2, 3, 10, 30)]

    assert delays == [5, 10, 20, 2560, 3600]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "0.0.0.0",
    ],
)
def test_the_ssrf_guard_refuses_internal_addresses(address, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False

    assert transport.address_allowed(address) is False


def test_the_ssrf_guard_resolves_the_name_before_connecting(settings, provider, admin):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    hook = _subscribe(provider, admin, "https://localhost/hooks")
    delivery = WebhookDelivery.objects.create(
        subscription=hook, message_id="msg_z", event_type="test", payload="{}"
    )

    services.webhook_deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status_code is None
    assert "not allowed" in delivery.response_excerpt
    assert transport.address_allowed("93.184.215.14") is True


def test_metadata_addresses_are_refused_even_in_development(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True

    assert transport.address_allowed("169.254.169.254") is False
    assert transport.address_allowed("127.0.0.1") is True


def test_a_redirect_is_not_followed(provider, admin, receiver):
    hook = _subscribe(provider, admin, receiver.url)
    receiver.failures = [302]
    delivery = WebhookDelivery.objects.create(
        subscription=hook, message_id="msg_r", event_type="test", payload="{}"
    )

    services.webhook_deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status_code == 302 and delivery.status == "pending"
    assert len(receiver.received) == 1


def test_an_approved_admin_relationship_is_delivered(
    provider, admin, receiver, django_capture_on_commit_callbacks
):
    hook = _subscribe(provider, admin, receiver.url, events=["admin-relationship-approved"])
    receiver.secret = hook.secret
    relationship = f.AdminRelationshipFactory(
        customer=f.CustomerFactory(provider=provider), partner=provider
    )

    with django_capture_on_commit_callbacks(execute=True):
        audit.record(
            org=provider, actor=admin, verb=Verb.ADMIN_RELATIONSHIP_APPROVED, obj=relationship
        )

    [got] = receiver.received
    assert got["payload"]["type"] == "admin-relationship-approved"
    assert got["payload"]["data"]["id"] == str(relationship.uuid)
    assert receiver.bad_signatures == 0


def test_the_renewal_job_delivers_subscription_renewed(
    provider, admin, receiver, django_capture_on_commit_callbacks
):
    """Batch jobs write their events at once (record_many): their webhooks go out too."""
    hook = _subscribe(provider, admin, receiver.url, events=["subscription-renewed"])
    receiver.secret = hook.secret
    now = timezone.now()
    subs = []
    for _ in range(2):
        sub = f.SubscriptionFactory(
            customer=f.CustomerFactory(provider=provider),
            term_start=now - timedelta(days=31),
            purchase_window=False,
        )
        sub.__class__.objects.filter(pk=sub.pk).update(term_end=now - timedelta(hours=1))
        subs.append(sub)

    with django_capture_on_commit_callbacks(execute=True):
        run = subscription_services.subscriptions_renew_due()

    assert run.renewed == 2
    assert receiver.bad_signatures == 0
    assert sorted(got["payload"]["data"]["id"] for got in receiver.received) == sorted(
        str(sub.uuid) for sub in subs
    )
    assert {got["payload"]["type"] for got in receiver.received} == {"subscription-renewed"}


def test_a_terminated_admin_relationship_is_delivered_when_it_ends(
    provider, admin, receiver, django_capture_on_commit_callbacks
):
    from relationships import services as relationship_services

    hook = _subscribe(provider, admin, receiver.url, events=["admin-relationship-terminated"])
    receiver.secret = hook.secret
    relationship = f.AdminRelationshipFactory(customer=f.CustomerFactory(provider=provider))

    with django_capture_on_commit_callbacks(execute=True):
        relationship_services.relationship_terminate(relationship=relationship, actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        relationship_services.relationship_finish_termination(relationship_id=relationship.pk)

    [got] = receiver.received
    assert got["payload"]["type"] == "admin-relationship-terminated"
    assert got["payload"]["data"]["status"] == "terminated"
    assert receiver.bad_signatures == 0


def test_an_expiring_admin_relationship_is_delivered_by_the_lifecycle_job(
    provider, admin, receiver, django_capture_on_commit_callbacks
):
    from relationships import services as relationship_services

    hook = _subscribe(provider, admin, receiver.url, events=["admin-relationship-expiring"])
    receiver.secret = hook.secret
    relationship = f.AdminRelationshipFactory(customer=f.CustomerFactory(provider=provider))
    relationship.__class__.objects.filter(pk=relationship.pk).update(
        ends_at=timezone.now() + timedelta(days=5)
    )

    with django_capture_on_commit_callbacks(execute=True):
        relationship_services.lifecycle_run()

    assert [got["payload"]["type"] for got in receiver.received] == ["admin-relationship-expiring"]
    assert receiver.received[0]["payload"]["data"]["id"] == str(relationship.uuid)


def test_closing_a_month_delivers_statement_closed_to_the_provider(
    provider, admin, receiver, django_capture_on_commit_callbacks
):
    import datetime as dt

    from billing import services as billing_services
    from billing.models import Statement

    hook = _subscribe(provider, admin, receiver.url, events=["statement-closed"])
    receiver.secret = hook.secret
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    statement = Statement.objects.create(
        provider=provider, reseller=f.ResellerFactory(), month=month, currency="USD"
    )

    with django_capture_on_commit_callbacks(execute=True):
        billing_services.statements_close_month(month=month)

    [got] = receiver.received
    assert got["payload"]["type"] == "statement-closed"
    data = got["payload"]["data"]
    assert (data["id"], data["status"], data["month"]) == (
        str(statement.uuid),
        "closed",
        month.strftime("%Y-%m"),
    )
    assert data["total"] == "0.00" and data["cost"] == "0.00"
    assert receiver.bad_signatures == 0
