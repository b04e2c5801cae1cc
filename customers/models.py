import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.countries import country_choices
from portal.tenancy import TenantQuerySet


def live_relationships(org):
    """The live admin relationships of ``org``, one per outer customer (for EXISTS)."""
    from relationships.models import AdminRelationship

    return AdminRelationship.objects.live().filter(partner=org, customer=OuterRef("pk"))


DOMAIN_PREFIX_REGEX = r"^[a-z0-9][a-z0-9-]{1,25}[a-z0-9]$"


class CustomerQuerySet(TenantQuerySet):
    def for_org(self, org):
        """A provider sees the customers it owns; a reseller those associated with it, and
        those it holds a live admin relationship on."""
        if org is None:
            return self.none()
        if org.is_provider:
            return self.filter(provider=org)
        return self.filter(Q(reseller=org) | Exists(live_relationships(org)))


class Customer(models.Model):
    """A company served by a provider, optionally through an associated reseller."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="customers"
    )
    reseller = models.ForeignKey(
        "partners.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="associated_customers",
        verbose_name=_("indirect reseller"),
    )
    company_name = models.CharField(_("company name"), max_length=200)
    primary_domain = models.CharField(_("primary domain"), max_length=100, unique=True)
    street = models.CharField(_("street"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=20)
    country = models.CharField(_("country"), max_length=2, choices=country_choices)
    contact_first_name = models.CharField(_("first name"), max_length=100)
    contact_last_name = models.CharField(_("last name"), max_length=100)
    contact_email = models.EmailField(_("email"))
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    admin_username = models.CharField(_("admin user name"), max_length=150, blank=True)
    # Only a hash of the one-time temporary password is kept.
    admin_password_hash = models.CharField(max_length=200, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["company_name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(provider=models.F("reseller")), name="customer_reseller_not_provider"
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "company_name"], name="customer_provider_name_idx"),
            # (provider, reseller, company_name, id): customers/migrations/0005.
        ]

    def __str__(self):
        return self.company_name


class TenantOwnerGrantQuerySet(TenantQuerySet):
    def for_org(self, org):
        """Grants on customers visible to ``org``."""
        if org is None:
            return self.none()
        return self.filter(customer__in=Customer.objects.for_org(org))

    def active(self):
        return self.filter(revoked_at__isnull=True)


class TenantOwnerGrant(models.Model):
    """Tenant-owner rights of an organisation on a customer's Azure tenant.

    A revoked grant stays as a record of who held the rights and who took them away.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="tenant_owner_grants"
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="tenant_owner_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = TenantOwnerGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("tenant owner grant")
        verbose_name_plural = _("tenant owner grants")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "organisation"],
                condition=Q(revoked_at__isnull=True),
                name="tenant_owner_one_active",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "customer"], name="tenant_owner_org_idx"),
        ]

    def __str__(self):
        return f"{self.organisation} owns the Azure tenant of {self.customer}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SetupInformation(models.Model):
    """A new customer's temporary admin password, waiting to be shown once to whoever added it.

    Written in the transaction that creates the customer, encrypted
    (portal.sealing), taken (read and deleted) by the setup page, and useless
    after ``expires_at``. Never kept in the session: two requests of one
    session cannot overwrite it, and the session row never holds it in clear.
    """

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="setup_information"
    )
    shown_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sealed_password = models.TextField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="setup_information_expiry_idx")]

    def __str__(self):
        return f"{self.customer} (until {self.expires_at:%Y-%m-%d %H:%M})"


class ResellerRelationshipRequestQuerySet(TenantQuerySet):
    def for_org(self, org):
        """A provider sees the requests made for it; a reseller those naming it."""
        if org is None:
            return self.none()
        if org.is_provider:
            return self.filter(provider=org)
        return self.filter(reseller=org)


class ResellerRelationshipRequest(models.Model):
    """An invitation to a company with a tenant elsewhere to join a provider through a reseller.

    Made by the provider or by the reseller; the link's token is stored only as
    a hash. Accepting creates the customer (with its own domain and admin).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    reseller = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("indirect reseller"),
    )
    # Whose staff made it: the provider or the reseller.
    requested_by_org = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    company_name = models.CharField(_("company name"), max_length=200)
    primary_domain = models.CharField(_("primary domain"), max_length=100)
    contact_first_name = models.CharField(_("first name"), max_length=100)
    contact_last_name = models.CharField(_("last name"), max_length=100)
    contact_email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=10, default="en")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ResellerRelationshipRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reseller relationship request")
        verbose_name_plural = _("reseller relationship requests")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "primary_domain"],
                condition=Q(status="pending"),
                name="rr_request_one_pending_per_domain",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "expired", "revoked"]),
                name="rr_request_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(provider=models.F("reseller")), name="rr_request_distinct_orgs"
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "-created_at", "-id"], name="rr_request_provider_idx"),
            models.Index(fields=["reseller", "-created_at", "-id"], name="rr_request_reseller_idx"),
        ]

    def __str__(self):
        return f"{self.company_name} ({self.primary_domain})"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.status == self.Status.PENDING and self.expires_at <= timezone.now()
        )

    @property
    def effective_status(self) -> str:
        return self.Status.EXPIRED if self.is_expired else self.status
