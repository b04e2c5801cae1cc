from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from overview import selectors
from portal.exports import csv_response
from portal.roles import Perm
from portal.tenancy import org_required


@org_required(Perm.VIEW_OVERVIEW)
@require_safe
def overview(request):
    """The home page of both sides: figures and charts from the organisation's summary row."""
    tenant = request.tenant
    summary = selectors.summary_for(org=tenant.org)
    context = {"summary": summary, "zone": timezone.get_current_timezone_name()}
    if summary is not None:
        context |= {
            "figures": selectors.figures(summary=summary, tenant=tenant),
            "charts": selectors.chart_list(summary=summary, tenant=tenant),
            "statements": selectors.statements(summary=summary, tenant=tenant),
            "statement_month": selectors.month_label(summary.charts["month"])
            if "month" in summary.charts
            else "",
        }
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
