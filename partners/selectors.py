"""Reads of the partners side, each given the organisation it answers for."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from customers.models import Customer
from partners.models import Organisation, PartnerLocation, Partnership, PartnershipRequest
from partners.services import normalise_email
from portal import listing
from portal.listing import ListSort, SortColumn
from portal.models import OutboundEmail, User
from portal.outages import cache_call
from portal.search import matching, planned_for_their_values
from portal.tokens import hash_token

# The Indirect resellers table's orders: by name, ties broken by the reseller (one
# active partnership each), org_name_idx's order; by date partnered, the order of
# partnership_provider_created_idx (partners/0009_sort_indexes). Both directions.
RESELLER_SORT = ListSort(
    SortColumn("name", ("reseller__legal_name", "reseller_id")),
    SortColumn("since", ("created_at", "pk"), descending_first=True),
    default="name",
    # The values of the sort list the column headings replaced: newest and oldest first.
    aliases={"date": "-since", "-date": "since"},
)
REQUEST_SORTS = {
    "name": ["email", "pk"],
    "-name": ["-email", "-pk"],
    "date": ["-created_at", "-pk"],
    "-date": ["created_at", "pk"],
}


def provider_resellers(
    *,
    provider: Organisation,
    q: str = "",
    sort: str = "name",
    agreement: str = "",
    removed: bool = False,
) -> QuerySet[Partnership]:
    """The provider's active partnerships, searched and sorted; rows come from partnership_rows.

    ``agreement="not_accepted"`` keeps the resellers that have not accepted the partner agreement;
    ``removed`` gives the ended partnerships instead of the active ones.
    """
    partnerships = Partnership.objects.for_org(provider)
    partnerships = (
        partnerships.filter(status=Partnership.Status.REMOVED) if removed else partnerships.active()
    )
    if agreement == "not_accepted":
        partnerships = partnerships.filter(reseller__agreement_accepted_at__isnull=True)
    if q:
        partnerships = partnerships.filter(
            matching(q, "reseller__legal_name", "reseller__partner_id", "reseller__contact_email")
        )
    return partnerships.order_by(*RESELLER_SORT.order_by(sort))


def partnership_rows(*, provider: Organisation, keys) -> QuerySet:
    """The rows of one page of the Indirect resellers table (``keys``: their primary keys).

    Plain dicts of what a row shows (partners.tables builds the rows), with the
    reseller's number of associated customers counted for these rows only:
    counted in the query that skips a deep page's offset, every skipped row was
    counted too.
    """
    customers_count = (
        Customer.objects.for_org(provider)
        .filter(reseller=OuterRef("reseller_id"))
        .order_by()
        .values("reseller")
        # COUNT(*), not COUNT(id): answered from customer_provider_reseller_name_idx alone.
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        Partnership.objects.for_org(provider)
        .filter(pk__in=keys)
        .annotate(
            customers_count=Coalesce(
                Subquery(customers_count, output_field=IntegerField()), Value(0)
            )
        )
        .values(
            "uuid",
            "created_at",
            "agreement_reminder_sent_at",
            "customers_count",
            "status",
            "removed_at",
            reseller_uuid=F("reseller__uuid"),
            legal_name=F("reseller__legal_name"),
            partner_id=F("reseller__partner_id"),
            contact_email=F("reseller__contact_email"),
            agreement_accepted_at=F("reseller__agreement_accepted_at"),
        )
    )


def provider_open_requests(
    *, provider: Organisation, q: str = "", status: str = "", sort: str = "date"
) -> QuerySet:
    """The provider's requests not yet accepted or revoked: pending ones and expired ones."""
    now = timezone.now()
    requests = PartnershipRequest.objects.for_org(provider).filter(
        status__in=[PartnershipRequest.Status.PENDING, PartnershipRequest.Status.EXPIRED]
    )
    if status == PartnershipRequest.Status.PENDING:
        requests = requests.filter(status=PartnershipRequest.Status.PENDING, expires_at__gt=now)
    elif status == PartnershipRequest.Status.EXPIRED:
        requests = requests.filter(
            Q(status=PartnershipRequest.Status.EXPIRED) | Q(expires_at__lte=now)
        )
    if q:
        requests = requests.filter(email__icontains=q.strip())
    # The status of the last email of each request: a failed one is shown as not delivered.
    last_email = (
        OutboundEmail.objects.for_org(provider)
        .filter(
            kind="partnership-request", to=OuterRef("email"), created_at__gte=OuterRef("sent_at")
        )
        .order_by("-created_at")
        .values("status")[:1]
    )
    requests = requests.annotate(email_status=Subquery(last_email))
    # The partnerships' order where it applies to a request: by name (its address) or date.
    sort = {"since": "-date", "-since": "date"}.get(sort, sort)
    return requests.order_by(*REQUEST_SORTS.get(sort, REQUEST_SORTS["date"]))


def pending_request_for_email(*, provider: Organisation, email: str) -> PartnershipRequest | None:
    """The provider's pending, unexpired request to this address, if any."""
    return (
        PartnershipRequest.objects.for_org(provider)
        .pending()
        .filter(email__iexact=normalise_email(email))
        .first()
    )


def partnered_reseller_for_email(*, provider: Organisation, email: str) -> Organisation | None:
    """A reseller partnered with the provider whose contact or member uses this address."""
    email = normalise_email(email)
    partnered = Partnership.objects.for_org(provider).active().filter(provider=provider)
    return (
        Organisation.objects.for_org(provider)
        .resellers()
        .filter(pk__in=partnered.values("reseller_id"))
        .filter(Q(contact_email__iexact=email) | Q(memberships__user__email__iexact=email))
        .distinct()
        .first()
    )


def partner_id_taken(value: str) -> bool:
    """Whether any organisation or location already uses this ID.

    A global ID and a location ID must never be confused, so each is checked
    against both kinds.
    """
    return (
        Organisation.objects.filter(partner_id=value).exists()
        or PartnerLocation.objects.filter(location_partner_id=value).exists()
    )


def email_has_account(email: str) -> bool:
    return User.objects.filter(email__iexact=normalise_email(email)).exists()


def request_for_token(token: str) -> PartnershipRequest | None:
    """The request a link's token opens (the token is the capability), with its provider."""
    return (
        PartnershipRequest.objects.select_related("provider")
        .filter(token_hash=hash_token(token))
        .first()
    )


def has_active_partnership(*, provider: Organisation, reseller: Organisation) -> bool:
    return (
        Partnership.objects.for_org(reseller)
        .active()
        .filter(provider=provider, reseller=reseller)
        .exists()
    )


def reseller_providers(*, reseller: Organisation) -> QuerySet:
    """The providers the reseller has authorised (its active partnerships)."""
    return (
        Partnership.objects.for_org(reseller)
        .filter(reseller=reseller)
        .active()
        .select_related("provider")
        .order_by("provider__legal_name", "pk")
    )


def reseller_customers_count(*, reseller: Organisation) -> int:
    return Customer.objects.for_org(reseller).count()


def directory_providers(*, q: str = "") -> QuerySet:
    """Listed providers' public profiles (nothing private leaves this queryset)."""
    providers = Organisation.objects.listed_in_directory().only(
        "uuid",
        "legal_name",
        "directory_name",
        "directory_regions",
        "directory_website",
        "directory_contact",
        "directory_description",
    )
    if q:
        providers = providers.filter(
            Q(directory_name__icontains=q)
            | Q(legal_name__icontains=q)
            | Q(directory_regions__icontains=q)
            | Q(directory_description__icontains=q)
        )
    return providers.order_by("directory_name", "legal_name", "pk")


# The Indirect resellers CSV export: (heading, value path) in column order.
RESELLER_EXPORT_COLUMNS = [
    (gettext_lazy("Reseller name"), "reseller__legal_name"),
    (gettext_lazy("Partner ID"), "reseller__partner_id"),
    (gettext_lazy("Email"), "reseller__contact_email"),
    (gettext_lazy("Country"), "reseller__country"),
    (gettext_lazy("Status"), "status"),
    (gettext_lazy("Partner since"), "created_at"),
    (gettext_lazy("Partner agreement"), "reseller__agreement_accepted_at"),
    (gettext_lazy("Customers"), "customers_count"),
]


def reseller_export_rows(*, provider: Organisation, partnerships: QuerySet[Partnership]):
    """The CSV rows of ``partnerships`` (from provider_resellers), streamed in chunks."""
    customers_count = (
        Customer.objects.for_org(provider)
        .filter(reseller=OuterRef("reseller_id"))
        .order_by()
        .values("reseller")
        .annotate(n=Count("*"))
        .values("n")
    )
    rows = (
        partnerships.annotate(
            customers_count=Coalesce(
                Subquery(customers_count, output_field=IntegerField()), Value(0)
            )
        )
        .values_list(*(path for _header, path in RESELLER_EXPORT_COLUMNS))
        .iterator(chunk_size=2000)
    )
    zone = timezone.get_current_timezone()

    def day(value):
        return value.astimezone(zone).date().isoformat() if value else ""

    for name, partner_id, email, country, status, since, accepted, count in rows:
        yield (name, partner_id, email, country, status, day(since), day(accepted), count)


# The reseller page (provider side)

RESELLER_PAGE_CUSTOMERS = 25
# The reseller page's customers: by name or date created, both directions, each the
# order of an index of (provider, reseller, …, id) (customers/0005, 0008).
RESELLER_PAGE_CUSTOMER_SORT = ListSort(
    SortColumn("name", ("company_name", "pk")),
    SortColumn("created", ("created_at", "pk"), descending_first=True),
    default="name",
    param="customers_sort",
)
RESELLER_PAGE_EVENTS = 20


def partnership_for_reseller_page(*, provider: Organisation, partnership_id) -> Partnership:
    """One of the provider's partnerships (active or removed) with its reseller; 404 if foreign."""
    from portal.tenancy import get_for_org

    return get_for_org(
        Partnership.objects.filter(provider=provider).select_related("reseller"),
        provider,
        uuid=partnership_id,
    )


def _offer_summary(key: str, summary: QuerySet) -> list[dict]:
    """The rows of ``summary``; a large reseller's (CACHED_COUNT_FROM subscriptions or more)
    kept for a minute, as a large count is (portal.listing): summing a distributor's largest
    reseller's 25,000 live subscriptions by offer took most of its page's time."""
    rows = cache_call(cache.get, key)
    if rows is None:
        rows = list(summary)
        if sum(row["subscriptions"] for row in rows) >= listing.CACHED_COUNT_FROM:
            cache_call(cache.set, key, rows, listing.CACHE_SECONDS)
    return rows


def reseller_page(
    *, provider: Organisation, partnership: Partnership, customers_sort: str = "name"
) -> dict:
    """What the reseller page shows, each part read in one query whatever the reseller's size.

    Customers are the provider's customers associated with the reseller (the first
    ``RESELLER_PAGE_CUSTOMERS`` in the order ``customers_sort``, by name by default, the
    rest on Customers filtered by the reseller).
    """
    from django.db.models import Sum

    from customers.models import TenantOwnerGrant
    from portal.models import ActivityEvent
    from relationships.models import AdminRelationship
    from subscriptions.models import Subscription

    reseller = partnership.reseller
    customers = Customer.objects.for_org(provider).filter(reseller=reseller)
    # The customer's provider too (a subscription's is its customer's): PostgreSQL then
    # reads the reseller's customers of this provider from the index of (provider,
    # reseller, …) and their subscriptions, not every customer of the reseller's across
    # providers in a scan of the whole index (20 ms, and more, for a mid-sized reseller).
    live = Subscription.objects.for_org(provider).exclude(status__in=Subscription.CLOSED_STATUSES)
    live_subscriptions = live.filter(customer__provider=provider, customer__reseller=reseller)
    # Per customer of the table (already the reseller's, of the provider): no join again.
    per_customer = (
        live.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(n=Count("*"))
        .values("n")
    )
    licences_per_customer = (
        live.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    # A reseller has one customer of the provider's or 5,000: the plan that reads the first
    # is not the one for the second. psycopg prepares a query run five times on a
    # connection, and PostgreSQL then keeps one generic plan for every reseller, which
    # read a large reseller's 5,000 customers and relationships (25 and 35 ms) where its
    # own plan reads 25 of them in the order of an index (1 and 3 ms).
    with planned_for_their_values():
        customer_rows = list(
            customers.annotate(
                subscriptions_count=Coalesce(
                    Subquery(per_customer, output_field=IntegerField()), Value(0)
                ),
                licences=Coalesce(
                    Subquery(licences_per_customer, output_field=IntegerField()), Value(0)
                ),
            )
            .order_by(*RESELLER_PAGE_CUSTOMER_SORT.order_by(customers_sort))
            .values(
                "uuid",
                "company_name",
                "primary_domain",
                "country",
                "created_at",
                "subscriptions_count",
                "licences",
            )[:RESELLER_PAGE_CUSTOMERS]
        )
        offers = _offer_summary(
            f"reseller-offers:{provider.pk}:{reseller.pk}",
            live_subscriptions.order_by()
            .values(offer_name=F("offer__name"), offer_sku=F("offer__sku"))
            .annotate(subscriptions=Count("*"), licences=Sum("quantity"))
            .order_by("offer_name"),
        )
        # Its GDAP admin relationships on the provider's customers, live and pending first.
        admin_relationships = list(
            AdminRelationship.objects.for_org(provider)
            .filter(partner=reseller)
            .exclude(status__in=AdminRelationship.ENDED_STATUSES)
            .order_by("customer__company_name", "pk")
            .values(
                "uuid",
                "display_name",
                "status",
                "ends_at",
                customer_uuid=F("customer__uuid"),
                customer_name=F("customer__company_name"),
            )[:RESELLER_PAGE_CUSTOMERS]
        )
    return {
        "locations": list(
            PartnerLocation.objects.filter(organisation=reseller).order_by("name", "pk")
        ),
        "customers": customer_rows,
        # Counted only when the table does not hold them all.
        "customers_count": len(customer_rows)
        if len(customer_rows) < RESELLER_PAGE_CUSTOMERS
        else customers.count(),
        "offers": offers,
        "admin_relationships": admin_relationships,
        "tenant_owner_grants": list(
            TenantOwnerGrant.objects.active()
            .filter(organisation=reseller, customer__provider=provider)
            .order_by("customer__company_name", "pk")
            .values(
                "granted_at",
                customer_uuid=F("customer__uuid"),
                customer_name=F("customer__company_name"),
            )[:RESELLER_PAGE_CUSTOMERS]
        ),
        "events": list(
            ActivityEvent.objects.for_org(provider)
            .filter(object_id__in=[str(partnership.uuid), str(reseller.uuid)])
            .order_by("-created_at", "-id")
            .values(
                "created_at",
                "verb",
                actor_first_name=F("actor__first_name"),
                actor_last_name=F("actor__last_name"),
                actor_email=F("actor__email"),
            )[:RESELLER_PAGE_EVENTS]
        ),
    }
