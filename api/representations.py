"""The objects as the API returns them; webhook payloads carry the same."""

from __future__ import annotations

from datetime import UTC

from django.db.models import Q

from subscriptions import selectors as subscription_selectors
from subscriptions import terms


def iso(instant) -> str | None:
    """ISO 8601 in UTC, ``Z``-suffixed."""
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def organisation_ref(org) -> dict | None:
    if org is None:
        return None
    return {"id": str(org.uuid), "name": org.legal_name, "partner_id": org.partner_id}


def customer(obj) -> dict:
    return {
        "id": str(obj.uuid),
        "company_name": obj.company_name,
        "primary_domain": obj.primary_domain,
        "country": obj.country,
        "reseller": organisation_ref(obj.reseller),
        "created_at": iso(obj.created_at),
    }


_UNREAD = object()


def subscription(obj, *, change=_UNREAD) -> dict:
    """A subscription (``change``: its pending scheduled change when the caller read it already)."""
    if change is _UNREAD:
        change = subscription_selectors.pending_change(subscription=obj)
    has_change = change is not None
    live = obj.status in subscription_selectors.LIVE_STATUSES
    location = obj.reseller_location
    return {
        "id": str(obj.uuid),
        "customer_id": str(obj.customer.uuid),
        "offer": {"id": str(obj.offer.uuid), "name": obj.offer.name},
        "quantity": obj.quantity,
        "status": obj.status,
        "version": obj.version,
        "reseller_partner_id": location.location_partner_id if location else None,
        "support_contact": organisation_ref(obj.support_contact),
        "term": obj.term,
        "billing_frequency": obj.billing_frequency,
        "term_start": iso(obj.term_start),
        "term_end": iso(obj.term_end),
        "auto_renew": obj.auto_renew,
        "renewal_label": subscription_selectors.renewal_label(
            status=obj.status,
            auto_renew=obj.auto_renew,
            term_end=obj.term_end,
            has_change=has_change,
        ),
        "renewal_date": terms.term_last_date(obj.term_end).isoformat() if live else None,
        "scheduled_change": (
            {
                "quantity": change.quantity,
                "offer": {"id": str(change.offer.uuid), "name": change.offer.name},
                "term": change.term,
                "billing_frequency": change.billing_frequency,
            }
            if change
            else None
        ),
        "created_at": iso(obj.created_at),
    }


def partnership(obj) -> dict:
    return {
        "id": str(obj.uuid),
        "reseller": organisation_ref(obj.reseller),
        "status": obj.status,
        "created_at": iso(obj.created_at),
    }


def partnership_request(obj) -> dict:
    return {
        "id": str(obj.uuid),
        "email": obj.email,
        "status": obj.status,
        "created_at": iso(obj.created_at),
        "sent_at": iso(obj.sent_at),
        "expires_at": iso(obj.expires_at),
        "accepted_at": iso(obj.accepted_at),
    }


def activity_record(obj) -> dict:
    return {
        "id": str(obj.uuid),
        "verb": obj.verb,
        "actor": obj.actor_label or (obj.actor.email if obj.actor_id else None),
        "object_type": obj.object_type,
        "object_id": obj.object_id,
        "object_repr": obj.object_repr,
        "before": obj.before,
        "after": obj.after,
        "created_at": iso(obj.created_at),
    }


def admin_relationship(obj) -> dict:
    return {
        "id": str(obj.uuid),
        "customer_id": str(obj.customer.uuid),
        "partner": organisation_ref(obj.partner),
        "display_name": obj.display_name,
        "status": obj.status,
        "roles": [role.id for role in obj.roles.all()],
        "duration_days": obj.duration_days,
        "auto_extend": obj.auto_extend,
        "created_at": iso(obj.created_at),
        "approved_at": iso(obj.approved_at),
        "ends_at": iso(obj.ends_at),
    }


def money(amount, currency: str) -> str | None:
    """An amount as a decimal string in the currency's minor units ("1200.00", "1200" for JPY)."""
    from billing.money import quantize

    return None if amount is None else str(quantize(amount, currency))


def price_list_entry(obj, *, currency: str) -> dict:
    return {
        "id": str(obj.uuid),
        "offer": {"id": str(obj.offer.uuid), "name": obj.offer.name},
        "term": obj.term,
        "billing_frequency": obj.billing_frequency,
        "cost": money(obj.cost, currency),
        "reseller_price": money(obj.reseller_price, currency),
        "retail_price": money(obj.retail_price, currency),
        "currency": currency,
        "effective_from": obj.effective_from.isoformat(),
    }


def reseller_price(entry, price, *, provider) -> dict:
    """What a reseller pays ``provider`` for an offer: its price, never the provider's cost."""
    return {
        "provider": organisation_ref(provider),
        "offer": {"id": str(entry.offer.uuid), "name": entry.offer.name},
        "term": entry.term,
        "billing_frequency": entry.billing_frequency,
        "unit_price": money(price.unit_price, price.currency),
        "retail_price": money(price.retail_price, price.currency),
        "currency": price.currency,
    }


def statement(obj, *, with_cost: bool) -> dict:
    """A statement; cost and margin only for the provider's eyes (``with_cost``)."""
    return {
        "id": str(obj.uuid),
        "provider": organisation_ref(obj.provider),
        "reseller": organisation_ref(obj.reseller),
        "month": obj.month.strftime("%Y-%m"),
        "currency": obj.currency,
        "status": obj.status,
        "lines": obj.lines,
        "total": money(obj.total, obj.currency),
        "cost": money(obj.cost, obj.currency) if with_cost else None,
        "margin": money(obj.margin, obj.currency) if with_cost else None,
        "closed_at": iso(obj.closed_at),
    }


def statement_closed(obj) -> dict:
    """The statement-closed webhook's object: the provider's view (its endpoints only)."""
    return statement(obj, with_cost=True)


def charge(obj, *, with_cost: bool) -> dict:
    return {
        "id": str(obj.uuid),
        "kind": obj.kind,
        "charged_on": obj.charged_on.isoformat(),
        "customer": {"id": str(obj.customer.uuid), "name": obj.customer.company_name},
        "subscription_id": str(obj.subscription.uuid),
        "reseller_partner_id": obj.location_mpn_id or None,
        "offer": {"id": str(obj.offer.uuid), "name": obj.offer.name},
        "term": obj.term,
        "billing_frequency": obj.billing_frequency,
        "quantity": obj.quantity,
        "days": obj.days,
        "period_days": obj.period_days,
        "unit_price": money(obj.unit_price, obj.currency),
        "amount": money(obj.amount, obj.currency),
        "unit_cost": money(obj.unit_cost, obj.currency) if with_cost else None,
        "cost": money(obj.cost, obj.currency) if with_cost else None,
        "margin": money(obj.margin, obj.currency) if with_cost else None,
        "currency": obj.currency,
    }


def job(obj, *, seconds_left: int | None = None) -> dict:
    return {
        "id": str(obj.uuid),
        "kind": obj.kind,
        "status": obj.status,
        "file_name": obj.file_name,
        "rows": obj.total,
        "invalid_rows": obj.invalid,
        "valid_rows": obj.valid,
        "done": obj.done,
        "failed": obj.failed,
        "processed": obj.processed,
        "percent": int(100 * obj.processed / obj.valid) if obj.valid else 0,
        "seconds_left": seconds_left,
        "created_at": iso(obj.created_at),
        "started_at": iso(obj.started_at),
        "finished_at": iso(obj.finished_at),
    }


def reseller_relationship_request(obj) -> dict:
    """A reseller relationship request (its link is answered once, when it is made)."""
    return {
        "id": str(obj.uuid),
        "provider": organisation_ref(obj.provider),
        "reseller": organisation_ref(obj.reseller),
        "requested_by": organisation_ref(obj.requested_by_org),
        "company_name": obj.company_name,
        "primary_domain": obj.primary_domain,
        "contact_first_name": obj.contact_first_name,
        "contact_last_name": obj.contact_last_name,
        "contact_email": obj.contact_email,
        "language": obj.language,
        "status": obj.effective_status,
        "customer_id": str(obj.customer.uuid) if obj.customer_id else None,
        "created_at": iso(obj.created_at),
        "expires_at": iso(obj.expires_at),
        "accepted_at": iso(obj.accepted_at),
        "revoked_at": iso(obj.revoked_at),
    }


def _handover_status(obj) -> str:
    job, undo = obj.job, obj.undo_job
    if undo is not None:
        return "undone" if undo.status == "done" else "undoing"
    if job.status == "validated":
        return "planned"
    if job.status == "done":
        return "finished"
    if job.status == "cancelled":
        return "cancelled" if job.started_at else "discarded"
    return job.status  # queued or running


def handover(obj, *, summary: dict | None = None, now=None) -> dict:
    """A partnership's removal with its handover (``summary``: its plan's counts, when read)."""
    from django.utils import timezone

    from jobs import selectors as job_selectors
    from partners import handover as ho

    if summary is None:
        summary = ho.plan_summary(handover=obj)
    now = now or timezone.now()
    shown = obj.undo_job or obj.job
    return {
        "id": str(obj.uuid),
        "partnership_id": str(obj.partnership.uuid),
        "reseller": organisation_ref(obj.reseller),
        "status": _handover_status(obj),
        "customers": summary["customers"],
        "decisions": {k: summary[k] for k in ("leave", "provider", "reassign")},
        "outcomes": {k: summary[k] for k in ("applied", "unchanged", "failed")},
        "progress": {
            "step": "undo" if obj.undo_job_id else "handover",
            "total": shown.total,
            "processed": shown.processed,
            "percent": int(shown.processed * 100 / shown.total) if shown.total else 100,
            "seconds_left": job_selectors.seconds_left(shown, now) if shown.total else None,
        },
        "notify": obj.notify,
        "created_at": iso(obj.created_at),
        "started_at": iso(obj.job.started_at),
        "finished_at": iso(obj.job.finished_at),
        "undo_deadline": iso(ho.undo_deadline(obj)),
        "can_undo": ho.can_undo(obj, now),
        "undo_started_at": iso(obj.undo_job.started_at) if obj.undo_job_id else None,
        "undo_finished_at": iso(obj.undo_job.finished_at) if obj.undo_job_id else None,
    }


def handover_of_job(obj) -> dict:
    """A handover's webhook object: its job's or its undo job's finishing names the job."""
    from partners.models import Handover

    found = (
        Handover.objects.select_related("job", "undo_job", "reseller", "partnership")
        .filter(Q(job=obj) | Q(undo_job=obj))
        .get()
    )
    return handover(found)


BY_MODEL = {
    "adminrelationship": admin_relationship,
    "customer": customer,
    "subscription": subscription,
    "partnership": partnership,
    "partnershiprequest": partnership_request,
    "statement": statement_closed,
    "resellerrelationshiprequest": reseller_relationship_request,
    # Only the handover's verbs of a job are webhook events (not an import's finishing).
    "job": handover_of_job,
}
