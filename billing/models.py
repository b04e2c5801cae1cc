"""Currencies, price lists, tiers, per-reseller prices, charges and monthly statements."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.money import CURRENCY_CHOICES
from portal.errors import ServiceError
from portal.tenancy import TenantQuerySet
from subscriptions.models import BillingFrequency, Term

MONEY = {"max_digits": 18, "decimal_places": 3}


class StatementClosed(ServiceError):
    """A change to a closed statement (a correction goes into the next month)."""

    status = 409


class ProviderQuerySet(TenantQuerySet):
    tenant_field = "provider"


class ProviderCurrency(models.Model):
    """The currency a provider bills in (ISO 4217); every amount of it is in this currency."""

    provider = models.OneToOneField(
        "partners.Organisation", on_delete=models.CASCADE, related_name="billing_currency"
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("provider currency")
        verbose_name_plural = _("provider currencies")

    def __str__(self):
        return f"{self.provider} · {self.currency}"


class PriceListEntry(models.Model):
    """One price of an offer in a term and billing frequency, from a date on.

    Never edited once effective: a change is a new entry with a later date.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    offer = models.ForeignKey("subscriptions.Offer", on_delete=models.PROTECT, related_name="+")
    term = models.CharField(_("term"), max_length=3, choices=Term.choices)
    billing_frequency = models.CharField(
        _("billing frequency"), max_length=10, choices=BillingFrequency.choices
    )
    cost = models.DecimalField(_("cost"), **MONEY)
    reseller_price = models.DecimalField(_("reseller price"), **MONEY)
    retail_price = models.DecimalField(_("suggested retail price"), **MONEY)
    effective_from = models.DateField(_("effective from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["offer__name", "term", "billing_frequency", "-effective_from"]
        verbose_name = _("price list entry")
        verbose_name_plural = _("price list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "offer", "term", "billing_frequency", "effective_from"],
                name="price_entry_one_per_day",
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0) & Q(reseller_price__gte=0) & Q(retail_price__gte=0),
                name="price_entry_not_negative",
            ),
        ]
        indexes = [
            models.Index(
                fields=["provider", "offer", "term", "billing_frequency", "-effective_from"],
                name="price_entry_lookup_idx",
            )
        ]

    def __str__(self):
        return f"{self.offer_id} {self.term}/{self.billing_frequency} from {self.effective_from}"


class Tier(models.Model):
    """A provider's reseller tier (Gold, Silver): a percentage off the reseller price."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    percent_off = models.DecimalField(_("percentage off"), max_digits=5, decimal_places=2)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="tier_name_unique"),
            models.CheckConstraint(
                condition=Q(percent_off__gte=0) & Q(percent_off__lte=100),
                name="tier_percent_range",
            ),
        ]

    def __str__(self):
        return self.name


class TierPrice(models.Model):
    """A tier's fixed price for one offer (any term), from a date on."""

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="prices")
    offer = models.ForeignKey("subscriptions.Offer", on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(_("price"), **MONEY)
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tier price")
        verbose_name_plural = _("tier prices")
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "offer", "effective_from"], name="tier_price_one_per_day"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="tier_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.tier} · {self.offer_id} · {self.price}"


class PartnershipTier(models.Model):
    """The tier of a provider's reseller (one per pair)."""

    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    reseller = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="members")

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reseller tier")
        verbose_name_plural = _("reseller tiers")
        constraints = [
            models.UniqueConstraint(fields=["provider", "reseller"], name="partnership_tier_unique")
        ]

    def __str__(self):
        return f"{self.reseller} · {self.tier}"


class ResellerPrice(models.Model):
    """One reseller's own price for an offer (any term), from a date on."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reseller = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    offer = models.ForeignKey("subscriptions.Offer", on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(_("price"), **MONEY)
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reseller price")
        verbose_name_plural = _("reseller prices")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "reseller", "offer", "effective_from"],
                name="reseller_price_one_per_day",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="reseller_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.reseller} · {self.offer_id} · {self.price}"


class ChargeQuerySet(TenantQuerySet):
    def for_org(self, org):
        """A provider's charges; a reseller only the charges credited to it."""
        if org is None:
            return self.none()
        return self.filter(provider=org) if org.is_provider else self.filter(reseller=org)


class Charge(models.Model):
    """Money moving on a subscription: a line of the month's statement, written once."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        PERIOD = "period", _("Billing period")
        SEATS_ADDED = "seats_added", _("Licences added")
        SEATS_REMOVED = "seats_removed", _("Licences removed (credit)")
        CANCELLED = "cancelled", _("Cancellation (credit)")
        RENEWAL = "renewal", _("Renewal")
        ADJUSTMENT = "adjustment", _("Adjustment")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    subscription = models.ForeignKey(
        "subscriptions.Subscription", on_delete=models.PROTECT, related_name="charges"
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    reseller = models.ForeignKey(
        "partners.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location_mpn_id = models.CharField(_("Reseller (MPN ID)"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    offer = models.ForeignKey("subscriptions.Offer", on_delete=models.PROTECT, related_name="+")
    term = models.CharField(_("term"), max_length=3, choices=Term.choices)
    billing_frequency = models.CharField(
        _("billing frequency"), max_length=10, choices=BillingFrequency.choices
    )
    quantity = models.IntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    unit_cost = models.DecimalField(_("unit cost"), **MONEY)
    days = models.PositiveIntegerField(_("days"))
    period_days = models.PositiveIntegerField(_("days in the period"))
    amount = models.DecimalField(_("amount"), **MONEY)
    cost = models.DecimalField(_("cost"), **MONEY)
    margin = models.DecimalField(_("margin"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    charged_on = models.DateField(_("date"))
    # The statement it is a line of: its own month's, or the next open one when
    # that month had closed (an adjustment).
    statement = models.ForeignKey("Statement", on_delete=models.PROTECT, related_name="charges")
    month = models.DateField(_("month"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["charged_on", "id"]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        constraints = [
            # A billing period's or a renewal's charge is written once, however often the job runs.
            models.UniqueConstraint(
                fields=["subscription", "kind", "charged_on"],
                condition=Q(kind__in=["period", "renewal"]),
                name="charge_once_per_period",
            )
        ]
        indexes = [
            models.Index(fields=["statement", "charged_on", "id"], name="charge_statement_idx"),
            models.Index(fields=["subscription", "charged_on"], name="charge_subscription_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        # A charge is written once; its statement must still be open.
        if (
            self.pk is not None
            or Statement.objects.filter(
                pk=self.statement_id, status=Statement.Status.CLOSED
            ).exists()
        ):
            raise StatementClosed(_("This statement is closed: it cannot change."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise StatementClosed(_("A charge is never deleted: correct it with an adjustment."))


class StatementQuerySet(TenantQuerySet):
    def for_org(self, org):
        """A provider's statements (every reseller's and its direct customers'); a reseller its own."""
        if org is None:
            return self.none()
        return self.filter(provider=org) if org.is_provider else self.filter(reseller=org)


class Statement(models.Model):
    """One month of one reseller's charges with a provider (reseller empty: the provider's
    direct customers). Open while the month runs; closed by the job, then never changed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reseller = models.ForeignKey(
        "partners.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=6, choices=Status.choices, default=Status.OPEN
    )
    # Set when closed; an open statement is summed from its charges.
    lines = models.PositiveIntegerField(_("lines"), default=0)
    total = models.DecimalField(_("total"), default=0, **MONEY)
    cost = models.DecimalField(_("cost"), default=0, **MONEY)
    margin = models.DecimalField(_("margin"), default=0, **MONEY)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "id"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "reseller", "month"],
                condition=Q(reseller__isnull=False),
                name="statement_one_per_reseller_month",
            ),
            models.UniqueConstraint(
                fields=["provider", "month"],
                condition=Q(reseller__isnull=True),
                name="statement_one_direct_month",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]), name="statement_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "-month", "id"], name="statement_provider_month_idx"),
            models.Index(fields=["reseller", "-month", "id"], name="statement_reseller_month_idx"),
            models.Index(fields=["month", "status", "id"], name="statement_month_status_idx"),
        ]

    def __str__(self):
        return f"{self.reseller or '-'} {self.month:%Y-%m}"

    def save(self, *args, **kwargs):
        if getattr(self, "_loaded_status", None) == self.Status.CLOSED:
            raise StatementClosed(_("This statement is closed: it cannot change."))
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def delete(self, *args, **kwargs):
        raise StatementClosed(_("A statement is never deleted."))

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED
