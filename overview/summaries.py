"""The refresh of the overview's summary rows: every organisation's figures and charts at once.

Each figure is counted with a few grouped queries over all organisations (one
pass over the subscriptions for the providers, one join for the resellers),
never one query per organisation, so the refresh of the load data (20
providers, 10,000 resellers, 1,000,000 subscriptions) stays well under a
minute. The pages read only the summary row of the viewer's organisation.

A figure's ``previous`` is its value one period earlier: 30 days earlier for
a count at an instant, last month for a month's count. Where timestamps tell
it (partnerships, customers, requests) it is counted; where they do not
(active subscriptions, licences, renewals due, relationships expiring, the
reseller's customers) it is read from the row's own daily history, and is
null until that history reaches back 30 days.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from billing.models import Charge, ProviderCurrency, Statement
from billing.pricing import DEFAULT_CURRENCY
from customers.models import Customer
from overview.models import Summary
from partners.models import Organisation, Partnership, PartnershipRequest
from relationships.models import AdminRelationship
from subscriptions.models import Offer, OrderLine, Subscription, SubscriptionChange

PERIOD = dt.timedelta(days=30)
MONTHS = 12
TOP = 10
HISTORY_DAYS = 40
# The figures whose earlier value only the daily history knows.
PROVIDER_HISTORY_KEYS = (
    "active_subscriptions",
    "active_licences",
    "renewals_30",
    "relationships_expiring",
)
RESELLER_HISTORY_KEYS = ("customers", "active_licences", "renewals_30")
LIVE = (Subscription.Status.ACTIVE, Subscription.Status.SUSPENDED)
# The subscription changes that make a reseller "transacting": a purchase or a licence change.
TRANSACTING_FIELDS = ("created", "quantity")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def last_months(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last ``count`` months, oldest first, this month last."""
    this = month_start(today)
    return [add_months(this, -i) for i in range(count - 1, -1, -1)]


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _grouped(queryset, *fields, **aggregates) -> dict:
    """``{(field values): aggregates}`` of a queryset grouped by ``fields`` (its ordering cleared)."""
    rows = queryset.order_by().values(*fields).annotate(**aggregates)
    out = {}
    for row in rows:
        key = tuple(row[f] for f in fields)
        out[key if len(fields) > 1 else key[0]] = (
            {name: row[name] for name in aggregates}
            if len(aggregates) > 1
            else row[next(iter(aggregates))]
        )
    return out


class Clock:
    """The instants a refresh counts from."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.today = timezone.localtime(now).date()
        self.before = now - PERIOD
        self.month = month_start(self.today)
        self.last_month = add_months(self.month, -1)
        self.month_from = _aware(self.month)
        self.last_month_from = _aware(self.last_month)
        self.months = last_months(self.today)
        self.renewal_until = now + PERIOD


def _partnership_figures(clock: Clock):
    """Per provider and per reseller: active now and 30 days ago, new this and last month,
    agreement not accepted now and then; and the provider's resellers month by month."""
    rows = list(
        Partnership.objects.order_by().values_list(
            "provider_id",
            "reseller_id",
            "created_at",
            "removed_at",
            "status",
            "reseller__agreement_accepted_at",
        )
    )
    figures = defaultdict(lambda: defaultdict(int))
    reseller_figures = defaultdict(lambda: defaultdict(int))
    month_ends = [_aware(add_months(m, 1)) for m in clock.months]
    month_starts = [_aware(m) for m in clock.months]
    chart = defaultdict(lambda: [[0, 0, 0] for _ in clock.months])

    def active_at(created, removed, status, at):
        if created > at:
            return False
        if status == Partnership.Status.REMOVED:
            return removed is not None and removed > at
        return True

    for provider_id, reseller_id, created, removed, status, accepted in rows:
        f = figures[provider_id]
        if status == Partnership.Status.ACTIVE:
            f["active_resellers"] += 1
            reseller_figures[reseller_id]["providers"] += 1
            if accepted is None:
                f["agreement_not_accepted"] += 1
        if active_at(created, removed, status, clock.before):
            f["active_resellers_previous"] += 1
            reseller_figures[reseller_id]["providers_previous"] += 1
            if accepted is None or accepted > clock.before:
                f["agreement_not_accepted_previous"] += 1
        if created >= clock.month_from:
            f["new_resellers"] += 1
        elif created >= clock.last_month_from:
            f["new_resellers_previous"] += 1
        series = chart[provider_id]
        for i, (start, end) in enumerate(zip(month_starts, month_ends, strict=True)):
            if start <= created < end:
                series[i][0] += 1
            if removed is not None and start <= removed < end:
                series[i][1] += 1
            if active_at(created, removed, status, min(end, clock.now)):
                series[i][2] += 1
    charts = {
        provider_id: [
            {"month": m.isoformat(), "new": new, "removed": removed, "active": active}
            for m, (new, removed, active) in zip(clock.months, series, strict=True)
        ]
        for provider_id, series in chart.items()
    }
    return figures, reseller_figures, charts


def _request_figures(clock: Clock):
    pending_now = _grouped(PartnershipRequest.objects.pending(), "provider_id", n=Count("pk"))
    at = clock.before
    pending_then = _grouped(
        PartnershipRequest.objects.filter(created_at__lte=at, expires_at__gt=at)
        .filter(Q(accepted_at__isnull=True) | Q(accepted_at__gt=at))
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=at)),
        "provider_id",
        n=Count("pk"),
    )
    return pending_now, pending_then


def _transacting(clock: Clock) -> dict[int, dict[str, int]]:
    """Distinct resellers with an order or a licence change, last 30 days and the 30 before."""
    earliest = clock.before - PERIOD
    pairs = {"now": set(), "previous": set()}

    def bucket(at):
        return "now" if at > clock.before else "previous"

    for provider_id, reseller_id, at in (
        OrderLine.objects.filter(order__created_at__gt=earliest, reseller__isnull=False)
        .order_by()
        .values_list("order__provider_id", "reseller_id", "order__created_at")
    ):
        pairs[bucket(at)].add((provider_id, reseller_id))
    for provider_id, reseller_id, at in (
        SubscriptionChange.objects.filter(
            created_at__gt=earliest,
            field__in=TRANSACTING_FIELDS,
            subscription__reseller_location__isnull=False,
        )
        .order_by()
        .values_list(
            "subscription__provider_id",
            "subscription__reseller_location__organisation_id",
            "created_at",
        )
    ):
        pairs[bucket(at)].add((provider_id, reseller_id))
    out = defaultdict(lambda: {"now": 0, "previous": 0})
    for which, found in pairs.items():
        for provider_id, _reseller_id in found:
            out[provider_id][which] += 1
    return out


def _subscription_sums_sql(group: str, source: str) -> str:
    return f"""
        SELECT {group}, s.offer_id,
               SUM(CASE WHEN s.status = %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN s.status = %s THEN s.quantity ELSE 0 END),
               SUM(CASE WHEN s.status IN (%s, %s) AND s.auto_renew AND s.term_end <= %s
                        THEN 1 ELSE 0 END)
        FROM {source}
        GROUP BY {group}, s.offer_id
    """  # noqa: S608 - table names from the models, values as parameters


def _subscription_sums(sql: str, clock: Clock) -> dict[int, dict]:
    """Per organisation: active subscriptions, licences, renewals due and licences by offer."""
    params = ["active", "active", *LIVE, clock.renewal_until]
    out = defaultdict(lambda: {"subs": 0, "licences": 0, "renewals": 0, "by_offer": {}})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for org_id, offer_id, subs, licences, renewals in cursor.fetchall():
            row = out[org_id]
            row["subs"] += int(subs or 0)
            row["licences"] += int(licences or 0)
            row["renewals"] += int(renewals or 0)
            if licences:
                row["by_offer"][offer_id] = int(licences)
    return out


def _seen_customers_sql() -> str:
    """The (reseller, customer) pairs of Customer.objects.for_org(reseller), for all resellers."""
    customers = Customer._meta.db_table
    relationships = AdminRelationship._meta.db_table
    return f"""
        SELECT reseller_id AS org_id, id AS customer_id FROM {customers}
        WHERE reseller_id IS NOT NULL
        UNION
        SELECT partner_id, customer_id FROM {relationships}
        WHERE status IN (%s, %s)
    """  # noqa: S608 - table names from the models


def _reseller_counts(clock: Clock):
    seen = _seen_customers_sql()
    live_relationships = list(AdminRelationship.LIVE_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT org_id, COUNT(*) FROM ({seen}) seen GROUP BY org_id",  # noqa: S608
            live_relationships,
        )
        customers = dict(cursor.fetchall())
    subscriptions = Subscription._meta.db_table
    sql = _subscription_sums_sql(
        "seen.org_id",
        f"({seen}) seen JOIN {subscriptions} s ON s.customer_id = seen.customer_id",
    )
    params = ["active", "active", *LIVE, clock.renewal_until]
    out = defaultdict(lambda: {"subs": 0, "licences": 0, "renewals": 0, "by_offer": {}})
    with connection.cursor() as cursor:
        cursor.execute(sql, params + live_relationships)
        for org_id, offer_id, subs, licences, renewals in cursor.fetchall():
            row = out[org_id]
            row["subs"] += int(subs or 0)
            row["licences"] += int(licences or 0)
            row["renewals"] += int(renewals or 0)
            if licences:
                row["by_offer"][offer_id] = int(licences)
    return customers, out


def _money(value) -> str:
    return str(value if value is not None else Decimal(0))


def _charges(clock: Clock):
    """Charges and margin per provider and month, and each reseller's open month per provider."""
    rows = (
        Charge.objects.filter(statement__month__gte=clock.months[0])
        .order_by()
        .values_list("statement__provider_id", "statement__reseller_id", "statement__month")
        .annotate(amount=Sum("amount"), margin=Sum("margin"))
    )
    by_provider = defaultdict(dict)
    reseller_month = defaultdict(dict)
    for provider_id, reseller_id, month, amount, margin in rows:
        key = month.isoformat()
        total = by_provider[provider_id].setdefault(key, [Decimal(0), Decimal(0)])
        total[0] += amount or 0
        total[1] += margin or 0
        if reseller_id is not None and month == clock.month:
            reseller_month[reseller_id][provider_id] = amount or Decimal(0)
    # A statement of this month with no charge yet still shows (a total of nothing).
    for reseller_id, provider_id in Statement.objects.filter(
        month=clock.month, reseller__isnull=False
    ).values_list("reseller_id", "provider_id"):
        reseller_month[reseller_id].setdefault(provider_id, Decimal(0))
    return by_provider, reseller_month


def _previous_from_history(history: dict, key: str, clock: Clock):
    """The value of ``key`` on the latest day at least 30 days ago that the history holds."""
    cutoff = (clock.today - PERIOD).isoformat()
    days = sorted(d for d in history if d <= cutoff and key in history[d])
    return history[days[-1]][key] if days else None


def _figure(value, previous):
    return {"value": value, "previous": previous}


def _top(mapping: dict, limit: int = TOP) -> list[tuple[int, int]]:
    """The ``limit`` largest items, ties broken by id so a refresh is repeatable."""
    return sorted(mapping.items(), key=lambda item: (-item[1], item[0]))[:limit]


def compute(now: dt.datetime | None = None) -> dict[int, dict]:
    """Every organisation's figures and charts: ``{org id: {"figures", "charts", "today"}}``."""
    clock = Clock(now or timezone.now())
    partnerships, reseller_partnerships, reseller_charts = _partnership_figures(clock)
    pending_now, pending_then = _request_figures(clock)
    transacting = _transacting(clock)
    customers_now = _grouped(Customer.objects.all(), "provider_id", n=Count("pk"))
    customers_then = _grouped(
        Customer.objects.filter(created_at__lte=clock.before), "provider_id", n=Count("pk")
    )
    by_reseller = _grouped(
        Customer.objects.filter(reseller__isnull=False),
        "provider_id",
        "reseller_id",
        n=Count("pk"),
    )
    subscriptions = Subscription._meta.db_table
    provider_subs = _subscription_sums(
        _subscription_sums_sql("s.provider_id", f"{subscriptions} s"), clock
    )
    expiring = _grouped(
        AdminRelationship.objects.expiring_within(), "customer__provider_id", n=Count("pk")
    )
    expiring_by_partner = _grouped(
        AdminRelationship.objects.expiring_within(), "partner_id", n=Count("pk")
    )
    reseller_customers, reseller_subs = _reseller_counts(clock)
    charges, reseller_month = _charges(clock)
    currencies = dict(ProviderCurrency.objects.values_list("provider_id", "currency"))

    orgs = dict(Organisation.objects.values_list("pk", "kind"))
    needed_orgs = set()
    needed_offers = set()
    needed_orgs.update(reseller_id for _provider_id, reseller_id in by_reseller)
    for sums in (*provider_subs.values(), *reseller_subs.values()):
        needed_offers.update(sums["by_offer"])
    for months in reseller_month.values():
        needed_orgs.update(months)
    names = {
        pk: {"uuid": str(uuid), "name": name}
        for pk, uuid, name in Organisation.objects.filter(pk__in=needed_orgs).values_list(
            "pk", "uuid", "legal_name"
        )
    }
    offers = {
        pk: {"uuid": str(uuid), "name": name}
        for pk, uuid, name in Offer.objects.filter(pk__in=needed_offers).values_list(
            "pk", "uuid", "name"
        )
    }
    customers_by_provider = defaultdict(dict)
    for (provider_id, reseller_id), n in by_reseller.items():
        customers_by_provider[provider_id][reseller_id] = n

    def offer_chart(by_offer):
        return [{**offers[offer_id], "licences": licences} for offer_id, licences in _top(by_offer)]

    out = {}
    for org_id, kind in orgs.items():
        if kind == Organisation.Kind.PROVIDER:
            p = partnerships.get(org_id, {})
            subs = provider_subs.get(org_id, {"subs": 0, "licences": 0, "renewals": 0})
            months = charges.get(org_id, {})
            this = months.get(clock.month.isoformat(), [Decimal(0), Decimal(0)])
            last = months.get(clock.last_month.isoformat(), [Decimal(0), Decimal(0)])
            figures = {
                "active_resellers": _figure(
                    p.get("active_resellers", 0), p.get("active_resellers_previous", 0)
                ),
                "new_resellers": _figure(
                    p.get("new_resellers", 0), p.get("new_resellers_previous", 0)
                ),
                "transacting_resellers": _figure(
                    transacting.get(org_id, {}).get("now", 0),
                    transacting.get(org_id, {}).get("previous", 0),
                ),
                "agreement_not_accepted": _figure(
                    p.get("agreement_not_accepted", 0),
                    p.get("agreement_not_accepted_previous", 0),
                ),
                "pending_requests": _figure(
                    pending_now.get(org_id, 0), pending_then.get(org_id, 0)
                ),
                "customers": _figure(customers_now.get(org_id, 0), customers_then.get(org_id, 0)),
                "active_subscriptions": _figure(subs["subs"], None),
                "active_licences": _figure(subs["licences"], None),
                "renewals_30": _figure(subs["renewals"], None),
                "relationships_expiring": _figure(expiring.get(org_id, 0), None),
                "charges_month": _figure(_money(this[0]), _money(last[0])),
                "margin_month": _figure(_money(this[1]), _money(last[1])),
            }
            charts = {
                "resellers_by_month": reseller_charts.get(org_id)
                or [
                    {"month": m.isoformat(), "new": 0, "removed": 0, "active": 0}
                    for m in clock.months
                ],
                "licences_by_offer": offer_chart(provider_subs.get(org_id, {}).get("by_offer", {})),
                "customers_by_reseller": [
                    {**names[reseller_id], "customers": n}
                    for reseller_id, n in _top(customers_by_provider.get(org_id, {}))
                ],
                "charges_by_month": [
                    {
                        "month": m.isoformat(),
                        "charges": _money(months.get(m.isoformat(), [0, 0])[0]),
                        "margin": _money(months.get(m.isoformat(), [0, 0])[1]),
                    }
                    for m in clock.months
                ],
                "currency": currencies.get(org_id, DEFAULT_CURRENCY),
            }
            history_keys = PROVIDER_HISTORY_KEYS
        else:
            r = reseller_partnerships.get(org_id, {})
            subs = reseller_subs.get(org_id, {"subs": 0, "licences": 0, "renewals": 0})
            figures = {
                "providers": _figure(r.get("providers", 0), r.get("providers_previous", 0)),
                "customers": _figure(reseller_customers.get(org_id, 0), None),
                "active_licences": _figure(subs["licences"], None),
                "renewals_30": _figure(subs["renewals"], None),
                "relationships_expiring": _figure(expiring_by_partner.get(org_id, 0), None),
            }
            charts = {
                "licences_by_offer": offer_chart(reseller_subs.get(org_id, {}).get("by_offer", {})),
                "statements": [
                    {
                        **names[provider_id],
                        "total": _money(total),
                        "currency": currencies.get(provider_id, DEFAULT_CURRENCY),
                    }
                    for provider_id, total in sorted(
                        reseller_month.get(org_id, {}).items(),
                        key=lambda item: names[item[0]]["name"],
                    )
                ],
                "month": clock.month.isoformat(),
            }
            history_keys = RESELLER_HISTORY_KEYS
        out[org_id] = {
            "figures": figures,
            "charts": charts,
            "history_keys": history_keys,
        }
    return out


def refresh(now: dt.datetime | None = None) -> int:
    """Recount every organisation's summary row; returns how many were written.

    Idempotent and safe when two run at once: each row is upserted whole, the
    later run's counts win, and the daily history keeps one entry per day.
    """
    now = now or timezone.now()
    clock = Clock(now)
    counted = compute(now)
    histories = dict(Summary.objects.values_list("organisation_id", "history"))
    today = clock.today.isoformat()
    oldest = (clock.today - dt.timedelta(days=HISTORY_DAYS)).isoformat()
    rows = []
    for org_id, data in counted.items():
        history = {
            day: values for day, values in (histories.get(org_id) or {}).items() if day >= oldest
        }
        figures = data["figures"]
        for key in data["history_keys"]:
            figures[key]["previous"] = _previous_from_history(history, key, clock)
        history[today] = {key: figures[key]["value"] for key in data["history_keys"]}
        rows.append(
            Summary(
                organisation_id=org_id,
                refreshed_at=now,
                figures=figures,
                charts=data["charts"],
                history=history,
            )
        )
    with transaction.atomic():
        Summary.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["organisation"],
            update_fields=["refreshed_at", "figures", "charts", "history"],
        )
    return len(rows)
