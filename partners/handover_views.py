"""Remove partnership with a guided handover: the impact preview, the plan, progress, summary, undo."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from jobs import selectors as job_selectors
from jobs.models import Job
from partners import handover as ho
from partners.forms import HandoverDecisionForm, HandoverStartForm
from partners.models import Partnership
from portal.actions import post_action
from portal.htmx import render_page
from portal.roles import Perm
from portal.tenancy import get_for_org, provider_required


def _active_partnership(request, partnership_id) -> Partnership:
    return get_for_org(
        Partnership.objects.active().select_related("reseller"),
        request.tenant.org,
        uuid=partnership_id,
    )


def impact_preview(request, partnership: Partnership, *, form=None, status: int = 200):
    """The Remove partnership page: what names the reseller, then the decision for all."""
    provider, reseller = request.tenant.org, partnership.reseller
    counts = ho.impact_counts(provider=provider, reseller=reseller)
    context = {
        "partnership": partnership,
        "counts": counts,
        "page": ho.impact_page(
            provider=provider, reseller=reseller, after=request.GET.get("after", "")
        ),
        "after": request.GET.get("after", ""),
        "admin_relationships": ho.reseller_admin_relationships(
            provider=provider, reseller=reseller
        ),
        "open_imports": list(ho.open_imports(provider=provider, reseller=reseller)),
        "form": form or HandoverDecisionForm(initial={"decision": ho.Decision.LEAVE}),
        "open_handover": ho.open_handover(partnership=partnership),
    }
    return render_page(
        request, "partners/partnership_remove.html", context, partial="impact", status=status
    )


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_POST
def handover_plan(request, partnership_id):
    """Prepare the handover with one decision for every customer; the plan page follows."""
    partnership = _active_partnership(request, partnership_id)
    form = HandoverDecisionForm(request.POST)
    if not form.is_valid():
        return impact_preview(request, partnership, form=form, status=422)
    return post_action(
        request,
        lambda: ho.handover_plan(
            partnership=partnership,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            location_partner_id=form.cleaned_data["location_partner_id"],
        ),
        redirect_to=lambda handover: reverse("partners:handover_detail", args=[handover.uuid]),
        form=form,
        render=lambda error: impact_preview(request, partnership, form=form, status=422),
    )


def _after_number(request) -> int:
    value = request.GET.get("after", "")
    return int(value) if value.isdigit() else 0


def _detail(request, handover, *, row_forms=None, all_form=None, status=200):
    job = handover.job
    undo = handover.undo_job
    shown = undo or job
    context = {
        "handover": handover,
        "job": job,
        "undo": undo,
        "shown": shown,
        "percent": int(shown.processed * 100 / shown.total) if shown.total else 100,
        "seconds_left": job_selectors.seconds_left(shown, timezone.now()) if shown.total else None,
        "can_undo": ho.can_undo(handover),
        "undo_deadline": ho.undo_deadline(handover),
        "start_form": HandoverStartForm(),
    }
    if not getattr(request, "htmx", False):
        after = _after_number(request)
        page = ho.plan_rows(handover=handover, after=after)
        row_forms = row_forms or {}
        for row in page["rows"]:
            row.form = row_forms.get(row.data.get("customer_uuid")) or HandoverDecisionForm(
                initial={
                    "decision": row.data.get("decision"),
                    "location_partner_id": row.data.get("location", ""),
                },
                prefix=f"c{row.number}",
            )
            # Said once, above the table (Apply to all), not on every row.
            row.form.fields["location_partner_id"].help_text = ""
        context.update(
            {
                "page": page,
                "after": after,
                "summary": ho.plan_summary(handover=handover),
                "all_form": all_form or HandoverDecisionForm(prefix="all"),
                "removal": job.rows.filter(number=ho.REMOVE_ROW).first(),
                "undo_removal": undo.rows.filter(number=ho.REMOVE_ROW).first() if undo else None,
            }
        )
    return render_page(
        request,
        "partners/handover_detail.html",
        context,
        partial="handover-progress",
        status=status,
    )


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_safe
def handover_detail(request, job_id):
    """The plan (a decision per customer), then the progress, then the summary and Undo."""
    handover = ho.handover_for_page(org=request.tenant.org, job_id=job_id)
    return _detail(request, handover)


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_POST
def handover_decision(request, job_id, customer_id):
    """Change one customer's decision in the plan."""
    handover = ho.handover_for_page(org=request.tenant.org, job_id=job_id)
    number = request.POST.get("number", "")
    form = HandoverDecisionForm(request.POST, prefix=f"c{number}" if number.isdigit() else None)
    redirect_to = reverse("partners:handover_detail", args=[handover.uuid])
    if request.POST.get("after", "").isdigit():
        redirect_to += f"?after={request.POST['after']}"
    if not form.is_valid():
        return _detail(request, handover, row_forms={str(customer_id): form}, status=422)
    return post_action(
        request,
        lambda: ho.handover_set_decision(
            handover=handover,
            customer_id=customer_id,
            decision=form.cleaned_data["decision"],
            location_partner_id=form.cleaned_data["location_partner_id"],
            actor=request.user,
        ),
        success=lambda row: _("Decision saved for %(customer)s.") % {"customer": row.data["name"]},
        redirect_to=redirect_to,
        form=form,
        render=lambda error: _detail(
            request, handover, row_forms={str(customer_id): form}, status=422
        ),
    )


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_POST
def handover_apply_all(request, job_id):
    """Give every customer of the plan the same decision."""
    handover = ho.handover_for_page(org=request.tenant.org, job_id=job_id)
    form = HandoverDecisionForm(request.POST, prefix="all")
    if not form.is_valid():
        return _detail(request, handover, all_form=form, status=422)
    return post_action(
        request,
        lambda: ho.handover_apply_to_all(
            handover=handover,
            decision=form.cleaned_data["decision"],
            location_partner_id=form.cleaned_data["location_partner_id"],
            actor=request.user,
        ),
        success=lambda count: (
            _("The decision now applies to all %(count)s customers.") % {"count": count}
        ),
        redirect_to=reverse("partners:handover_detail", args=[handover.uuid]),
        form=form,
        render=lambda error: _detail(request, handover, all_form=form, status=422),
    )


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_POST
def handover_start(request, job_id):
    """Yes: remove the partnership and hand the customers over in the background."""
    handover = ho.handover_for_page(org=request.tenant.org, job_id=job_id)
    form = HandoverStartForm(request.POST)
    notify = form.is_valid() and form.cleaned_data["notify"]
    return post_action(
        request,
        lambda: ho.handover_start(handover=handover, actor=request.user, notify=notify),
        success=_("Removing the partnership with %(reseller)s.")
        % {"reseller": handover.reseller.legal_name},
        redirect_to=reverse("partners:handover_detail", args=[handover.uuid]),
    )


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_POST
def handover_cancel(request, job_id):
    """Discard the plan, or stop the run after its current batch."""
    handover = ho.handover_for_page(org=request.tenant.org, job_id=job_id)
    started = handover.job.status != Job.Status.VALIDATED
    return post_action(
        request,
        lambda: ho.handover_cancel(handover=handover, actor=request.user),
        success=_("The handover stops after the current batch.")
        if started
        else _("The plan was discarded; the partnership is unchanged."),
        redirect_to=reverse("partners:handover_detail", args=[handover.uuid])
        if started
        else reverse("partners:reseller_detail", args=[handover.partnership.uuid]),
    )


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_POST
def handover_undo(request, job_id):
    """Restore the partnership and every association that has not changed since."""
    handover = ho.handover_for_page(org=request.tenant.org, job_id=job_id)
    return post_action(
        request,
        lambda: ho.handover_undo(handover=handover, actor=request.user),
        success=_("Undoing the handover."),
        redirect_to=reverse("partners:handover_detail", args=[handover.uuid]),
    )
