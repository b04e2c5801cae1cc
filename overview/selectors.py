"""What the overview shows: the viewer's summary row, as figures and charts ready to render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from billing.money import exponent
from overview import charts
from overview.models import Summary
from portal.roles import Perm


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str
    change: str
    direction: str  # "up", "down", "same" or "" (no earlier figure)
    href: str


def summary_for(*, org) -> Summary | None:
    """The organisation's summary row (None until the first refresh), without its history."""
    return Summary.objects.for_org(org).defer("history").first()


def refreshed_at(*, org) -> dt.datetime | None:
    """When the organisation's summary row was last counted (None: not yet)."""
    return Summary.objects.for_org(org).values_list("refreshed_at", flat=True).first()


def content_key(*, org, refreshed_at: dt.datetime, language: str, tenant) -> str:
    """The cache key of the overview as rendered for one organisation, refresh, language
    and billing right (money is shown only with VIEW_BILLING)."""
    billing = "b" if tenant.can(Perm.VIEW_BILLING) else "n"
    return f"overview:{org.pk}:{refreshed_at.timestamp():.6f}:{language}:{billing}"


def _url(name: str, **params) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url


def number(value) -> str:
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def money(value, currency: str) -> str:
    places = -exponent(currency).as_tuple().exponent
    return formats.number_format(
        Decimal(value), decimal_pos=places, use_l10n=True, force_grouping=True
    )


def month_label(iso: str) -> str:
    return formats.date_format(dt.date.fromisoformat(iso), "YEAR_MONTH_FORMAT")


def month_axis(isos: list[str]) -> list[tuple[str, str]]:
    """Short axis labels of months: the month, and under it the year where the year changes."""
    labels = []
    for i, iso in enumerate(isos):
        day = dt.date.fromisoformat(iso)
        # Translators: a month on a chart's axis (Django date format: "M" is "Jan").
        month = formats.date_format(day, _("M"))
        year = formats.date_format(day, _("Y")) if i == 0 or day.month == 1 else ""
        labels.append((month, year))
    return labels


def whole_number(value) -> str:
    return number(int(value))


def _change(value, previous, *, fmt, period: str) -> tuple[str, str]:
    if previous is None:
        return _("no earlier figure yet"), ""
    delta = Decimal(str(value)) - Decimal(str(previous))
    if delta == 0:
        return _("no change since %(period)s") % {"period": period}, "same"
    sign = "+" if delta > 0 else "−"
    return (
        _("%(sign)s%(delta)s since %(period)s")
        % {"sign": sign, "delta": fmt(abs(delta)), "period": period},
        "up" if delta > 0 else "down",
    )


def figures(*, summary: Summary, tenant) -> list[Figure]:
    """The summary's figures in the page's order, each with its change and its list's link."""
    org = tenant.org
    data = summary.figures
    currency = summary.charts.get("currency", "")
    days_ago, last_month = _("30 days ago"), _("last month")

    def figure(key, label, href, *, period=days_ago, fmt=number):
        entry = data.get(key, {"value": 0, "previous": None})
        change, direction = _change(entry["value"], entry["previous"], fmt=fmt, period=period)
        return Figure(key, label, fmt(entry["value"]), change, direction, href)

    active_subs = _url("subscriptions:subscription_list", status="active")
    renewals = _url("subscriptions:subscription_list", renewal="renews_30")
    expiring = _url("customers:customer_list", expiring="on")
    if org.is_provider:
        resellers = "partners:reseller_list"
        out = [
            figure("active_resellers", _("Active resellers"), _url(resellers, status="active")),
            figure(
                "new_resellers",
                _("New resellers this month"),
                _url(resellers, status="active", sort="date"),
                period=last_month,
            ),
            figure(
                "transacting_resellers",
                _("Transacting resellers (30 days)"),
                _url(resellers, status="active", sort="date"),
                period=_("the 30 days before"),
            ),
            figure(
                "agreement_not_accepted",
                _("Partner agreement not accepted"),
                _url(resellers, agreement="not_accepted"),
            ),
            figure(
                "pending_requests",
                _("Pending partnership requests"),
                _url(resellers, status="pending"),
            ),
            figure("customers", _("Customers"), _url("customers:customer_list")),
            figure("active_subscriptions", _("Active subscriptions"), active_subs),
            figure("active_licences", _("Active licences"), active_subs),
            figure("renewals_30", _("Renewals in the next 30 days"), renewals),
            figure(
                "relationships_expiring", _("Admin relationships expiring in 30 days"), expiring
            ),
        ]
        if tenant.can(Perm.VIEW_BILLING):

            def fmt_money(value):
                return f"{money(value, currency)} {currency}"

            statements = _url("billing:statement_list")
            out += [
                figure(
                    "charges_month",
                    _("Charges this month"),
                    statements,
                    period=last_month,
                    fmt=fmt_money,
                ),
                figure(
                    "margin_month",
                    _("Margin this month"),
                    statements,
                    period=last_month,
                    fmt=fmt_money,
                ),
            ]
        return out
    return [
        figure("providers", _("Indirect providers"), _url("partners:reseller_home")),
        figure("customers", _("Customers"), _url("customers:customer_list")),
        figure("active_licences", _("Active licences"), active_subs),
        figure("renewals_30", _("Renewals in the next 30 days"), renewals),
        figure("relationships_expiring", _("Admin relationships expiring in 30 days"), expiring),
    ]


def statements(*, summary: Summary, tenant) -> list[dict]:
    """The reseller's open statements of this month, one per provider, formatted."""
    if tenant.org.is_provider or not tenant.can(Perm.VIEW_BILLING):
        return []
    return [
        {
            "provider": row["name"],
            "total": f"{money(row['total'], row['currency'])} {row['currency']}",
            "href": _url("billing:statement_list"),
        }
        for row in summary.charts.get("statements", [])
    ]


CHART_KEYS = {
    "provider": (
        "resellers_by_month",
        "licences_by_offer",
        "customers_by_reseller",
        "charges_by_month",
    ),
    "reseller": ("licences_by_offer",),
}


def chart_list(*, summary: Summary, tenant) -> list[charts.Chart]:
    """The charts of the viewer's side, as geometry, tables and CSV rows."""
    keys = CHART_KEYS["provider" if tenant.org.is_provider else "reseller"]
    built = []
    for key in keys:
        if key == "charges_by_month" and not tenant.can(Perm.VIEW_BILLING):
            continue
        built.append(BUILDERS[key](summary.charts))
    return built


def chart_for(*, summary: Summary, tenant, key: str) -> charts.Chart | None:
    return next((c for c in chart_list(summary=summary, tenant=tenant) if c.key == key), None)


def _resellers_by_month(data) -> charts.Chart:
    rows = data.get("resellers_by_month", [])
    periods = [month_label(r["month"]) for r in rows]
    resellers = "partners:reseller_list"
    series = [
        (
            _("New"),
            [r["new"] for r in rows],
            [_url(resellers, status="active", sort="date")] * len(rows),
        ),
        (
            _("Removed"),
            [r["removed"] for r in rows],
            [_url(resellers, status="removed")] * len(rows),
        ),
        (_("Active"), [r["active"] for r in rows], [_url(resellers, status="active")] * len(rows)),
    ]
    latest = rows[-1] if rows else {"new": 0, "removed": 0, "active": 0}
    return charts.grouped_columns(
        key="resellers_by_month",
        title=_("Resellers over the last 12 months"),
        description=_(
            "New, removed and active resellers per month. This month: %(new)s new, "
            "%(removed)s removed, %(active)s active."
        )
        % {
            "new": number(latest["new"]),
            "removed": number(latest["removed"]),
            "active": number(latest["active"]),
        },
        period_header=_("Month"),
        periods=periods,
        axis_labels=month_axis([r["month"] for r in rows]),
        axis_fmt=whole_number,
        csv_periods=[r["month"][:7] for r in rows],
        series=series,
        fmt=number,
        name=lambda series, period, value: (
            _("%(series)s resellers, %(period)s: %(value)s")
            % {"series": series, "period": period, "value": value}
        ),
    )


def _licences_by_offer(data) -> charts.Chart:
    rows = data.get("licences_by_offer", [])
    items = [
        (
            r["name"],
            r["licences"],
            _url("subscriptions:subscription_list", status="active", q=r["name"]),
        )
        for r in rows
    ]
    description = (
        _("Active licences of the %(count)s offers with the most; first: %(name)s, %(value)s.")
        % {"count": len(rows), "name": rows[0]["name"], "value": number(rows[0]["licences"])}
        if rows
        else _("No active licences yet.")
    )
    return charts.horizontal_bars(
        key="licences_by_offer",
        title=_("Licences by offer (top 10)"),
        description=description,
        label_header=_("Offer"),
        value_header=_("Active licences"),
        items=items,
        fmt=number,
        name=lambda label, value: (
            _("%(offer)s: %(value)s active licences") % {"offer": label, "value": value}
        ),
    )


def _customers_by_reseller(data) -> charts.Chart:
    rows = data.get("customers_by_reseller", [])
    items = [
        (r["name"], r["customers"], _url("customers:customer_list", reseller=r["uuid"]))
        for r in rows
    ]
    description = (
        _("Customers of the %(count)s resellers with the most; first: %(name)s, %(value)s.")
        % {"count": len(rows), "name": rows[0]["name"], "value": number(rows[0]["customers"])}
        if rows
        else _("No customer is associated with a reseller yet.")
    )
    return charts.horizontal_bars(
        key="customers_by_reseller",
        title=_("Customers by reseller (top 10)"),
        description=description,
        label_header=_("Indirect reseller"),
        value_header=_("Customers"),
        items=items,
        fmt=number,
        name=lambda label, value: (
            _("%(reseller)s: %(value)s customers") % {"reseller": label, "value": value}
        ),
    )


def _charges_by_month(data) -> charts.Chart:
    rows = data.get("charges_by_month", [])
    currency = data.get("currency", "")
    statements = _url("billing:statement_list")
    title = _("Charges and margin per month (%(currency)s)") % {"currency": currency}
    if not any(Decimal(r["charges"]) or Decimal(r["margin"]) for r in rows):
        return charts.Chart("charges_by_month", title, _("No charges in the last 12 months."), 0, 0)
    latest = rows[-1]
    return charts.grouped_columns(
        key="charges_by_month",
        title=title,
        description=_(
            "Charges and margin per month. This month: %(charges)s charged, %(margin)s margin."
        )
        % {
            "charges": money(latest["charges"], currency),
            "margin": money(latest["margin"], currency),
        },
        period_header=_("Month"),
        periods=[month_label(r["month"]) for r in rows],
        axis_labels=month_axis([r["month"] for r in rows]),
        axis_fmt=whole_number,
        csv_periods=[r["month"][:7] for r in rows],
        series=[
            (_("Charges"), [Decimal(r["charges"]) for r in rows], [statements] * len(rows)),
            (_("Margin"), [Decimal(r["margin"]) for r in rows], [statements] * len(rows)),
        ],
        fmt=lambda value: money(value, currency),
        name=lambda series, period, value: (
            _("%(series)s, %(period)s: %(value)s")
            % {"series": series, "period": period, "value": value}
        ),
    )


BUILDERS = {
    "resellers_by_month": _resellers_by_month,
    "licences_by_offer": _licences_by_offer,
    "customers_by_reseller": _customers_by_reseller,
    "charges_by_month": _charges_by_month,
}


MONEY_FIGURES = ("charges_month", "margin_month")
MONEY_CHARTS = ("charges_by_month", "statements")


def summary_data(*, summary: Summary | None, perms) -> dict:
    """The summary as the API returns it: money only with VIEW_BILLING."""
    if summary is None:
        return {"refreshed_at": None, "figures": {}, "charts": {}}
    billing = Perm.VIEW_BILLING in perms
    return {
        "refreshed_at": summary.refreshed_at,
        "figures": {
            key: value
            for key, value in summary.figures.items()
            if billing or key not in MONEY_FIGURES
        },
        "charts": {
            key: value
            for key, value in summary.charts.items()
            if billing or key not in MONEY_CHARTS
        },
    }
