"""Granular delegated admin: role catalogue, admin relationships, security groups, templates."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.tenancy import TenantQuerySet

MIN_DURATION_DAYS = 1
MAX_DURATION_DAYS = 730
AUTO_EXTEND_DAYS = 180
EXPIRING_WITHIN_DAYS = 30
UNAPPROVED_EXPIRE_DAYS = 90
NOTICE_DAYS = (30, 7, 1)
DISPLAY_NAME_MAX = 50
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"


class AdminRole(models.Model):
    """A directory role a relationship can hold (the catalogue is seeded by a migration)."""

    id = models.CharField(_("role ID"), max_length=36, primary_key=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    description_en = models.CharField(_("description (English)"), max_length=300)
    description_ja = models.CharField(_("description (Japanese)"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("directory role")
        verbose_name_plural = _("directory roles")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_ja if (get_language() or "").startswith("ja") else self.name_en

    @property
    def description(self) -> str:
        return (
            self.description_ja if (get_language() or "").startswith("ja") else self.description_en
        )

    @property
    def is_global_administrator(self) -> bool:
        return self.id == GLOBAL_ADMINISTRATOR


class AdminRelationshipQuerySet(TenantQuerySet):
    def for_org(self, org):
        """A provider sees the relationships on its customers; a reseller its own."""
        if org is None:
            return self.none()
        if org.is_provider:
            return self.filter(customer__provider=org)
        return self.filter(partner=org)

    def live(self):
        """Relationships that give admin rights now."""
        return self.filter(status__in=AdminRelationship.LIVE_STATUSES)

    def expiring_within(self, days: int = EXPIRING_WITHIN_DAYS):
        return self.live().filter(ends_at__lte=timezone.now() + timezone.timedelta(days=days))


class AdminRelationship(models.Model):
    """Admin rights of a partner organisation on a customer: named roles, for a time, approved."""

    class Status(models.TextChoices):
        CREATED = "created", _("Awaiting reseller consent")
        APPROVAL_PENDING = "approval_pending", _("Approval pending")
        ACTIVE = "active", _("Active")
        EXPIRING = "expiring", _("Expiring")
        EXPIRED = "expired", _("Expired")
        TERMINATION_REQUESTED = "termination_requested", _("Termination requested")
        TERMINATED = "terminated", _("Terminated")

    LIVE_STATUSES = (Status.ACTIVE, Status.EXPIRING)
    PENDING_STATUSES = (Status.CREATED, Status.APPROVAL_PENDING)
    ENDED_STATUSES = (Status.EXPIRED, Status.TERMINATED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="admin_relationships"
    )
    partner = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.CASCADE,
        related_name="admin_relationships",
        verbose_name=_("partner"),
    )
    display_name = models.CharField(_("name"), max_length=DISPLAY_NAME_MAX)
    roles = models.ManyToManyField(AdminRole, related_name="+", verbose_name=_("roles"))
    duration_days = models.PositiveSmallIntegerField(
        _("duration (days)"),
        validators=[MinValueValidator(MIN_DURATION_DAYS), MaxValueValidator(MAX_DURATION_DAYS)],
    )
    auto_extend = models.BooleanField(_("auto-extend by 180 days"), default=False)
    status = models.CharField(_("status"), max_length=25, choices=Status.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consented_at = models.DateTimeField(_("reseller consented"), null=True, blank=True)
    consented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("approval requested"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.CharField(_("approved by"), max_length=254, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    terminated_at = models.DateTimeField(_("terminated"), null=True, blank=True)
    terminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who ended it, as written at the time: a partner user's name or the customer's contact.
    terminated_by_name = models.CharField(max_length=254, blank=True)
    # Only hashes of the one-time links are kept.
    approval_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    termination_token_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AdminRelationshipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("admin relationship")
        verbose_name_plural = _("admin relationships")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "display_name"], name="admin_relationship_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(duration_days__gte=MIN_DURATION_DAYS)
                & Q(duration_days__lte=MAX_DURATION_DAYS),
                name="admin_relationship_duration_range",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="admin_rel_customer_idx"),
            models.Index(fields=["partner", "status"], name="admin_rel_partner_idx"),
            models.Index(fields=["status", "ends_at"], name="admin_rel_status_ends_idx"),
            models.Index(
                fields=["approval_token_hash"],
                name="admin_rel_approval_token_idx",
                condition=~Q(approval_token_hash=""),
            ),
            models.Index(
                fields=["termination_token_hash"],
                name="admin_rel_terminate_token_idx",
                condition=~Q(termination_token_hash=""),
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def days_left(self) -> int | None:
        return days_left(status=self.status, ends_at=self.ends_at, now=timezone.now())


def days_left(*, status: str, ends_at, now) -> int | None:
    """Whole days until a live relationship ends (None when it is not live or has no end)."""
    if status not in AdminRelationship.LIVE_STATUSES or ends_at is None:
        return None
    return max(0, (ends_at - now).days)


class AdminRelationshipNotice(models.Model):
    """A notice sent to the partner's admins before a relationship ends: each one once."""

    relationship = models.ForeignKey(
        AdminRelationship, on_delete=models.CASCADE, related_name="notices"
    )
    days_before = models.PositiveSmallIntegerField()
    # The end date the notice was about: an extended relationship gets its notices again.
    ends_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "days_before", "ends_at"],
                name="admin_rel_notice_once",
            ),
        ]

    def __str__(self):
        return f"{self.days_before} days before the end of {self.relationship}"


class SecurityGroupQuerySet(TenantQuerySet):
    pass


class SecurityGroup(models.Model):
    """A named group of a partner organisation's own users, given roles by access assignments."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="security_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="security_groups"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SecurityGroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("security group")
        verbose_name_plural = _("security groups")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="security_group_name_unique"
            ),
        ]

    def __str__(self):
        return self.name


class AccessAssignmentQuerySet(TenantQuerySet):
    tenant_field = "group__organisation"


class AccessAssignment(models.Model):
    """A security group's roles (a subset of the relationship's) on one relationship."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    relationship = models.ForeignKey(
        AdminRelationship, on_delete=models.CASCADE, related_name="assignments"
    )
    group = models.ForeignKey(SecurityGroup, on_delete=models.CASCADE, related_name="assignments")
    roles = models.ManyToManyField(AdminRole, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccessAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("access assignment")
        verbose_name_plural = _("access assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "group"], name="access_assignment_unique"
            ),
        ]

    def __str__(self):
        return f"{self.group} on {self.relationship}"


class RelationshipTemplateQuerySet(TenantQuerySet):
    pass


class RelationshipTemplate(models.Model):
    """A saved set of roles, duration and auto-extend to start a relationship from."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="relationship_templates"
    )
    name = models.CharField(_("name"), max_length=DISPLAY_NAME_MAX)
    roles = models.ManyToManyField(AdminRole, related_name="+", verbose_name=_("roles"))
    duration_days = models.PositiveSmallIntegerField(_("duration (days)"))
    auto_extend = models.BooleanField(_("auto-extend by 180 days"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RelationshipTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("relationship template")
        verbose_name_plural = _("relationship templates")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="relationship_template_name_unique"
            ),
        ]

    def __str__(self):
        return self.name
