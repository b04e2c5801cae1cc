"""The Imports screens: list, upload and preview, progress, results, templates."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jobs import csvfile, selectors, services
from jobs.forms import UploadForm
from jobs.kinds import EXAMPLES, KINDS
from jobs.models import UPLOAD_KINDS
from portal.actions import post_action
from portal.htmx import render_page
from portal.roles import Perm
from portal.tenancy import provider_required

PAGE_SIZE = 25


@provider_required(Perm.RUN_BULK_IMPORTS)
@require_safe
def import_list(request):
    """The organisation's imports, newest first."""
    page = Paginator(selectors.jobs_for_list(org=request.tenant.org), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "jobs/import_list.html",
        {"page": page, "jobs": page.object_list, "kinds": UPLOAD_KINDS},
        partial="import-table",
    )


@provider_required(Perm.RUN_BULK_IMPORTS)
@require_http_methods(["GET", "HEAD", "POST"])
def import_new(request):
    """Upload a CSV: it is checked row by row, nothing is written, the preview follows."""
    form = UploadForm(request.POST or None, request.FILES or None, initial=request.GET)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        return post_action(
            request,
            lambda: services.job_check_upload(
                org=request.tenant.org,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                file_name=upload.name or "",
                raw=upload.read(),
                encoding=form.cleaned_data["encoding"],
            ),
            redirect_to=lambda job: reverse("jobs:import_detail", args=[job.uuid]),
            form=form,
            render=lambda error: _render_new(request, form, status=422),
        )
    return _render_new(request, form, status=422 if form.errors else 200)


def _render_new(request, form, status=200):
    return render_page(
        request,
        "jobs/import_new.html",
        {"form": form, "kinds": UPLOAD_KINDS},
        partial="upload-form",
        status=status,
    )


@provider_required(Perm.RUN_BULK_IMPORTS)
@require_safe
def import_detail(request, job_id):
    """The preview of a checked file, then the import's live progress (polled by HTMX)."""
    job = selectors.job_for_detail(org=request.tenant.org, job_id=job_id)
    context = {
        "job": job,
        "seconds_left": selectors.seconds_left(job, timezone.now()),
        "percent": int(job.processed * 100 / job.valid) if job.valid else 100,
    }
    if not getattr(request, "htmx", False):
        context["earlier"] = selectors.earlier_same_file(job=job)
        context["problems"] = [p for errors in selectors.invalid_rows(job=job) for p in errors]
    return render_page(request, "jobs/import_detail.html", context, partial="job-progress")


@provider_required(Perm.RUN_BULK_IMPORTS)
@require_POST
def import_start(request, job_id):
    job = selectors.job_for_detail(org=request.tenant.org, job_id=job_id)
    return post_action(
        request,
        lambda: services.job_start(job=job, actor=request.user),
        success=_("Import started."),
        redirect_to=reverse("jobs:import_detail", args=[job.uuid]),
    )


@provider_required(Perm.RUN_BULK_IMPORTS)
@require_POST
def import_cancel(request, job_id):
    job = selectors.job_for_detail(org=request.tenant.org, job_id=job_id)
    return post_action(
        request,
        lambda: services.job_cancel(job=job, actor=request.user),
        success=_("The import stops after the current batch."),
        redirect_to=reverse("jobs:import_detail", args=[job.uuid]),
    )


@provider_required(Perm.RUN_BULK_IMPORTS)
@require_POST
def import_results(request, job_id):
    """The results CSV (a POST: the customers' temporary passwords in it are then deleted)."""
    job = selectors.job_for_detail(org=request.tenant.org, job_id=job_id)
    try:
        content = services.job_results_take(job=job, actor=request.user)
    except services.JobError as error:
        from django.contrib import messages

        messages.error(request, error.message)
        return redirect("jobs:import_detail", job.uuid)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.uuid}-results.csv"'
    response["Cache-Control"] = "no-store"
    return response


@provider_required(Perm.RUN_BULK_IMPORTS)
@require_safe
def import_template(request):
    """An empty file for an import (``?kind=``), its header in English or Japanese (``&language=``)."""
    kind, language = request.GET.get("kind", ""), request.GET.get("language", "")
    if kind not in dict(UPLOAD_KINDS) or language not in ("en", "ja"):
        raise Http404
    columns = KINDS[kind][0]
    response = HttpResponse(
        csvfile.template_csv(columns, language, EXAMPLES[kind]),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-template-{language}.csv"'
    return response
