"""The overview's figures counted directly, one organisation at a time, through the lists' own
selectors and ``for_org``: what the refresh's grouped queries must equal."""

from collections import Counter
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from billing.models import Charge
from customers.models import Customer
from overview.summaries import Clock
from partners.models import Partnership, PartnershipRequest
from relationships.models import AdminRelationship
from subscriptions.models import Subscription
from subscriptions.selectors import with_renewal_filter


def licences(subscriptions) -> int:
    return subscriptions.filter(status="active").aggregate(n=Sum("quantity"))["n"] or 0


def by_offer(subscriptions) -> dict[str, int]:
    out = Counter()
    for name, quantity in subscriptions.filter(status="active").values_list(
        "offer__name", "quantity"
    ):
        out[name] += quantity
    return dict(out)


def provider_figures(provider, now=None) -> dict:
    clock = Clock(now or timezone.now())
    partnerships = Partnership.objects.for_org(provider)
    subscriptions = Subscription.objects.for_org(provider)
    charges = Charge.objects.filter(statement__provider=provider, statement__month=clock.month)
    return {
        "active_resellers": partnerships.active().count(),
        "new_resellers": partnerships.filter(created_at__gte=clock.month_from).count(),
        "agreement_not_accepted": partnerships.active()
        .filter(reseller__agreement_accepted_at__isnull=True)
        .count(),
        "pending_requests": PartnershipRequest.objects.for_org(provider).pending().count(),
        "customers": Customer.objects.for_org(provider).count(),
        "active_subscriptions": subscriptions.filter(status="active").count(),
        "active_licences": licences(subscriptions),
        "renewals_30": with_renewal_filter(subscriptions, "renews_30", now=clock.now).count(),
        "relationships_expiring": AdminRelationship.objects.for_org(provider)
        .expiring_within()
        .count(),
        "charges_month": str(charges.aggregate(n=Sum("amount"))["n"] or Decimal(0)),
        "margin_month": str(charges.aggregate(n=Sum("margin"))["n"] or Decimal(0)),
    }


def reseller_figures(reseller, now=None) -> dict:
    clock = Clock(now or timezone.now())
    subscriptions = Subscription.objects.for_org(reseller)
    return {
        "providers": Partnership.objects.for_org(reseller).active().count(),
        "customers": Customer.objects.for_org(reseller).count(),
        "active_licences": licences(subscriptions),
        "renewals_30": with_renewal_filter(subscriptions, "renews_30", now=clock.now).count(),
        "relationships_expiring": AdminRelationship.objects.for_org(reseller)
        .expiring_within()
        .count(),
    }


def customers_by_reseller(provider) -> dict[str, int]:
    return dict(
        Counter(
            Customer.objects.for_org(provider)
            .filter(reseller__isnull=False)
            .values_list("reseller__legal_name", flat=True)
        )
    )


def values(summary) -> dict:
    return {key: entry["value"] for key, entry in summary.figures.items()}
