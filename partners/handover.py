"""Removing a partnership with a guided handover: the impact, the plan, the job, the undo.

The impact preview reads what still names the reseller under the provider.
The plan is a job (``jobs``) of kind ``handover``: row 1 removes the
partnership, then one row per affected customer carries its decision. The
runner applies each row in its own transaction with its outcome, so a
redelivered task skips what was done. A customer's row records what it
changed (and each subscription's version after the change), so the undo,
another job, restores only what has not changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, TenantOwnerGrant
from jobs.models import Job, JobRow
from partners.models import Handover, Organisation, PartnerLocation, Partnership
from partners.services import partnership_remove
from portal import audit
from portal.audit import Verb
from portal.emails import queue_email, recipient_language
from portal.errors import ServiceError
from relationships.models import AdminRelationship
from subscriptions.models import Subscription, SubscriptionChange
from subscriptions.selectors import reseller_location_check
from subscriptions.services import contact_label, location_label

UNDO_DAYS = 7
PAGE_SIZE = 25
REMOVE_ROW = 1  # the partnership's removal; customers follow from 2


class Decision:
    LEAVE = "leave"
    PROVIDER = "provider"
    REASSIGN = "reassign"

    @staticmethod
    def choices():
        return [
            (Decision.LEAVE, _("Leave as it is")),
            (Decision.PROVIDER, _("Keep with the provider (no reseller)")),
            (Decision.REASSIGN, _("Reassign to another reseller")),
        ]


def decision_label(value: str) -> str:
    return dict(Decision.choices()).get(value, value)


class HandoverError(ServiceError):
    """A handover step that cannot be taken (the message says why)."""


# Reads ---------------------------------------------------------------------


def _live_subscriptions():
    return Subscription.objects.exclude(status__in=Subscription.CLOSED_STATUSES)


def _reseller_subscriptions(*, provider, reseller):
    """The provider's live subscriptions credited to the reseller or supported by it."""
    return (
        _live_subscriptions()
        .filter(provider=provider)
        .filter(Q(reseller_location__organisation=reseller) | Q(support_contact=reseller))
    )


def affected_customers(*, provider, reseller):
    """The provider's customers associated with the reseller, or with a live subscription
    credited to it or supported by it; by name."""
    # IN (a few subscriptions' customers), not EXISTS per customer: a distributor's
    # tens of thousands of customers are not probed one by one.
    named = _reseller_subscriptions(provider=provider, reseller=reseller).values("customer_id")
    return (
        Customer.objects.for_org(provider)
        .filter(Q(reseller=reseller) | Q(pk__in=named))
        .order_by("company_name", "id")
    )


def open_handover(*, partnership) -> Handover | None:
    """The plan or run of this partnership's handover that has not ended, if any."""
    return (
        Handover.objects.filter(partnership=partnership)
        .exclude(job__status__in=[Job.Status.DONE, Job.Status.CANCELLED])
        .select_related("job")
        .first()
    )


def impact_counts(*, provider, reseller) -> dict[str, int]:
    """The counts at the top of the impact preview (a fixed number of queries)."""
    customers = affected_customers(provider=provider, reseller=reseller)
    subs = _live_subscriptions().filter(provider=provider)
    return {
        "customers": customers.count(),
        "active_subscriptions": subs.filter(
            status=Subscription.Status.ACTIVE, customer__in=customers.values("pk")
        ).count(),
        **_reseller_subscriptions(provider=provider, reseller=reseller).aggregate(
            credited=Count("pk", filter=Q(reseller_location__organisation=reseller)),
            supported=Count("pk", filter=Q(support_contact=reseller)),
        ),
        "admin_relationships": AdminRelationship.objects.filter(
            partner=reseller, customer__provider=provider
        )
        .exclude(status__in=AdminRelationship.ENDED_STATUSES)
        .count(),
        "tenant_owner_grants": TenantOwnerGrant.objects.active()
        .filter(organisation=reseller, customer__provider=provider)
        .count(),
        "open_imports": open_imports(provider=provider, reseller=reseller, limit=None).count(),
    }


def open_imports(*, provider, reseller, limit: int | None = 10):
    """The provider's imports not ended whose pending rows name the reseller."""
    # A reseller has a few locations; JSON values compare with a list, not a subquery.
    locations = list(
        PartnerLocation.objects.filter(organisation=reseller).values_list("pk", flat=True)
    )
    rows = JobRow.objects.filter(job=OuterRef("pk"), outcome=JobRow.Outcome.PENDING).filter(
        Q(data__reseller=reseller.pk) | Q(data__location__in=locations)
    )
    jobs = (
        Job.objects.for_org(provider)
        .filter(
            kind__in=[Job.Kind.CUSTOMERS, Job.Kind.REASSIGN],
            status__in=[Job.Status.VALIDATED, Job.Status.QUEUED, Job.Status.RUNNING],
        )
        .filter(Exists(rows))
        .order_by("-created_at", "-id")
    )
    return jobs if limit is None else jobs[:limit]


def reseller_admin_relationships(*, provider, reseller, limit: int = 50):
    """The reseller's admin relationships on the provider's customers that have not ended."""
    return list(
        AdminRelationship.objects.filter(partner=reseller, customer__provider=provider)
        .exclude(status__in=AdminRelationship.ENDED_STATUSES)
        .select_related("customer")
        .order_by("customer__company_name", "id")[:limit]
    )


def _after_filter(queryset, after: Customer | None):
    if after is None:
        return queryset
    return queryset.filter(
        Q(company_name__gt=after.company_name) | Q(company_name=after.company_name, id__gt=after.pk)
    )


def impact_page(*, provider, reseller, after: str = "", size: int = PAGE_SIZE) -> dict:
    """One keyset page of the affected customers, each with what names the reseller.

    ``after`` is the uuid of the previous page's last customer. Four queries
    whatever the page: the anchor, the customers, their subscriptions, their
    admin relationships and tenant-owner grants.
    """
    customers = affected_customers(provider=provider, reseller=reseller)
    anchor = None
    if after:
        try:
            anchor = customers.filter(uuid=after).first()
        except ValidationError:
            anchor = None
    rows = list(_after_filter(customers, anchor)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    by_id = {c.pk: c for c in rows}
    for customer in rows:
        customer.live_subscriptions = []
        customer.relationship_count = 0
        customer.tenant_owner = False
    subs = (
        _live_subscriptions()
        .filter(customer_id__in=list(by_id))
        .select_related("offer", "reseller_location", "support_contact")
        .order_by("customer_id", "offer__name", "id")
    )
    for sub in subs:
        sub.credits_reseller = (
            sub.reseller_location is not None
            and sub.reseller_location.organisation_id == reseller.pk
        )
        sub.supported_by_reseller = sub.support_contact_id == reseller.pk
        by_id[sub.customer_id].live_subscriptions.append(sub)
    relationships = (
        AdminRelationship.objects.filter(partner=reseller, customer_id__in=list(by_id))
        .exclude(status__in=AdminRelationship.ENDED_STATUSES)
        .values("customer_id")
        .annotate(n=Count("pk"))
    )
    for item in relationships:
        by_id[item["customer_id"]].relationship_count = item["n"]
    for customer_id in (
        TenantOwnerGrant.objects.active()
        .filter(organisation=reseller, customer_id__in=list(by_id))
        .values_list("customer_id", flat=True)
    ):
        by_id[customer_id].tenant_owner = True
    return {"customers": rows, "next_after": str(rows[-1].uuid) if more and rows else ""}


def handover_for_page(*, org, job_id) -> Handover:
    """One of the provider's handovers by its uuid (404 for another's)."""
    handover = (
        Handover.objects.for_org(org)
        .select_related("job", "undo_job", "reseller", "partnership", "job__created_by")
        .filter(uuid=job_id)
        .first()
    )
    if handover is None:
        raise Http404
    return handover


def plan_rows(*, handover: Handover, after: int = 0, size: int = PAGE_SIZE) -> dict:
    """One keyset page of the plan's customer rows (by row number), with their outcomes."""
    rows = list(
        JobRow.objects.filter(job=handover.job, number__gt=max(after, REMOVE_ROW)).order_by(
            "number"
        )[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    for row in rows:
        row.decision_label = decision_label(row.data.get("decision", ""))
    undo_rows = {}
    if handover.undo_job_id and rows:
        undo_rows = {
            r.data.get("source"): r
            for r in JobRow.objects.filter(
                job_id=handover.undo_job_id,
                number__gte=rows[0].number,
                number__lte=rows[-1].number,
            )
        }
    for row in rows:
        row.undo = undo_rows.get(row.number)
    return {"rows": rows, "next_after": rows[-1].number if more else None}


def plan_summary(*, handover: Handover) -> dict[str, int]:
    """How many customers each decision, and each outcome, concerns."""
    rows = JobRow.objects.filter(job=handover.job, number__gt=REMOVE_ROW)
    return rows.aggregate(
        customers=Count("pk"),
        leave=Count("pk", filter=Q(data__decision=Decision.LEAVE)),
        provider=Count("pk", filter=Q(data__decision=Decision.PROVIDER)),
        reassign=Count("pk", filter=Q(data__decision=Decision.REASSIGN)),
        applied=Count("pk", filter=Q(outcome=JobRow.Outcome.APPLIED)),
        unchanged=Count("pk", filter=Q(outcome=JobRow.Outcome.ALREADY)),
        failed=Count("pk", filter=Q(outcome=JobRow.Outcome.FAILED)),
    )


def plan_summaries(handovers) -> dict[int, dict[str, int]]:
    """``plan_summary`` of several handovers in one query, by handover primary key."""
    by_job = {h.job_id: h.pk for h in handovers}
    empty = dict.fromkeys(
        ("customers", "leave", "provider", "reassign", "applied", "unchanged", "failed"), 0
    )
    summaries = {pk: dict(empty) for pk in by_job.values()}
    rows = (
        JobRow.objects.filter(job_id__in=list(by_job), number__gt=REMOVE_ROW)
        .values("job_id")
        .annotate(
            customers=Count("pk"),
            leave=Count("pk", filter=Q(data__decision=Decision.LEAVE)),
            provider=Count("pk", filter=Q(data__decision=Decision.PROVIDER)),
            reassign=Count("pk", filter=Q(data__decision=Decision.REASSIGN)),
            applied=Count("pk", filter=Q(outcome=JobRow.Outcome.APPLIED)),
            unchanged=Count("pk", filter=Q(outcome=JobRow.Outcome.ALREADY)),
            failed=Count("pk", filter=Q(outcome=JobRow.Outcome.FAILED)),
        )
        .order_by()
    )
    for row in rows:
        summaries[by_job[row.pop("job_id")]] = row
    return summaries


def undo_deadline(handover: Handover):
    if handover.job.finished_at is None:
        return None
    return handover.job.finished_at + timedelta(days=UNDO_DAYS)


def can_undo(handover: Handover, now=None) -> bool:
    deadline = undo_deadline(handover)
    # A run cancelled half-way is undone as a finished one: what it applied is restored.
    return (
        handover.undo_job_id is None
        and handover.job.status in (Job.Status.DONE, Job.Status.CANCELLED)
        and handover.job.started_at is not None
        and deadline is not None
        and (now or timezone.now()) < deadline
    )


# Writes --------------------------------------------------------------------


def _check_target(*, provider, reseller, decision: str, location_partner_id: str) -> str:
    """The MPN ID to credit for a reassignment, checked as Check ID does; "" otherwise."""
    if decision not in (Decision.LEAVE, Decision.PROVIDER, Decision.REASSIGN):
        raise HandoverError(_("Choose what happens to the customer."), field="decision")
    if decision != Decision.REASSIGN:
        return ""
    try:
        location = reseller_location_check(
            provider=provider, location_partner_id=location_partner_id or ""
        )
    except ValidationError as error:
        raise HandoverError(error.messages[0], field="location_partner_id") from error
    if location.organisation_id == reseller.pk:
        raise HandoverError(
            _("Choose another reseller than the one whose partnership ends."),
            field="location_partner_id",
        )
    return location.location_partner_id


def _event(handover: Handover, *, actor, verb, before=None, after=None) -> None:
    audit.record(
        org=handover.provider, actor=actor, verb=verb, obj=handover, before=before, after=after
    )


@transaction.atomic
def handover_plan(
    *, partnership: Partnership, actor, decision: str, location_partner_id: str = ""
) -> Handover:
    """Prepare the removal: one job row for it, one per affected customer with ``decision``."""
    partnership = (
        Partnership.objects.select_for_update()
        .select_related("provider", "reseller")
        .get(pk=partnership.pk)
    )
    if partnership.status != Partnership.Status.ACTIVE:
        raise HandoverError(_("This partnership has already ended."))
    existing = open_handover(partnership=partnership)
    if existing is not None:
        return existing
    provider, reseller = partnership.provider, partnership.reseller
    target = _check_target(
        provider=provider,
        reseller=reseller,
        decision=decision,
        location_partner_id=location_partner_id,
    )
    job = Job.objects.create(
        organisation=provider,
        kind=Job.Kind.HANDOVER,
        created_by=actor,
        file_name=reseller.legal_name[:200],
    )
    handover = Handover.objects.create(
        uuid=job.uuid, provider=provider, reseller=reseller, partnership=partnership, job=job
    )
    rows = [JobRow(job=job, number=REMOVE_ROW, data={"step": "remove"})]
    customers = affected_customers(provider=provider, reseller=reseller).values_list(
        "pk", "uuid", "company_name"
    )
    for number, (pk, uuid, name) in enumerate(customers.iterator(chunk_size=2000), start=2):
        rows.append(
            JobRow(
                job=job,
                number=number,
                data={
                    "step": "customer",
                    "customer": pk,
                    "customer_uuid": str(uuid),
                    "name": name,
                    "decision": decision,
                    "location": target,
                },
            )
        )
    JobRow.objects.bulk_create(rows, batch_size=1000)
    job.total = len(rows)
    job.save(update_fields=["total"])
    _event(
        handover,
        actor=actor,
        verb=Verb.HANDOVER_PLANNED,
        after={
            "reseller": reseller.partner_id,
            "customers": len(rows) - 1,
            "decision": decision,
            "location_partner_id": target,
        },
    )
    return handover


def _locked_plan(handover: Handover) -> Job:
    job = Job.objects.select_for_update().get(pk=handover.job_id)
    if job.status != Job.Status.VALIDATED:
        raise HandoverError(_("This handover has already started; its decisions are final."))
    return job


@transaction.atomic
def handover_set_decision(
    *, handover: Handover, customer_id, decision: str, location_partner_id: str = "", actor
) -> JobRow:
    """Change one customer's decision in a plan not started."""
    _locked_plan(handover)
    row = (
        JobRow.objects.filter(job=handover.job, number__gt=REMOVE_ROW)
        .filter(data__customer_uuid=str(customer_id))
        .first()
    )
    if row is None:
        raise Http404
    target = _check_target(
        provider=handover.provider,
        reseller=handover.reseller,
        decision=decision,
        location_partner_id=location_partner_id,
    )
    before = {
        "decision": row.data.get("decision"),
        "location_partner_id": row.data.get("location"),
    }
    row.data = {**row.data, "decision": decision, "location": target}
    row.save(update_fields=["data"])
    _event(
        handover,
        actor=actor,
        verb=Verb.HANDOVER_DECISION_CHANGED,
        before={"customer": row.data["customer_uuid"], **before},
        after={
            "customer": row.data["customer_uuid"],
            "decision": decision,
            "location_partner_id": target,
        },
    )
    return row


@transaction.atomic
def handover_apply_to_all(
    *, handover: Handover, decision: str, location_partner_id: str = "", actor
) -> int:
    """Give every customer of a plan not started the same decision; returns how many."""
    _locked_plan(handover)
    target = _check_target(
        provider=handover.provider,
        reseller=handover.reseller,
        decision=decision,
        location_partner_id=location_partner_id,
    )
    changed = []
    for row in JobRow.objects.filter(job=handover.job, number__gt=REMOVE_ROW).iterator(
        chunk_size=1000
    ):
        row.data = {**row.data, "decision": decision, "location": target}
        changed.append(row)
    JobRow.objects.bulk_update(changed, ["data"], batch_size=1000)
    _event(
        handover,
        actor=actor,
        verb=Verb.HANDOVER_DECISION_CHANGED,
        after={"customers": len(changed), "decision": decision, "location_partner_id": target},
    )
    return len(changed)


@transaction.atomic
def handover_start(*, handover: Handover, actor, notify: bool = False) -> Handover:
    """Queue the removal and the handover as one background job."""
    job = _locked_plan(handover)
    if not Partnership.objects.filter(pk=handover.partnership_id).active().exists():
        raise HandoverError(_("This partnership has already ended."))
    handover.notify = bool(notify)
    handover.save(update_fields=["notify"])
    job.status = Job.Status.QUEUED
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    _event(
        handover,
        actor=actor,
        verb=Verb.HANDOVER_STARTED,
        after={"reseller": handover.reseller.partner_id, "rows": job.total, "notify": notify},
    )
    _enqueue(job.pk)
    return handover


def _enqueue(job_id: int) -> None:
    from jobs.tasks import run_job

    # Robust: the plan is committed and the page answers even when the broker is away.
    transaction.on_commit(lambda: run_job.delay(job_id), robust=True)


@transaction.atomic
def handover_cancel(*, handover: Handover, actor) -> Handover:
    """Discard a plan not started, or stop a running handover after its current batch."""
    job = Job.objects.select_for_update().get(pk=handover.job_id)
    if job.status in (Job.Status.DONE, Job.Status.CANCELLED):
        raise HandoverError(_("This handover has already ended."))
    job.cancel_requested = True
    fields = ["cancel_requested"]
    if job.status == Job.Status.VALIDATED:
        job.status = Job.Status.CANCELLED
        job.finished_at = timezone.now()
        fields += ["status", "finished_at"]
    job.save(update_fields=fields)
    _event(handover, actor=actor, verb=Verb.HANDOVER_CANCELLED)
    return handover


@transaction.atomic
def handover_undo(*, handover: Handover, actor, now=None) -> Handover:
    """Within 7 days of the end: queue the restoring of the partnership and of each customer."""
    locked = Handover.objects.select_for_update().select_related("job").get(pk=handover.pk)
    if locked.undo_job_id is not None:
        raise HandoverError(_("This handover has already been undone."))
    if not can_undo(locked, now):
        raise HandoverError(_("A handover can be undone within 7 days of its end only."))
    job = Job.objects.create(
        organisation=locked.provider,
        kind=Job.Kind.HANDOVER_UNDO,
        created_by=actor,
        file_name=locked.job.file_name,
        status=Job.Status.QUEUED,
        started_at=timezone.now(),
    )
    rows = [JobRow(job=job, number=REMOVE_ROW, data={"step": "restore"})]
    applied = JobRow.objects.filter(
        job=locked.job, number__gt=REMOVE_ROW, outcome=JobRow.Outcome.APPLIED
    ).values_list("number", flat=True)
    rows += [
        JobRow(job=job, number=number, data={"step": "undo", "source": number})
        for number in applied.iterator(chunk_size=2000)
    ]
    JobRow.objects.bulk_create(rows, batch_size=1000)
    job.total = len(rows)
    job.save(update_fields=["total"])
    locked.undo_job = job
    locked.save(update_fields=["undo_job"])
    _event(locked, actor=actor, verb=Verb.HANDOVER_UNDO_STARTED, after={"rows": job.total})
    _enqueue(job.pk)
    return locked


# The job's rows (called by jobs.services inside each row's transaction) -------------


@dataclass
class _Context:
    handover: Handover
    provider: Organisation
    reseller: Organisation
    actor: object


def _context(job: Job) -> _Context:
    handover = (
        Handover.objects.select_related("provider", "reseller", "partnership")
        .filter(Q(job=job) | Q(undo_job=job))
        .get()
    )
    return _Context(handover, handover.provider, handover.reseller, job.created_by)


def apply_handover_row(*, job: Job, row: JobRow):
    """Row 1 removes the partnership; each other row hands one customer over."""
    ctx = _context(job)
    if row.data.get("step") == "remove":
        return _remove(ctx)
    return _hand_over(ctx, row)


def _remove(ctx: _Context):
    partnership = ctx.handover.partnership
    if not Partnership.objects.filter(pk=partnership.pk).active().exists():
        return JobRow.Outcome.ALREADY, _("The partnership had already ended."), "", ""
    partnership_remove(partnership=partnership, actor=ctx.actor)
    if ctx.handover.notify:
        queue_email(
            kind="handover-reseller",
            to=ctx.reseller.contact_email,
            context={"provider": ctx.provider, "reseller": ctx.reseller},
            org=ctx.provider,
            language=recipient_language("", ctx.reseller.country),
        )
    return JobRow.Outcome.APPLIED, _("Partnership removed."), str(partnership.uuid), ""


def _change_subscription(sub, *, actor, provider, location=False, contact=False) -> None:
    """Credit ``location`` and/or name ``contact`` (False: unchanged), with history and events."""
    changes = []
    if location is not False and sub.reseller_location_id != (location.pk if location else None):
        changes.append(
            (
                "reseller",
                location_label(sub.reseller_location),
                location_label(location),
                Verb.SUBSCRIPTION_RESELLER_CHANGED,
            )
        )
        sub.reseller_location = location
    if contact is not False and sub.support_contact_id != (contact.pk if contact else None):
        changes.append(
            (
                "support_contact",
                contact_label(sub.support_contact),
                contact_label(contact),
                Verb.SUBSCRIPTION_SUPPORT_CONTACT_CHANGED,
            )
        )
        sub.support_contact = contact
    if not changes:
        return
    sub.version += 1
    sub.save(update_fields=["reseller_location", "support_contact", "version", "updated_at"])
    for field, before, after, verb in changes:
        SubscriptionChange.objects.create(
            subscription=sub, actor=actor, field=field, before=before, after=after
        )
        audit.record(
            org=provider,
            actor=actor,
            verb=verb,
            obj=sub,
            before={field: before},
            after={field: after},
        )


def _locked_customer(ctx: _Context, customer_id: int) -> Customer | None:
    return (
        Customer.objects.select_for_update(of=("self",))
        .filter(provider=ctx.provider, pk=customer_id)
        .select_related("reseller")
        .first()
    )


def _locked_subscriptions(customer: Customer) -> list[Subscription]:
    return list(
        _live_subscriptions()
        .select_for_update(of=("self",))
        .filter(customer=customer)
        .select_related("offer", "reseller_location__organisation", "support_contact")
        .order_by("id")
    )


def _hand_over(ctx: _Context, row: JobRow):
    data = row.data
    decision = data.get("decision")
    if decision == Decision.LEAVE:
        return JobRow.Outcome.ALREADY, _("Left as it was."), data.get("customer_uuid", ""), ""
    customer = _locked_customer(ctx, data["customer"])
    if customer is None:
        raise HandoverError(_("This customer no longer exists."))
    new_reseller = None
    location = None
    if decision == Decision.REASSIGN:
        # Checked again now: the agreement or the partnership may have changed since the plan.
        try:
            location = reseller_location_check(
                provider=ctx.provider, location_partner_id=data.get("location", "")
            )
        except ValidationError as error:
            raise HandoverError(error.messages[0]) from error
        new_reseller = location.organisation
    reseller = ctx.reseller
    changes = {"customer_before": customer.reseller_id, "customer_after": customer.reseller_id}
    if customer.reseller_id == reseller.pk:
        customer.reseller = new_reseller
        customer.save(update_fields=["reseller"])
        changes["customer_after"] = customer.reseller_id
    contact = new_reseller if customer.reseller_id == getattr(new_reseller, "pk", -1) else None
    subs_changed = []
    for sub in _locked_subscriptions(customer):
        credited = (
            sub.reseller_location is not None
            and sub.reseller_location.organisation_id == reseller.pk
        )
        supported = sub.support_contact_id == reseller.pk
        if not (credited or supported):
            continue
        before = (sub.reseller_location_id, sub.support_contact_id)
        _change_subscription(
            sub,
            actor=ctx.actor,
            provider=ctx.provider,
            location=location if credited else False,
            contact=(contact or ctx.provider) if supported else False,
        )
        subs_changed.append(
            {
                "id": sub.pk,
                "location_before": before[0],
                "contact_before": before[1],
                "location_after": sub.reseller_location_id,
                "contact_after": sub.support_contact_id,
                "version": sub.version,
                "offer": sub.offer.name,
            }
        )
    changes["subscriptions"] = subs_changed
    row.data = {**data, "changes": changes}
    row.save(update_fields=["data"])
    audit.record(
        org=ctx.provider,
        actor=ctx.actor,
        verb=Verb.HANDOVER_CUSTOMER,
        obj=customer,
        before={"reseller": reseller.partner_id},
        after={
            "decision": decision,
            "reseller": new_reseller.partner_id if new_reseller else None,
            "subscriptions": len(subs_changed),
        },
    )
    if ctx.handover.notify and customer.contact_email:
        queue_email(
            kind="handover-customer",
            to=customer.contact_email,
            context={
                "customer": customer,
                "provider": ctx.provider,
                "reseller": reseller,
                "new_reseller": new_reseller,
            },
            org=ctx.provider,
            language=customer.language or "en",
        )
    if decision == Decision.REASSIGN:
        message = _("Reassigned to %(reseller)s (%(id)s).") % {
            "reseller": new_reseller.legal_name,
            "id": location.location_partner_id,
        }
    else:
        message = _("Kept with the provider.")
    return JobRow.Outcome.APPLIED, message, str(customer.uuid), ""


def apply_undo_row(*, job: Job, row: JobRow):
    """Row 1 restores the partnership; each other row restores one customer's unchanged parts."""
    ctx = _context(job)
    if row.data.get("step") == "restore":
        return _restore_partnership(ctx)
    return _undo_customer(ctx, row)


def _restore_partnership(ctx: _Context):
    partnership = Partnership.objects.select_for_update().get(pk=ctx.handover.partnership_id)
    removed_here = JobRow.objects.filter(
        job=ctx.handover.job, number=REMOVE_ROW, outcome=JobRow.Outcome.APPLIED
    ).exists()
    if partnership.status == Partnership.Status.ACTIVE:
        return JobRow.Outcome.ALREADY, _("The partnership is active."), str(partnership.uuid), ""
    if not removed_here:
        return (
            JobRow.Outcome.ALREADY,
            _("The partnership was not ended by this handover; it is left as it is."),
            "",
            "",
        )
    if Partnership.objects.filter(provider=ctx.provider, reseller=ctx.reseller).active().exists():
        return (
            JobRow.Outcome.ALREADY,
            _("The reseller partnered with you again since; that partnership is kept."),
            "",
            "",
        )
    partnership.status = Partnership.Status.ACTIVE
    partnership.removed_at = None
    partnership.removed_by = None
    partnership.save(update_fields=["status", "removed_at", "removed_by"])
    audit.record(
        org=ctx.provider,
        actor=ctx.actor,
        verb=Verb.PARTNERSHIP_RESTORED,
        obj=partnership,
        before={"status": "removed"},
        after={"status": "active", "reseller": ctx.reseller.partner_id},
    )
    return JobRow.Outcome.APPLIED, _("Partnership restored."), str(partnership.uuid), ""


def _undo_customer(ctx: _Context, row: JobRow):
    source = JobRow.objects.get(job=ctx.handover.job, number=row.data["source"])
    changes = source.data.get("changes") or {}
    customer = _locked_customer(ctx, source.data["customer"])
    if customer is None:
        raise HandoverError(_("This customer no longer exists."))
    left, restored = [], 0
    if changes.get("customer_before") != changes.get("customer_after"):
        if customer.reseller_id == changes.get("customer_after"):
            customer.reseller_id = changes["customer_before"]
            customer.save(update_fields=["reseller"])
            restored += 1
        else:
            left.append(_("the customer's associated reseller"))
    subs = {s.pk: s for s in _locked_subscriptions(customer)}
    locations = PartnerLocation.objects.in_bulk(
        [c["location_before"] for c in changes.get("subscriptions", []) if c["location_before"]]
    )
    contacts = Organisation.objects.in_bulk(
        [c["contact_before"] for c in changes.get("subscriptions", []) if c["contact_before"]]
    )
    for change in changes.get("subscriptions", []):
        sub = subs.get(change["id"])
        if sub is None or sub.version != change["version"]:
            left.append(_("subscription %(name)s") % {"name": _offer_name(sub, change)})
            continue
        contact = False
        if change["contact_after"] != change["contact_before"]:
            contact = contacts.get(change["contact_before"])
            if contact is not None and contact.pk not in (
                customer.provider_id,
                customer.reseller_id,
            ):
                # The reseller supports only the customers associated with it.
                contact = False
                left.append(
                    _("the support contact of %(name)s") % {"name": _offer_name(sub, change)}
                )
        location = False
        if change["location_after"] != change["location_before"]:
            location = locations.get(change["location_before"])
        _change_subscription(
            sub, actor=ctx.actor, provider=ctx.provider, location=location, contact=contact
        )
        restored += 1
    row.data = {**row.data, "left": [str(item) for item in left], "restored": restored}
    row.save(update_fields=["data"])
    audit.record(
        org=ctx.provider,
        actor=ctx.actor,
        verb=Verb.HANDOVER_CUSTOMER_RESTORED,
        obj=customer,
        after={"restored": restored, "kept": row.data["left"]},
    )
    if left:
        message = _("Restored what had not changed; left as they are now: %(items)s.") % {
            "items": ", ".join(str(item) for item in left)
        }
    else:
        message = _("Restored.")
    return JobRow.Outcome.APPLIED, message, str(customer.uuid), ""


def _offer_name(sub, change) -> str:
    return sub.offer.name if sub is not None else change.get("offer", f"#{change['id']}")
