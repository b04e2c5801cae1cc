"""Reads on customers, always through the viewer's organisation."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy

from customers.models import Customer, ResellerRelationshipRequest, TenantOwnerGrant
from partners.models import Organisation, Partnership
from portal.listing import ListSort, SortColumn, filter_options, long_options_key
from portal.models import ActivityEvent
from portal.search import SHORT_TERM, matching
from portal.tenancy import get_for_org
from portal.tokens import hash_token
from relationships.models import AdminRelationship
from subscriptions.models import Offer, Order, Subscription

# A link's token: 256 random bits, URL-safe base64 (anything else names no request).
TOKEN_PATTERN = r"[A-Za-z0-9_-]{16,128}"


def customer_for_org(*, org, uuid) -> Customer:
    """One customer ``org`` may see, with its provider and reseller, or 404."""
    return get_for_org(
        Customer.objects.select_related("provider", "reseller", "created_by"), org, uuid=uuid
    )


# The Customers page's orders, each an index's on PostgreSQL: by name
# (customers/0004_list_indexes, 0005) and by date created (0009_sort_indexes).
CUSTOMER_SORT = ListSort(
    SortColumn("name", ("company_name", "pk")),
    SortColumn("created", ("created_at", "pk"), descending_first=True),
    default="name",
)


def customer_list(
    *,
    org,
    q: str = "",
    reseller: Organisation | None = None,
    expiring: bool = False,
    sort: str = "name",
):
    """The customers ``org`` may see, in the order ``sort`` (CUSTOMER_SORT), optionally
    narrowed; rows come from customer_rows.

    The search is a substring match that the trigram indexes of
    customers/migrations/0004_list_indexes answer on PostgreSQL; a term of one
    or two characters matches the start of the name or domain (portal.search).
    """
    customers = Customer.objects.for_org(org).order_by(*CUSTOMER_SORT.order_by(sort))
    if q:
        customers = customers.filter(matching(q, "company_name", "primary_domain"))
        if len(q) <= SHORT_TERM:
            # The same order, as an expression no index returns: PostgreSQL then reads the
            # few hundred names and domains starting with the term from their indexes and
            # sorts them, instead of walking the name index in order from A to the term's
            # letters, which it took to be as quick (70 ms for "lo").
            customers = customers.order_by(Concat("company_name", Value("")), "pk")
    if reseller is not None:
        customers = customers.filter(reseller=reseller)
    if expiring:
        ending = (
            AdminRelationship.objects.for_org(org).expiring_within().filter(customer=OuterRef("pk"))
        )
        customers = customers.filter(Exists(ending))
    return customers


def customer_rows(*, org, keys):
    """The rows of one page of the Customers table (``keys``: their primary keys), counted."""
    # Plain dicts, not models: the template reads each field at its first try
    # (a model makes it fail a dictionary lookup first), and nothing is built
    # that the row does not show.
    return (
        Customer.objects.for_org(org)
        .filter(pk__in=keys)
        .annotate(subscription_count=Count("subscriptions"))
        .values(
            "id",
            "uuid",
            "company_name",
            "primary_domain",
            "created_at",
            "subscription_count",
            reseller_name=F("reseller__legal_name"),
            provider_name=F("provider__legal_name"),
        )
    )


def active_partners(*, provider):
    """The active resellers with an active partnership with ``provider``."""
    partner_ids = Partnership.objects.for_org(provider).active().values("reseller_id")
    return (
        Organisation.objects.for_org(provider)
        .resellers()
        .filter(pk__in=partner_ids, status=Organisation.Status.ACTIVE)
        .order_by("legal_name")
    )


def reseller_filter_choices(*, provider):
    """The provider's partners, and former partners still associated with one of its customers."""
    active = Partnership.objects.for_org(provider).active().filter(reseller=OuterRef("pk"))
    # One index probe per reseller (customer_provider_reseller_name_idx) instead of
    # reading every customer of the provider.
    associated = Customer.objects.for_org(provider).filter(reseller=OuterRef("pk"))
    return (
        Organisation.objects.for_org(provider)
        .resellers()
        .filter(Exists(active) | Exists(associated))
        .only("uuid", "legal_name")
        .order_by("legal_name")
    )


def customer_subscription_rows(*, org, customer: Customer, renewals: bool = False) -> list[dict]:
    """The subscriptions of ``customer`` that ``org`` may see, by offer: what the rows of the
    customer page (support contact) or, with ``renewals``, of its expanded row on Customers
    (the renewal) show, in one query.

    Plain dicts, not models: a busy customer has a hundred subscriptions, and building each
    with its offer, support contact and location was a third of the page's time.
    """
    from subscriptions.models import ScheduledChange
    from subscriptions.selectors import with_status_labels

    fields = {"offer_name": F("offer__name"), "offer_kind": F("offer__kind")}
    if renewals:
        fields["has_change"] = Exists(
            ScheduledChange.objects.pending().filter(subscription=OuterRef("pk"))
        )
    else:
        fields["support_contact_name"] = F("support_contact__legal_name")
    rows = list(
        Subscription.objects.for_org(org)
        .filter(customer=customer)
        .order_by("offer__name", "created_at")
        .values("uuid", "quantity", "status", "auto_renew", "term_end", **fields)
    )
    return with_status_labels(rows, renewals=renewals)


def tenant_owners(*, org, customer: Customer):
    """The active tenant-owner grants on ``customer``: all of them for its provider, a reseller's own otherwise."""
    grants = (
        TenantOwnerGrant.objects.for_org(org)
        .active()
        .filter(customer=customer)
        .select_related("organisation", "granted_by")
        .order_by("organisation__legal_name")
    )
    if not org.is_provider:
        # Another reseller's rights on the customer are not this reseller's business.
        grants = grants.filter(organisation=org)
    return grants


def tenant_owner_for_org(*, org, customer: Customer, organisation_uuid) -> TenantOwnerGrant:
    """The active tenant-owner grant of one organisation on ``customer``, or 404."""
    return get_for_org(
        TenantOwnerGrant.objects.active().select_related("organisation").filter(customer=customer),
        org,
        organisation__uuid=organisation_uuid,
    )


def customer_activity(*, org, customer: Customer, limit: int = 20):
    """The latest activity events of ``org`` about ``customer``."""
    return (
        ActivityEvent.objects.for_org(org)
        .filter(object_id=str(customer.uuid))
        .select_related("actor")[:limit]
    )


def customer_for_order_key(*, provider, idempotency_key: uuid.UUID) -> Customer | None:
    """The customer whose order was placed with ``idempotency_key`` by ``provider``, if any."""
    order = (
        Order.objects.for_org(provider)
        .filter(idempotency_key=idempotency_key)
        .select_related("customer")
        .first()
    )
    return order.customer if order else None


def full_domain(prefix: str) -> str:
    """The customer's primary domain for a prefix, e.g. ``contoso.onmicrosoft.example``."""
    return f"{prefix}.{settings.CUSTOMER_DOMAIN_SUFFIX}"


def domain_is_taken(domain: str) -> bool:
    """Whether a primary domain is in use; domains are unique across every provider."""
    # Deliberately unscoped: a domain belongs to one customer in the whole programme.
    return Customer.objects.filter(primary_domain__iexact=domain).exists()


def orderable_offers():
    """The catalogue offers that can be ordered."""
    return Offer.objects.filter(is_active=True).order_by("name").prefetch_related("terms")


def reseller_filter_key(provider) -> str:
    return f"reseller-filter:{provider.pk}"


def reseller_filter_read_ahead(request) -> list[str]:
    """The cache entries a list page's reseller filter reads, for paginate_by_key's
    ``also`` (read with the list's count): none when the page shows no filter bar."""
    org = request.tenant.org
    if not org.is_provider or request.htmx:
        return []
    return [long_options_key(reseller_filter_key(org))]


def reseller_filter_options(*, provider, selected: Organisation | None = None, full=False):
    """The reseller filter's options; only the chosen one when the list is loaded apart."""
    return filter_options(
        reseller_filter_key(provider),
        lambda: reseller_filter_choices(provider=provider).values_list("uuid", "legal_name"),
        (selected.uuid, selected.legal_name) if selected else None,
        full=full,
    )


def change_reseller_options(*, provider, selected: Organisation | None = None, full=False):
    """The options of the customer page's reseller change (the active partners); only the
    chosen one when the list is long and loaded after the page."""
    return filter_options(
        f"change-reseller:{provider.pk}",
        lambda: active_partners(provider=provider).values_list("uuid", "legal_name"),
        (selected.uuid, selected.legal_name) if selected else None,
        full=full,
    )


def reseller_for_filter(*, provider, uuid) -> Organisation | None:
    """The reseller with ``uuid`` that is or was ``provider``'s partner, or None (unknown, foreign).

    Any of them, not only those of the filter's list: a former partner with no
    customer left simply filters to none.
    """
    resellers = Organisation.objects.for_org(provider).resellers().filter(uuid=uuid)
    return next(iter(resellers.only("uuid", "legal_name")[:1]), None)


# The Customers CSV export: (heading, field path) in column order.
EXPORT_COLUMNS = [
    (gettext_lazy("Company name"), "company_name"),
    (gettext_lazy("Primary domain"), "primary_domain"),
    (gettext_lazy("Country"), "country"),
    (gettext_lazy("Indirect reseller"), "reseller__legal_name"),
    (gettext_lazy("Global partner ID"), "reseller__partner_id"),
    (gettext_lazy("First name"), "contact_first_name"),
    (gettext_lazy("Last name"), "contact_last_name"),
    (gettext_lazy("Email"), "contact_email"),
    (gettext_lazy("Phone"), "contact_phone"),
    (gettext_lazy("Created"), "created_at"),
]


def export_rows(*, org, q: str = "", reseller: Organisation | None = None, expiring: bool = False):
    """The CSV rows of the customers ``org`` may see (as the list filters them), streamed in chunks."""
    rows = (
        customer_list(org=org, q=q, reseller=reseller, expiring=expiring)
        .values_list(*(path for _header, path in EXPORT_COLUMNS))
        .iterator(chunk_size=2000)
    )
    zone = timezone.get_current_timezone()
    for *values, created_at in rows:
        yield (*values, created_at.astimezone(zone).date().isoformat())


# Reseller relationship requests ------------------------------------------------------


def relationship_requests(*, org):
    """The reseller relationship requests ``org`` may see, newest first (keys for paging)."""
    return ResellerRelationshipRequest.objects.for_org(org).order_by("-created_at", "-id")


def relationship_request_rows(*, org, keys):
    """The rows of one page of requests (``keys``: their primary keys)."""
    return (
        ResellerRelationshipRequest.objects.for_org(org)
        .filter(pk__in=keys)
        .select_related("provider", "reseller", "requested_by_org", "customer")
    )


def relationship_request_for_org(*, org, uuid) -> ResellerRelationshipRequest:
    """One request ``org`` may see, or 404."""
    return get_for_org(ResellerRelationshipRequest, org, uuid=uuid)


def relationship_request_for_token(token: str) -> ResellerRelationshipRequest | None:
    """The request a link's token names (by its hash), or None; a malformed token names none."""
    if not re.fullmatch(TOKEN_PATTERN, token or ""):
        return None
    return (
        ResellerRelationshipRequest.objects.select_related("provider", "reseller")
        .filter(token_hash=hash_token(token))
        .first()
    )


def partner_providers(*, reseller):
    """The active providers with an active partnership with ``reseller``."""
    provider_ids = Partnership.objects.for_org(reseller).active().values("provider_id")
    return (
        Organisation.objects.for_org(reseller)
        .providers()
        .filter(pk__in=provider_ids, status=Organisation.Status.ACTIVE)
        .order_by("legal_name")
    )
