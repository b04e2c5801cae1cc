import uuid
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.roles import Role
from portal.tenancy import TenantQuerySet


class User(AbstractUser):
    """A person who signs in; the username is the lower-cased email address."""

    email = models.EmailField(_("email address"), unique=True)
    must_change_password = models.BooleanField(default=False)
    # The language of the mail the portal sends this user on its own (reminders);
    # empty: the organisation's (Japanese for Japan, English otherwise).
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        if not self.username:
            self.username = self.email
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class OutboundEmailQuerySet(TenantQuerySet):
    tenant_field = "organisation"


class OutboundEmail(models.Model):
    """One mail the portal sends: a row first, then a Celery task delivers it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=50)
    to = models.EmailField()
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # One text attachment (a CSV of a price change), sent with the message.
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment_text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the row was last handed to the broker; the relay hands over again
    # only rows never handed over, or handed over long ago and still queued.
    handed_over_at = models.DateTimeField(null=True, blank=True)
    # The worker sending the row and when it last renewed its claim: the relay
    # hands over again the rows of a claim that lapsed (the worker died).
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sent", "failed"]),
                name="outbox_status_valid",
            )
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"

    @property
    def message_id(self) -> str:
        """The Message-ID header, the same on every attempt: receivers drop a repeated copy."""
        return f"<{self.uuid}@{message_id_domain()}>"


def message_id_domain() -> str:
    """The domain of the sender's address (the right-hand side of every Message-ID)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "portal.invalid"


class ActivityEventQuerySet(TenantQuerySet):
    tenant_field = "organisation"


class ActivityEvent(models.Model):
    """An audit record: who changed what in which organisation, before and after."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="activity_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted when it was not a person signed in: an API key's name.
    actor_label = models.CharField(max_length=150, blank=True)
    verb = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=250, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ActivityEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="activity_org_created_idx"),
            # The reseller page's activity: one object's events, newest first.
            models.Index(
                fields=["organisation", "object_id", "-created_at"],
                name="activity_org_object_idx",
            ),
        ]

    def __str__(self):
        return f"{self.verb} {self.object_type} {self.object_repr}"


class StaffInvitationQuerySet(TenantQuerySet):
    tenant_field = "organisation"

    def pending(self):
        return self.filter(status=StaffInvitation.Status.PENDING, expires_at__gt=timezone.now())


class StaffInvitation(models.Model):
    """An invitation for a person to join an organisation's staff; the token is stored only as a hash."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="staff_invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = StaffInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(status="pending"),
                name="staff_invitation_one_pending_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "accepted", "revoked"]),
                name="staff_invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="staff_invitation_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.organisation} → {self.email}"

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()
