"""Reads on subscriptions, always for one organisation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partners.models import Organisation, PartnerLocation, Partnership
from portal.tenancy import get_for_org
from subscriptions.models import Offer, Subscription, SubscriptionChange

# Columns of the CSV export, in order, as (header, values_list path).
EXPORT_COLUMNS = [
    (gettext_lazy("Customer"), "customer__company_name"),
    (gettext_lazy("Domain"), "customer__primary_domain"),
    (gettext_lazy("Offer"), "offer__name"),
    (gettext_lazy("Licences"), "quantity"),
    (gettext_lazy("Status"), "status"),
    (gettext_lazy("Reseller partner ID (location)"), "reseller_location__location_partner_id"),
    (gettext_lazy("Designated support contact"), "support_contact__legal_name"),
]


def subscription_list(
    *, org, q: str = "", reseller: str = "", status: str = ""
) -> QuerySet[Subscription]:
    """The org's subscriptions, searched by customer, domain or offer, filtered by reseller and status."""
    subscriptions = Subscription.objects.for_org(org)
    if q:
        subscriptions = subscriptions.filter(
            Q(customer__company_name__icontains=q)
            | Q(customer__primary_domain__icontains=q)
            | Q(offer__name__icontains=q)
        )
    if reseller:
        subscriptions = subscriptions.filter(reseller_location__organisation__uuid=reseller)
    if status:
        subscriptions = subscriptions.filter(status=status)
    return subscriptions


def subscription_order(subscriptions: QuerySet[Subscription]) -> QuerySet[Subscription]:
    """Newest first: the order of subscription_provider_recent_idx, so deep pages stay cheap."""
    return subscriptions.order_by("-created_at", "-id")


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
    }
    if org.is_reseller:
        fields["provider_name"] = F("provider__legal_name")
    return (
        Subscription.objects.for_org(org)
        .filter(pk__in=keys)
        .values("id", "uuid", "quantity", "status", "created_at", **fields)
    )


STATUS_LABELS = dict(Subscription.Status.choices)


def with_status_labels(rows: list[dict]) -> list[dict]:
    """``rows`` with each one's status as the viewer reads it (``status_label``)."""
    for row in rows:
        row["status_label"] = STATUS_LABELS[row["status"]]
    return rows


def support_queue(*, org, q: str = "") -> QuerySet[Subscription]:
    """The subscriptions naming ``org`` as designated support contact, across providers."""
    return subscription_list(org=org, q=q).filter(support_contact=org)


def export_rows(*, org, reseller: str = "", status: str = "", q: str = ""):
    """The CSV rows of the provider's subscriptions, streamed from the database in chunks."""
    subscriptions = subscription_list(org=org, q=q, reseller=reseller, status=status)
    return (
        subscriptions.order_by("pk")
        .values_list(*(path for _header, path in EXPORT_COLUMNS))
        .iterator(chunk_size=2000)
    )


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


def subscription_history(*, org, subscription: Subscription) -> QuerySet[SubscriptionChange]:
    """The subscription's changes, newest first, with who made them."""
    return (
        SubscriptionChange.objects.for_org(org)
        .filter(subscription=subscription)
        .select_related("actor")
    )


def upgrade_targets(*, offer: Offer) -> QuerySet[Offer]:
    """The orderable offers a subscription of ``offer`` can be upgraded to."""
    return offer.upgrades_to.filter(is_active=True).order_by("name")


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


def support_contact_choices(*, subscription: Subscription) -> QuerySet[Organisation]:
    """The provider and, if any, the customer's associated reseller."""
    ids = [subscription.provider_id, subscription.customer.reseller_id]
    return Organisation.objects.for_org(subscription.provider).filter(
        pk__in=[pk for pk in ids if pk is not None]
    )


def reseller_location_check(*, provider, location_partner_id: str) -> PartnerLocation:
    """The location to credit for a typed ID, or a ValidationError naming what is wrong.

    Location and global partner IDs are the programme's public identifiers, so
    this looks them up across all organisations; what it reveals about a
    reseller that is not a partner is only that the ID cannot be used.
    """
    value = location_partner_id.strip()
    if not value.isascii() or not value.isdigit():
        raise ValidationError(
            _("Enter the location partner ID using digits only."), code="not_digits"
        )
    location = (
        PartnerLocation.objects.filter(location_partner_id=value)
        .select_related("organisation")
        .first()
    )
    if location is None:
        if Organisation.objects.filter(partner_id=value).exists():
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
    partnerships = Partnership.objects.filter(provider=provider, reseller=reseller)
    if not partnerships.active().exists():
        if partnerships.exists():
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
