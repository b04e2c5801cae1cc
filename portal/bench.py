"""The benchmark's reference page: the ceiling a page of the portal is measured against.

It goes through the whole middleware stack (session, sign-in, tenant) and
renders the base layout, but the view itself reads nothing from the database.
It is routed only when DEBUG or BENCHMARK_VIEWS=1 is set (see portal/urls.py),
never in a normal production deployment.
"""

import os

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from portal.tenancy import org_required


def benchmark_views_enabled() -> bool:
    return settings.DEBUG or os.environ.get("BENCHMARK_VIEWS") == "1"


@org_required()
@require_safe
def reference(request):
    return render(request, "bench/reference.html")
