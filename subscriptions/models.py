import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.tenancy import TenantQuerySet


class Offer(models.Model):
    """A catalogue offer; ordered quantities must stay within its licence bounds."""

    class BillingTerm(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        ANNUAL = "annual", _("Annual")

    class Kind(models.TextChoices):
        SEATS = "seats", _("Seat-based licences")
        AZURE_PLAN = "azure_plan", _("Azure plan")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SEATS)
    min_licences = models.PositiveIntegerField(_("minimum licences"), default=1)
    max_licences = models.PositiveIntegerField(_("maximum licences"), default=300)
    billing_term = models.CharField(
        _("billing term"), max_length=10, choices=BillingTerm.choices, default=BillingTerm.MONTHLY
    )
    is_active = models.BooleanField(_("active"), default=True)
    upgrades_to = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="upgrades_from",
        verbose_name=_("upgrades to"),
        help_text=_("The offers a subscription of this offer can be upgraded to."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_licences__gte=1), name="offer_min_licences_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_licences__gte=F("min_licences")), name="offer_bounds_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.sku})"


class OrderQuerySet(TenantQuerySet):
    tenant_field = "provider"


class Order(models.Model):
    """A provider's order for a customer; the idempotency key makes a double submit one order."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="orders"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders"
    )
    idempotency_key = models.UUIDField(unique=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self):
        return f"Order {self.uuid} for {self.customer}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    reseller = models.ForeignKey(
        "partners.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.offer}"


class SubscriptionQuerySet(TenantQuerySet):
    def for_org(self, org):
        """A provider sees its customers' subscriptions; a reseller those of the customers it sees."""
        if org is None:
            return self.none()
        if org.is_provider:
            return self.filter(provider=org)
        from customers.models import Customer

        return self.filter(customer_id__in=Customer.objects.for_org(org).values("pk"))


class Subscription(models.Model):
    """A customer's licences of one offer, credited to a reseller location for incentives."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")
        UPGRADED = "upgraded", _("Upgraded")

    # No change is made to a subscription in these statuses.
    CLOSED_STATUSES = frozenset({Status.CANCELLED, Status.UPGRADED})

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="subscriptions"
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="subscriptions")
    order_line = models.ForeignKey(
        OrderLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("licences"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    reseller_location = models.ForeignKey(
        "partners.PartnerLocation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credited_subscriptions",
        verbose_name=_("Reseller (MPN ID)"),
    )
    support_contact = models.ForeignKey(
        "partners.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supported_subscriptions",
        verbose_name=_("Designated support contact"),
    )
    # An upgrade ends this subscription and names the one that replaced it;
    # a subscription is replaced at most once, hence one-to-one.
    upgraded_to = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="upgraded_from",
        verbose_name=_("upgraded to"),
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="subscription_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "cancelled", "upgraded"]),
                name="subscription_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="upgraded") | Q(upgraded_to__isnull=True),
                name="subscription_successor_only_when_upgraded",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "-created_at"], name="subscription_provider_idx"),
            models.Index(fields=["customer", "status"], name="subscription_customer_idx"),
            models.Index(fields=["support_contact", "status"], name="subscription_support_idx"),
        ]

    def __str__(self):
        return f"{self.offer.name} × {self.quantity}"


class SubscriptionChangeQuerySet(TenantQuerySet):
    def for_org(self, org):
        if org is None:
            return self.none()
        return self.filter(subscription__in=Subscription.objects.for_org(org))


class SubscriptionChange(models.Model):
    """One entry of a subscription's history: who changed which field, from what, to what."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(_("field"), max_length=50)
    before = models.CharField(_("from"), max_length=250, blank=True)
    after = models.CharField(_("to"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = SubscriptionChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscription change")
        verbose_name_plural = _("subscription changes")

    def __str__(self):
        return f"{self.field}: {self.before} → {self.after}"
