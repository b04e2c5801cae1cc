"""Reads on subscriptions, always for one organisation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partners.models import Membership, Organisation, PartnerLocation, Partnership
from portal.emails import recipient_language
from portal.listing import ListSort, SortColumn
from portal.roles import Role
from portal.search import matching
from portal.tables import date_formatter
from portal.tenancy import get_for_org
from subscriptions import terms
from subscriptions.models import (
    TERM_PAIRS,
    Offer,
    OfferTerm,
    ScheduledChange,
    SeatAddition,
    Subscription,
    SubscriptionChange,
)

# Columns of the CSV export, in order, as (header, values_list path).
EXPORT_COLUMNS = [
    (gettext_lazy("Customer"), "customer__company_name"),
    (gettext_lazy("Domain"), "customer__primary_domain"),
    (gettext_lazy("Offer"), "offer__name"),
    (gettext_lazy("Licences"), "quantity"),
    (gettext_lazy("Status"), "status"),
    (gettext_lazy("Reseller partner ID (location)"), "reseller_location__location_partner_id"),
    (gettext_lazy("Designated support contact"), "support_contact__legal_name"),
    (gettext_lazy("Term"), "term"),
    (gettext_lazy("Billing frequency"), "billing_frequency"),
    (gettext_lazy("Term start"), "term_start"),
    (gettext_lazy("Term end"), "term_end"),
    (gettext_lazy("Auto-renew"), "auto_renew"),
]

# The Subscriptions list's renewal filter: value -> label.
RENEWAL_FILTERS = {
    "renews_30": gettext_lazy("Renews in the next 30 days"),
    "auto_renew_off": gettext_lazy("Auto-renew off"),
    "window_open": gettext_lazy("Cancellation window open"),
}
LIVE_STATUSES = (Subscription.Status.ACTIVE, Subscription.Status.SUSPENDED)


def with_renewal_filter(subscriptions: QuerySet, renewal: str, *, now=None) -> QuerySet:
    """``subscriptions`` narrowed by one of RENEWAL_FILTERS (anything else: unchanged)."""
    if renewal not in RENEWAL_FILTERS:
        return subscriptions
    now = now or timezone.now()
    live = subscriptions.filter(status__in=LIVE_STATUSES)
    if renewal == "renews_30":
        return live.filter(auto_renew=True, term_end__lte=now + timedelta(days=30))
    if renewal == "auto_renew_off":
        return live.filter(auto_renew=False)
    open_additions = SeatAddition.objects.filter(
        window_closes_at__gt=now, seats_removed__lt=F("seats")
    ).values("subscription_id")
    return live.filter(Q(pk__in=open_additions) | Q(term_start__gt=now - terms.CANCELLATION_WINDOW))


def subscription_list(
    *, org, q: str = "", reseller: str = "", status: str = "", renewal: str = ""
) -> QuerySet[Subscription]:
    """The org's subscriptions, searched by customer, domain or offer, filtered by reseller,
    status and renewal."""
    subscriptions = with_renewal_filter(Subscription.objects.for_org(org), renewal)
    if q:
        subscriptions = subscriptions.filter(
            matching(q, "customer__company_name", "customer__primary_domain", "offer__name")
        )
    if reseller:
        subscriptions = subscriptions.filter(reseller_location__organisation__uuid=reseller)
    if status:
        subscriptions = subscriptions.filter(status=status)
    return subscriptions


# The subscription tables' orders, each an index's on PostgreSQL for a provider's list
# and a reseller's support queue: by date created (subscriptions/0003_list_indexes,
# read in either direction) and by term end, the renewal date (0007_sort_indexes).
SUBSCRIPTION_SORT = ListSort(
    SortColumn("created", ("created_at", "id"), descending_first=True),
    SortColumn("renewal", ("term_end", "id")),
    default="-created",
)


def subscription_order(
    subscriptions: QuerySet[Subscription], sort: str = "-created"
) -> QuerySet[Subscription]:
    """``subscriptions`` in the order ``sort`` (SUBSCRIPTION_SORT; newest first by default)."""
    return subscriptions.order_by(*SUBSCRIPTION_SORT.order_by(sort))


def subscription_rows(*, org, keys) -> QuerySet:
    """What the rows of one page of a subscription table show, in one query.

    Plain dicts of what a row shows: the template reads each at its first try
    (a model makes it fail a dictionary lookup first), no model is built, and
    the provider is joined only for a reseller, the one who sees its name.
    """
    fields = {
        "customer_uuid": F("customer__uuid"),
        "company_name": F("customer__company_name"),
        "primary_domain": F("customer__primary_domain"),
        "offer_name": F("offer__name"),
        "location_partner_id": F("reseller_location__location_partner_id"),
        "location_name": F("reseller_location__organisation__legal_name"),
        "support_contact_name": F("support_contact__legal_name"),
        "has_change": Exists(ScheduledChange.objects.pending().filter(subscription=OuterRef("pk"))),
    }
    if org.is_reseller:
        fields["provider_name"] = F("provider__legal_name")
    return (
        Subscription.objects.for_org(org)
        .filter(pk__in=keys)
        .values(
            "id", "uuid", "quantity", "status", "created_at", "term_end", "auto_renew", **fields
        )
    )


STATUS_LABELS = dict(Subscription.Status.choices)


def with_status_labels(rows: list[dict], *, renewals: bool = True) -> list[dict]:
    """``rows`` with each one's status and renewal as the viewer reads them
    (``status_label``; with ``renewals``, ``renewal_label`` and ``renewal_date``, which
    read the rows' ``auto_renew``, ``term_end`` and ``has_change``)."""
    statuses = {status: str(label) for status, label in STATUS_LABELS.items()}
    label = renewal_labeller()
    for row in rows:
        row["status_label"] = statuses[row["status"]]
        if not renewals:
            continue
        row["renewal_label"] = label(
            status=row["status"],
            auto_renew=row["auto_renew"],
            term_end=row["term_end"],
            has_change=row["has_change"],
        )
        row["renewal_date"] = (
            terms.term_last_date(row["term_end"]) if row["status"] in LIVE_STATUSES else None
        )
    return rows


def renewal_label(*, status: str, auto_renew: bool, term_end, has_change: bool) -> str:
    """ "Renews on <date>", "Renews with changes on <date>" or "Ends on <date>" (empty when
    the subscription has ended)."""
    return renewal_labeller()(
        status=status, auto_renew=auto_renew, term_end=term_end, has_change=has_change
    )


def renewal_labeller() -> Callable[..., str]:
    """renewal_label for the rows of a table: the texts and the date's format looked up
    once, not per row (a translation and a format lookup per row were 0.9 ms a page)."""
    ends = _("Ends on %(date)s")
    changes = _("Renews with changes on %(date)s")
    renews = _("Renews on %(date)s")
    date = date_formatter("DATE_FORMAT")

    def label(*, status: str, auto_renew: bool, term_end, has_change: bool) -> str:
        if status not in LIVE_STATUSES:
            return ""
        text = ends if not auto_renew else changes if has_change else renews
        return text % {"date": date(terms.term_last_date(term_end))}

    return label


def with_renewal_labels(subscriptions: QuerySet[Subscription]) -> list[Subscription]:
    """``subscriptions`` read, each with its ``renewal_label`` (one query)."""
    rows = list(
        subscriptions.annotate(
            has_change=Exists(ScheduledChange.objects.pending().filter(subscription=OuterRef("pk")))
        )
    )
    label = renewal_labeller()
    for sub in rows:
        sub.renewal_label = label(
            status=sub.status,
            auto_renew=sub.auto_renew,
            term_end=sub.term_end,
            has_change=sub.has_change,
        )
    return rows


def pending_change(*, subscription: Subscription) -> ScheduledChange | None:
    """The change scheduled for the subscription's next term, if any."""
    return (
        ScheduledChange.objects.pending()
        .filter(subscription=subscription)
        .select_related("offer")
        .first()
    )


def open_windows(*, subscription: Subscription, now=None) -> list[SeatAddition]:
    """The seat additions whose cancellation window is still open, soonest to close first."""
    now = now or timezone.now()
    return [
        addition
        for addition in subscription.seat_additions.filter(window_closes_at__gt=now).order_by(
            "window_closes_at", "id"
        )
        if addition.seats_open
    ]


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str


def reminder_recipients(*, subscriptions: list[Subscription]) -> dict[int, list[Recipient]]:
    """Who gets a renewal reminder, per subscription: the Global admins of the provider and of
    the subscription's reseller (its support contact, else the customer's reseller)."""
    org_of = {}
    for sub in subscriptions:
        reseller_id = (
            sub.support_contact_id
            if sub.support_contact_id and sub.support_contact_id != sub.provider_id
            else sub.customer.reseller_id
        )
        org_of[sub.pk] = [sub.provider_id, *([reseller_id] if reseller_id else [])]
    wanted = {org_id for ids in org_of.values() for org_id in ids}
    admins: dict[int, list[Recipient]] = {}
    for org_id, email, language, country in (
        Membership.objects.filter(
            organisation__in=wanted, role=Role.GLOBAL_ADMIN, user__is_active=True
        )
        .order_by("user__email")
        .values_list("organisation_id", "user__email", "user__language", "organisation__country")
    ):
        admins.setdefault(org_id, []).append(
            Recipient(email, recipient_language(language, country))
        )
    return {
        sub_pk: [person for org_id in ids for person in admins.get(org_id, [])]
        for sub_pk, ids in org_of.items()
    }


def support_queue(*, org, q: str = "") -> QuerySet[Subscription]:
    """The subscriptions naming ``org`` as designated support contact, across providers."""
    return subscription_list(org=org, q=q).filter(support_contact=org)


def export_query(
    *, org, reseller: str = "", status: str = "", q: str = "", renewal: str = ""
) -> tuple[QuerySet[Subscription], list]:
    """The provider's subscriptions to export, in the order of their keys, and the
    export's cells (EXPORT_COLUMNS' paths and expressions) for ``query_csv_response``.

    Each cell comes out of the database as written: the term's first and last day
    as dates in the portal's zone, auto-renew as on/off. Converting a
    distributor's 250,000 rows in Python (two zoned timestamps a row) took
    longer than reading them.
    """
    subscriptions = subscription_list(
        org=org, q=q, reseller=reseller, status=status, renewal=renewal
    )
    zone = terms.term_zone()
    computed = {
        # As text (ISO dates): read as they are written, without a converter per cell.
        "term_start": Cast(TruncDate("term_start", tzinfo=zone), CharField()),
        # The last day of the term: its end is the first instant after it.
        "term_end": Cast(
            TruncDate(
                ExpressionWrapper(
                    F("term_end") - Value(timedelta(microseconds=1)),
                    output_field=DateTimeField(),
                ),
                tzinfo=zone,
            ),
            CharField(),
        ),
        "auto_renew": Case(
            When(auto_renew=True, then=Value("on")), default=Value("off"), output_field=CharField()
        ),
    }
    return subscriptions.order_by("pk"), [
        computed.get(path, path) for _header, path in EXPORT_COLUMNS
    ]


def subscription_for_detail(*, org, subscription_id) -> Subscription:
    """One subscription visible to ``org``, or 404."""
    queryset = Subscription.objects.select_related(
        "customer__reseller",
        "offer",
        "provider",
        "reseller_location__organisation",
        "support_contact",
        "upgraded_to__offer",
        "upgraded_from__offer",
    )
    return get_for_org(queryset, org, uuid=subscription_id)


def subscription_history(*, org, subscription: Subscription) -> QuerySet[dict]:
    """The subscription's changes, newest first, as rows with who made them (``actor__``
    names and email, None when no one did): rows, not objects, for the page's 20."""
    return (
        SubscriptionChange.objects.for_org(org)
        .filter(subscription=subscription)
        .values(
            "created_at",
            "field",
            "before",
            "after",
            "actor__first_name",
            "actor__last_name",
            "actor__email",
        )
    )


def upgrade_targets(*, offer: Offer) -> QuerySet[Offer]:
    """The orderable offers a subscription of ``offer`` can be upgraded to."""
    return offer.upgrades_to.filter(is_active=True).order_by("name")


@dataclass(frozen=True)
class ChangeOffers:
    """The offers of the details page's two offer fields, by name."""

    scheduled: list[Offer]  # the subscription's offer and its upgrade targets
    upgrades: list[Offer]  # its upgrade targets (upgrade_targets)


def change_offers(*, offer: Offer) -> ChangeOffers:
    """The offers a change scheduled for a subscription of ``offer`` can name and those it can
    be upgraded to, in one query (the page read them in four)."""
    rows = (
        Offer.objects.annotate(
            is_target=Exists(
                Offer.upgrades_to.through.objects.filter(from_offer=offer, to_offer=OuterRef("pk"))
            )
        )
        .filter(Q(pk=offer.pk) | Q(is_target=True, is_active=True))
        .order_by("name", "pk")
    )
    scheduled = list(rows)
    return ChangeOffers(
        scheduled=scheduled,
        upgrades=[row for row in scheduled if row.is_target and row.is_active],
    )


def term_label(value: str, *, offer: Offer) -> str:
    """A term pair value (``P1Y/annual``; empty: the offer's first) as the viewer reads it."""
    choices = dict(term_choices(offer))
    return str(choices.get(value) or next(iter(choices.values())))


def term_choices(offer: Offer | None = None, *, blank: bool = False) -> list[tuple[str, str]]:
    """The (value, label) of the (term, billing frequency) pairs of ``offer``, or of the
    catalogue's pairs when no offer is chosen yet; ``blank``: first "the offer's first pair"."""
    pairs = list(offer.terms.all()) if offer is not None else []
    if offer is not None and not pairs:
        pairs = [OfferTerm(term="P1M", billing_frequency="monthly")]
    if offer is None:
        pairs = [OfferTerm(term=t, billing_frequency=f) for t, f in TERM_PAIRS]
    choices = [(pair.value, str(pair)) for pair in pairs]
    if blank:
        choices.insert(0, ("", _("The offer's first (as the catalogue lists it)")))
    return choices


def orderable_offers() -> QuerySet[Offer]:
    """The catalogue offers that can be ordered."""
    return Offer.objects.filter(is_active=True)


def creditable_resellers(*, provider) -> QuerySet[Organisation]:
    """Resellers the provider may credit: actively partnered, authorised, agreement accepted."""
    active_partnership = Partnership.objects.active().filter(
        provider=provider, reseller=OuterRef("pk")
    )
    return (
        Organisation.objects.for_org(provider)
        .resellers()
        .filter(
            Exists(active_partnership),
            status=Organisation.Status.ACTIVE,
            agreement_accepted_at__isnull=False,
        )
    )


def creditable_locations(*, provider) -> QuerySet[PartnerLocation]:
    """The location accounts of the resellers the provider may credit."""
    return PartnerLocation.objects.filter(
        organisation__in=creditable_resellers(provider=provider)
    ).select_related("organisation")


LOCATION_MATCHES = 20


def creditable_location_matches(*, provider, typed: str) -> tuple[list[PartnerLocation], bool]:
    """The first LOCATION_MATCHES creditable locations whose ID starts with ``typed`` (digits)
    or whose reseller's name contains it, and whether there are more.

    A distributor credits thousands of locations: the Reseller (MPN ID) field
    looks them up as typed instead of carrying them all in the page.
    """
    value = typed.strip()
    if not value:
        return [], False
    locations = creditable_locations(provider=provider)
    if value.isascii() and value.isdigit():
        locations = locations.filter(location_partner_id__startswith=value)
    else:
        locations = locations.filter(
            Q(organisation__legal_name__icontains=value) | Q(name__icontains=value)
        )
    found = list(
        locations.order_by("organisation__legal_name", "name", "pk")[: LOCATION_MATCHES + 1]
    )
    return found[:LOCATION_MATCHES], len(found) > LOCATION_MATCHES


def support_contact_choices(*, subscription: Subscription) -> QuerySet[Organisation]:
    """The provider and, if any, the customer's associated reseller."""
    ids = [subscription.provider_id, subscription.customer.reseller_id]
    return Organisation.objects.for_org(subscription.provider).filter(
        pk__in=[pk for pk in ids if pk is not None]
    )


def support_contacts(*, subscription: Subscription) -> list[Organisation]:
    """``support_contact_choices`` from the organisations ``subscription_for_detail`` read:
    the customer's associated reseller is a partner of the provider (customers.services)."""
    contacts = {subscription.provider, subscription.customer.reseller} - {None}
    return sorted(contacts, key=lambda org: org.legal_name)


def reseller_location_check(*, provider, location_partner_id: str) -> PartnerLocation:
    """The location to credit for a typed ID, or a ValidationError naming what is wrong.

    Location and global partner IDs are the programme's public identifiers, so
    this looks them up across all organisations; what it reveals about a
    reseller that is not a partner is only that the ID cannot be used.
    """
    found = reseller_locations_check(provider=provider, location_partner_ids=[location_partner_id])
    answer = found[location_partner_id]
    if isinstance(answer, ValidationError):
        raise answer
    return answer


def reseller_locations_check(
    *, provider, location_partner_ids
) -> dict[str, PartnerLocation | ValidationError]:
    """``reseller_location_check`` of many typed IDs (an import's) in three queries."""
    values = {typed: typed.strip() for typed in location_partner_ids}
    digits = {v for v in values.values() if v.isascii() and v.isdigit()}
    locations: dict[str, PartnerLocation] = {}
    for location in (
        PartnerLocation.objects.filter(location_partner_id__in=digits)
        .select_related("organisation")
        .order_by("pk")
    ):
        locations.setdefault(location.location_partner_id, location)
    global_ids = set(
        Organisation.objects.filter(partner_id__in=digits - locations.keys()).values_list(
            "partner_id", flat=True
        )
    )
    partnerships: dict[int, set[str]] = {}
    for reseller_id, status in Partnership.objects.filter(
        provider=provider, reseller__in={loc.organisation_id for loc in locations.values()}
    ).values_list("reseller_id", "status"):
        partnerships.setdefault(reseller_id, set()).add(status)
    answers: dict[str, PartnerLocation | ValidationError] = {}
    for typed, value in values.items():
        try:
            answers[typed] = _location_creditable(
                value, locations.get(value), value in global_ids, partnerships
            )
        except ValidationError as error:
            answers[typed] = error
    return answers


def _location_creditable(value, location, is_global_id, partnerships) -> PartnerLocation:
    if not value.isascii() or not value.isdigit():
        raise ValidationError(
            _("Enter the location partner ID using digits only."), code="not_digits"
        )
    if location is None:
        if is_global_id:
            raise ValidationError(
                _("This is the global partner ID; use the ID of the reseller's location account."),
                code="global_id",
            )
        raise ValidationError(
            _("No partner location has the ID %(id)s.") % {"id": value}, code="unknown"
        )
    reseller = location.organisation
    if not reseller.is_reseller:
        raise ValidationError(
            _("This ID belongs to an indirect provider, not to a reseller."), code="not_reseller"
        )
    statuses = partnerships.get(reseller.pk, set())
    if Partnership.Status.ACTIVE not in statuses:
        if statuses:
            raise ValidationError(
                _(
                    "The partnership with %(name)s was removed; it cannot be credited "
                    "unless it partners with you again."
                )
                % {"name": reseller.legal_name},
                code="partnership_removed",
            )
        raise ValidationError(
            _("This ID belongs to a reseller that is not partnered with your organisation."),
            code="not_partnered",
        )
    if reseller.status != Organisation.Status.ACTIVE:
        raise ValidationError(
            _("%(name)s is deauthorised and cannot be credited.") % {"name": reseller.legal_name},
            code="deauthorised",
        )
    if not reseller.agreement_accepted:
        raise ValidationError(
            _("%(name)s has not accepted the partner agreement yet and cannot be credited.")
            % {"name": reseller.legal_name},
            code="agreement_not_accepted",
        )
    return location
