"""Webhook subscriptions and their signed deliveries (an outbox: written with the change)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.tenancy import TenantQuerySet


class EventType(models.TextChoices):
    CUSTOMER_CREATED = "customer-created", _("Customer created")
    SUBSCRIPTION_CREATED = "subscription-created", _("Subscription created")
    SUBSCRIPTION_UPDATED = "subscription-updated", _("Subscription updated")
    SUBSCRIPTION_RENEWED = "subscription-renewed", _("Subscription renewed")
    PARTNERSHIP_REQUEST_ACCEPTED = (
        "partnership-request-accepted",
        _("Partnership request accepted"),
    )
    PARTNERSHIP_REMOVED = "partnership-removed", _("Partnership removed")
    ADMIN_RELATIONSHIP_APPROVED = "admin-relationship-approved", _("Admin relationship approved")
    ADMIN_RELATIONSHIP_EXPIRING = "admin-relationship-expiring", _("Admin relationship expiring")
    ADMIN_RELATIONSHIP_TERMINATED = (
        "admin-relationship-terminated",
        _("Admin relationship terminated"),
    )
    STATEMENT_CLOSED = "statement-closed", _("Statement closed")
    RESELLER_RELATIONSHIP_REQUEST_ACCEPTED = (
        "reseller-relationship-request-accepted",
        _("Reseller relationship request accepted"),
    )
    PARTNERSHIP_HANDOVER_FINISHED = (
        "partnership-handover-finished",
        _("Partnership handover finished"),
    )
    PARTNERSHIP_HANDOVER_UNDONE = "partnership-handover-undone", _("Partnership handover undone")
    TEST = "test", _("Test event")


class WebhookSubscriptionQuerySet(TenantQuerySet):
    tenant_field = "organisation"


class WebhookSubscription(models.Model):
    """An endpoint that is told, signed, when one of ``events`` happens in the organisation."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField(_("endpoint URL"), max_length=500)
    events = models.JSONField(default=list)
    enabled = models.BooleanField(_("enabled"), default=True)
    secret = models.CharField(max_length=80)
    # After a rotation the previous secret also signs, until previous_secret_until.
    previous_secret = models.CharField(max_length=80, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url


class WebhookDeliveryQuerySet(TenantQuerySet):
    tenant_field = "subscription__organisation"


class WebhookDelivery(models.Model):
    """One event for one subscription; ``message_id`` is the webhook-id on every attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=60)
    payload = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            # A batch claims one endpoint's due deliveries in order of their next attempt.
            models.Index(
                fields=["subscription", "next_attempt_at", "id"],
                name="webhook_delivery_endpoint_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self):
        return f"{self.event_type} {self.message_id}"
