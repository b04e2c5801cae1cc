import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.countries import country_choices
from portal.roles import Role
from portal.tenancy import TenantQuerySet

digits_only = RegexValidator(r"^[0-9]+$", _("Enter digits only."))
PARTNER_ID_REGEX = r"^[0-9]{1,20}$"


class OrganisationQuerySet(TenantQuerySet):
    def for_org(self, org):
        """The organisation itself and those it is or was partnered with.

        EXISTS, not IN: looking up one organisation probes its partnership
        instead of first reading all of a distributor's thousands.
        """
        if org is None:
            return self.none()
        if org.is_provider:
            partnered = Partnership.objects.filter(provider=org, reseller=OuterRef("pk"))
        else:
            partnered = Partnership.objects.filter(reseller=org, provider=OuterRef("pk"))
        return self.filter(Q(pk=org.pk) | Exists(partnered))

    def providers(self):
        return self.filter(kind=Organisation.Kind.PROVIDER)

    def resellers(self):
        return self.filter(kind=Organisation.Kind.RESELLER)

    def listed_in_directory(self):
        return self.providers().filter(directory_listed=True, status=Organisation.Status.ACTIVE)


class Organisation(models.Model):
    """A tenant: an indirect provider (distributor) or an indirect reseller."""

    class Kind(models.TextChoices):
        PROVIDER = "provider", _("Indirect provider")
        RESELLER = "reseller", _("Indirect reseller")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DEAUTHORISED = "deauthorised", _("Deauthorised")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    legal_name = models.CharField(_("legal name"), max_length=200)
    partner_id = models.CharField(
        _("global partner ID"), max_length=20, unique=True, validators=[digits_only]
    )
    contact_email = models.EmailField(_("contact email"))
    country = models.CharField(_("country"), max_length=2, choices=country_choices)
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.ACTIVE
    )
    agreement_accepted_at = models.DateTimeField(
        _("partner agreement accepted at"), null=True, blank=True
    )
    agreement_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The version of the agreement's text accepted (partners/agreement.py); blank before versions.
    agreement_version = models.CharField(
        _("partner agreement version"), max_length=20, blank=True, default=""
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Every member signs in with a second factor; new organisations start with it on.
    require_mfa = models.BooleanField(_("require MFA for all users"), default=True)

    # Directory profile (providers); edited by platform operators only.
    directory_listed = models.BooleanField(_("listed in the directory"), default=False)
    directory_name = models.CharField(_("directory name"), max_length=200, blank=True)
    directory_regions = models.CharField(_("regions"), max_length=300, blank=True)
    directory_website = models.URLField(_("website"), blank=True)
    directory_contact = models.CharField(_("directory contact"), max_length=200, blank=True)
    directory_description = models.TextField(_("description"), blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(partner_id__regex=PARTNER_ID_REGEX), name="org_partner_id_digits"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["provider", "reseller"]), name="org_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "deauthorised"]), name="org_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "legal_name"], name="org_kind_name_idx"),
            # A provider's partners in name order (the Indirect resellers page):
            # read from here, the first page stops after its 50 rows.
            models.Index(fields=["legal_name", "id"], name="org_name_idx"),
        ]

    def __str__(self):
        return self.legal_name

    @property
    def is_provider(self) -> bool:
        return self.kind == self.Kind.PROVIDER

    @property
    def is_reseller(self) -> bool:
        return self.kind == self.Kind.RESELLER

    @property
    def agreement_accepted(self) -> bool:
        return self.agreement_accepted_at is not None

    @property
    def display_name(self) -> str:
        return self.directory_name or self.legal_name


class PartnerLocationQuerySet(TenantQuerySet):
    tenant_field = "organisation"


class PartnerLocation(models.Model):
    """A location account of an organisation; its ID is the one credited on orders (MPN ID)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=200)
    location_partner_id = models.CharField(
        _("location partner ID"), max_length=20, unique=True, validators=[digits_only]
    )
    country = models.CharField(_("country"), max_length=2, choices=country_choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PartnerLocationQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__legal_name", "name"]
        verbose_name = _("partner location")
        verbose_name_plural = _("partner locations")
        constraints = [
            models.CheckConstraint(
                condition=Q(location_partner_id__regex=PARTNER_ID_REGEX),
                name="location_partner_id_digits",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.name} ({self.location_partner_id})"


class MembershipQuerySet(TenantQuerySet):
    tenant_field = "organisation"


class Membership(models.Model):
    """A user's place in exactly one organisation, with one role."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_user_org_unique"
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class PartnershipRequestQuerySet(TenantQuerySet):
    tenant_field = "provider"

    def pending(self):
        return self.filter(status=PartnershipRequest.Status.PENDING, expires_at__gt=timezone.now())


class PartnershipRequest(models.Model):
    """A provider's invitation to a reseller; the token is stored only as a hash."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="partnership_requests"
    )
    email = models.EmailField(_("recipient email"))
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    message = models.TextField(_("message"), max_length=10000)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_org = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # Off: only an account at the invited address's domain may accept the link.
    any_address = models.BooleanField(_("any address may accept"), default=False)

    objects = PartnershipRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partnership request")
        verbose_name_plural = _("partnership requests")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "email"],
                condition=Q(status="pending"),
                name="partnership_request_one_pending_per_email",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "expired", "revoked"]),
                name="partnership_request_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.provider} → {self.email}"

    @property
    def invited_domain(self) -> str:
        return self.email.rpartition("@")[2].lower()

    def accepts_email(self, email: str) -> bool:
        """Whether an account with ``email`` may accept this invite (binding to the domain)."""
        if self.any_address:
            return True
        return (email or "").strip().lower().rpartition("@")[2] == self.invited_domain

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.status == self.Status.PENDING and self.expires_at <= timezone.now()
        )

    @property
    def effective_status(self) -> str:
        return self.Status.EXPIRED if self.is_expired else self.status


class PartnershipQuerySet(TenantQuerySet):
    def for_org(self, org):
        """Partnerships in which ``org`` is the provider or the reseller (as its kind says).

        One side, not both: ``provider = org OR reseller = org`` is read with
        two index scans and misleads the planner's row estimates.
        """
        if org is None:
            return self.none()
        return self.filter(provider=org) if org.is_provider else self.filter(reseller=org)

    def active(self):
        return self.filter(status=Partnership.Status.ACTIVE)


class Partnership(models.Model):
    """A provider–reseller relationship; at most one active per pair."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="reseller_partnerships"
    )
    reseller = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="provider_partnerships"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    request = models.ForeignKey(
        PartnershipRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("partner since"), auto_now_add=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    # When the provider last reminded the reseller to accept the partner agreement.
    agreement_reminder_sent_at = models.DateTimeField(
        _("agreement reminder sent"), null=True, blank=True
    )

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "reseller"],
                condition=Q(status="active"),
                name="partnership_one_active_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "removed"]), name="partnership_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(provider=models.F("reseller")), name="partnership_distinct_orgs"
            ),
        ]
        indexes = [models.Index(fields=["provider", "status"], name="partnership_prov_status_idx")]

    def __str__(self):
        return f"{self.provider} ↔ {self.reseller}"


class HandoverQuerySet(TenantQuerySet):
    tenant_field = "provider"


class Handover(models.Model):
    """A partnership's removal with a decision per customer, run as a job, undoable for a while.

    Its uuid is the one of its job (the page of both); the undo, once asked
    for, is a second job.
    """

    uuid = models.UUIDField(unique=True, editable=False)
    provider = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    reseller = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="handovers")
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="handover")
    undo_job = models.OneToOneField(
        "jobs.Job",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="undone_handover",
    )
    # Off by default, as the partner centre sends no notice.
    notify = models.BooleanField(_("email the reseller and the customers"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HandoverQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partnership handover")
        verbose_name_plural = _("partnership handovers")
        indexes = [
            models.Index(fields=["provider", "partnership"], name="handover_provider_idx"),
        ]

    def __str__(self):
        return f"{self.provider} → {self.reseller}"
