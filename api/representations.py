"""The objects as the API returns them; webhook payloads carry the same."""

from __future__ import annotations

from datetime import UTC

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
        "duration_days": obj.duration_days,
        "created_at": iso(obj.created_at),
        "ends_at": iso(obj.ends_at),
    }


BY_MODEL = {
    "adminrelationship": admin_relationship,
    "customer": customer,
    "subscription": subscription,
    "partnership": partnership,
    "partnershiprequest": partnership_request,
}
