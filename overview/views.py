from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from overview import selectors
from portal.exports import csv_response
from portal.outages import cache_call
from portal.roles import Perm
from portal.tenancy import org_required

# A day: a summary is refreshed every 15 minutes, so a key is read for 15 minutes at most.
CONTENT_TTL = 24 * 3600


@org_required(Perm.VIEW_OVERVIEW)
@require_safe
def overview(request):
    """The home page of both sides: figures and charts from the organisation's summary row.

    The figures and charts are rendered once per refresh, language and billing right,
    and kept in the cache under a key holding the row's refresh time: a later refresh
    is a new key, so nothing stale is ever shown and nothing needs clearing.
    """
    tenant = request.tenant
    refreshed_at = selectors.refreshed_at(org=tenant.org)
    context = {"refreshed_at": refreshed_at, "zone": timezone.get_current_timezone_name()}
    if refreshed_at is not None:
        key = selectors.content_key(
            org=tenant.org, refreshed_at=refreshed_at, language=get_language(), tenant=tenant
        )
        content = cache_call(cache.get, key)
        if content is None:
            summary = selectors.summary_for(org=tenant.org)
            content = render_to_string(
                "overview/_content.html",
                {
                    "figures": selectors.figures(summary=summary, tenant=tenant),
                    "charts": selectors.chart_list(summary=summary, tenant=tenant),
                    "statements": selectors.statements(summary=summary, tenant=tenant),
                    "statement_month": selectors.month_label(summary.charts["month"])
                    if "month" in summary.charts
                    else "",
                },
                request=request,
            )
            # Kept as the engine's SafeString: the cache pickles it, type and all.
            cache_call(cache.set, key, content, CONTENT_TTL)
        context["content"] = content
    return render(request, "overview/overview.html", context)


@org_required(Perm.VIEW_OVERVIEW)
@require_safe
def chart_csv(request):
    """One chart's numbers as CSV (``?chart=<key>``); an unknown chart answers 404."""
    summary = selectors.summary_for(org=request.tenant.org)
    chart = (
        selectors.chart_for(
            summary=summary, tenant=request.tenant, key=request.GET.get("chart", "")
        )
        if summary is not None
        else None
    )
    if chart is None:
        raise Http404
    return csv_response(
        filename=f"overview-{chart.key}.csv", headers=chart.headers, rows=chart.csv_rows
    )
