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


class Term(models.TextChoices):
    """A subscription's term length, as ISO 8601 durations (the catalogue's notation)."""

    P1M = "P1M", _("1 month")
    P1Y = "P1Y", _("1 year")
    P3Y = "P3Y", _("3 years")


TERM_MONTHS = {Term.P1M: 1, Term.P1Y: 12, Term.P3Y: 36}


class BillingFrequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    ANNUAL = "annual", _("Annual")
    TRIENNIAL = "triennial", _("Triennial")


# The pairs the catalogue sells, in the order a choice lists them.
TERM_PAIRS = [
    ("P1M", "monthly"),
    ("P1Y", "monthly"),
    ("P1Y", "annual"),
    ("P3Y", "annual"),
    ("P3Y", "triennial"),
]


class OfferTerm(models.Model):
    """One (term, billing frequency) pair an offer is sold in, as the catalogue says."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(_("term"), max_length=3, choices=Term.choices)
    billing_frequency = models.CharField(
        _("billing frequency"), max_length=10, choices=BillingFrequency.choices
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["offer", "position", "id"]
        verbose_name = _("offer term")
        verbose_name_plural = _("offer terms")
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "term", "billing_frequency"], name="offer_term_unique"
            ),
            models.CheckConstraint(condition=Q(term__in=Term.values), name="offer_term_term_valid"),
            models.CheckConstraint(
                condition=Q(billing_frequency__in=BillingFrequency.values),
                name="offer_term_frequency_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_term_display()} · {self.get_billing_frequency_display()}"

    @property
    def value(self) -> str:
        """The pair as one form value, ``P1Y/monthly``."""
        return f"{self.term}/{self.billing_frequency}"


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
        EXPIRED = "expired", _("Expired")

    # No change is made to a subscription in these statuses.
    CLOSED_STATUSES = frozenset({Status.CANCELLED, Status.UPGRADED, Status.EXPIRED})

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
    term = models.CharField(_("term"), max_length=3, choices=Term.choices, default=Term.P1M)
    billing_frequency = models.CharField(
        _("billing frequency"),
        max_length=10,
        choices=BillingFrequency.choices,
        default=BillingFrequency.MONTHLY,
    )
    # The instant the current term began (purchase or renewal) and the instant it
    # ends (exclusive: midnight after its last day, see subscriptions.terms).
    term_start = models.DateTimeField(_("term start"))
    term_end = models.DateTimeField(_("term end"))
    auto_renew = models.BooleanField(_("auto-renew"), default=True)
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
                condition=Q(status__in=["active", "suspended", "cancelled", "upgraded", "expired"]),
                name="subscription_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(term_end__gt=F("term_start")), name="subscription_term_ordered"
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
            # The renewal job's and the reminders' scan: live subscriptions by term end.
            models.Index(
                fields=["term_end"],
                name="subscription_renewal_due_idx",
                condition=Q(status__in=["active", "suspended"]),
            ),
            models.Index(fields=["provider", "term_end"], name="subscription_provider_end_idx"),
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


class SeatAddition(models.Model):
    """Licences added at one time; they can be removed again until the window closes (168 h)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="seat_additions"
    )
    seats = models.PositiveIntegerField(_("licences added"))
    # How many of those seats were removed again inside the window.
    seats_removed = models.PositiveIntegerField(_("licences removed"), default=0)
    added_at = models.DateTimeField(_("added"))
    window_closes_at = models.DateTimeField(_("cancellation window closes"))

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("licence addition")
        verbose_name_plural = _("licence additions")
        constraints = [
            models.CheckConstraint(condition=Q(seats__gt=0), name="seat_addition_seats_positive"),
            models.CheckConstraint(
                condition=Q(seats_removed__lte=F("seats")), name="seat_addition_removed_le_seats"
            ),
        ]
        indexes = [
            models.Index(
                fields=["subscription", "window_closes_at"], name="seat_addition_window_idx"
            ),
            # The "cancellation window open" filter: the few additions still open.
            models.Index(fields=["window_closes_at"], name="seat_addition_closes_idx"),
        ]

    def __str__(self):
        return f"+{self.seats} @ {self.added_at:%Y-%m-%d %H:%M}"

    @property
    def seats_open(self) -> int:
        return self.seats - self.seats_removed


class ScheduledChangeQuerySet(TenantQuerySet):
    def for_org(self, org):
        if org is None:
            return self.none()
        return self.filter(subscription__in=Subscription.objects.for_org(org))

    def pending(self):
        return self.filter(status=ScheduledChange.Status.PENDING)


class ScheduledChange(models.Model):
    """What changes at the next renewal: licence count, term, billing frequency or offer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPLIED = "applied", _("Applied at renewal")
        CANCELLED = "cancelled", _("Cancelled")
        DISCARDED = "discarded", _("Discarded by a licence change")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="scheduled_changes"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    quantity = models.PositiveIntegerField(_("licences"))
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    term = models.CharField(_("term"), max_length=3, choices=Term.choices)
    billing_frequency = models.CharField(
        _("billing frequency"), max_length=10, choices=BillingFrequency.choices
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScheduledChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("scheduled change")
        verbose_name_plural = _("scheduled changes")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(status="pending"),
                name="scheduled_change_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="scheduled_change_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.offer_id} × {self.quantity} {self.term}/{self.billing_frequency}"


class RenewalReminder(models.Model):
    """A reminder sent for one term end, so each (30 or 7 days before) goes out once."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="renewal_reminders"
    )
    term_end = models.DateTimeField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("renewal reminder")
        verbose_name_plural = _("renewal reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "term_end", "days_before"],
                name="renewal_reminder_once",
            ),
        ]

    def __str__(self):
        return f"{self.days_before} days before {self.term_end:%Y-%m-%d}"
