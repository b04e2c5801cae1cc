"""The Activity log's Change column in words: field names translated, values formatted.

An event's ``before``/``after`` hold the audited fields as stored (keys, ISO
timestamps, partner IDs, customer UUIDs, status codes). ``ChangeFormatter`` turns
them into ``Status: Pending → Accepted`` in the viewer's language and time zone,
resolving the organisations and customers a page names in one query each.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

# The audited field names, as the services write them, and their labels.
FIELD_LABELS = {
    "active": _("Active"),
    "actor": _("By"),
    "admin_relationships_terminated": _("Admin relationships ended"),
    "admin_username": _("Admin username"),
    "agreement_accepted_at": _("Agreement accepted"),
    "agreement_version": _("Agreement version"),
    "any_address": _("Any address may accept"),
    "auto_renew": _("Auto-renew"),
    "billing_frequency": _("Billing frequency"),
    "by": _("By"),
    "change": _("Scheduled change"),
    "consented_by": _("Consented by"),
    "count": _("Count"),
    "customer": _("Customer"),
    "customers": _("Customers"),
    "decision": _("Decision"),
    "days_before": _("Days before"),
    "device": _("Device"),
    "domain": _("Domain"),
    "done": _("Done"),
    "effective_from": _("Effective from"),
    "enabled": _("Enabled"),
    "events": _("Events"),
    "failed": _("Failed"),
    "file": _("File"),
    "kind": _("Kind"),
    # A handover's undo: what had changed since and was left as it is now.
    "kept": _("Left as they are now"),
    "month": _("Month"),
    "organisation": _("Organisation"),
    "own_admin": _("Keeps its own admin"),
    "percent_off": _("Discount percentage"),
    "prefix": _("Prefix"),
    "price": _("Price"),
    "reseller_price": _("Reseller price"),
    "restored": _("Restored"),
    "rows": _("Rows"),
    "scope": _("Access"),
    "tier": _("Tier"),
    "total": _("Total"),
    "url": _("Endpoint URL"),
    "email": _("Email"),
    "ends_at": _("Ends"),
    "expires_at": _("Expires"),
    "group": _("Security group"),
    "left": _("Recovery codes left"),
    "lines": _("Lines"),
    "location_partner_id": _("Location (MPN ID)"),
    "members": _("Members"),
    "name": _("Name"),
    "notify": _("Notices"),
    "offer": _("Offer"),
    "partner_id": _("MPN ID"),
    "provider": _("Provider"),
    "quantity": _("Licences"),
    "recipients": _("Recipients"),
    "replaced": _("Invitations replaced"),
    "require_mfa": _("Two-step sign-in required"),
    "reseller": _("Reseller"),
    "role": _("Role"),
    "roles": _("Roles"),
    "scheduled_change": _("Scheduled change"),
    "sent_at": _("Sent"),
    "status": _("Status"),
    "subject": _("Subject"),
    "subscriptions": _("Subscriptions"),
    "support_contact": _("Designated support contact"),
    "term": _("Term"),
    "term_end": _("Term ends"),
    "unapproved": _("Not approved"),
}

# Fields holding an organisation's partner ID, shown by the organisation's name.
ORGANISATION_FIELDS = {"reseller", "provider"}
CUSTOMER_FIELDS = {"customer"}
ROLE_FIELDS = {"role", "roles"}

# A handover's decision for a customer (partners.handover.Decision).
DECISIONS = {
    "leave": _("Leave as it is"),
    "provider": _("Keep with the provider (no reseller)"),
    "reassign": _("Reassign to another reseller"),
}

DEVICES = {"authenticator_app": _("Authenticator app"), "passkey": _("Passkey")}

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMPTY = "–"


def _status_choices() -> dict[str, dict]:
    """Each object type's status labels (the model's choices)."""
    from billing.models import Statement
    from jobs.models import Job
    from partners.models import Organisation, Partnership, PartnershipRequest
    from portal.models import StaffInvitation
    from relationships.models import AdminRelationship
    from subscriptions.models import ScheduledChange, Subscription

    return {
        "organisation": dict(Organisation.Status.choices),
        "partnership": dict(Partnership.Status.choices),
        "partnershiprequest": dict(PartnershipRequest.Status.choices),
        "staffinvitation": dict(StaffInvitation.Status.choices),
        "adminrelationship": dict(AdminRelationship.Status.choices),
        "subscription": dict(Subscription.Status.choices),
        "scheduledchange": dict(ScheduledChange.Status.choices),
        "statement": dict(Statement.Status.choices),
        "job": dict(Job.Status.choices),
    }


def _choices(model_choices) -> dict:
    return dict(model_choices)


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key)
    if label is not None:
        return str(label)
    return str(key).replace("_", " ").capitalize()


class ChangeFormatter:
    """Formats the Change column of one page of Activity log rows (dicts)."""

    def __init__(self, rows):
        from customers.models import Customer
        from jobs.models import Job
        from partners.models import Organisation
        from portal.roles import Role
        from subscriptions.models import BillingFrequency, Term

        partner_ids, customer_ids = set(), set()
        for row in rows:
            for side in (row.get("before"), row.get("after")):
                if not isinstance(side, dict):
                    continue
                for key, value in side.items():
                    if key in ORGANISATION_FIELDS and isinstance(value, str) and value:
                        partner_ids.add(value)
                    elif key in CUSTOMER_FIELDS and _is_uuid(value):
                        customer_ids.add(value)
        self.organisations = (
            dict(
                Organisation.objects.filter(partner_id__in=partner_ids).values_list(
                    "partner_id", "legal_name"
                )
            )
            if partner_ids
            else {}
        )
        self.customers = (
            {
                str(key): name
                for key, name in Customer.objects.filter(uuid__in=customer_ids).values_list(
                    "uuid", "company_name"
                )
            }
            if customer_ids
            else {}
        )
        self.statuses = _status_choices()
        self.roles = _choices(Role.choices)
        self.terms = _choices(Term.choices)
        self.frequencies = _choices(BillingFrequency.choices)
        self.job_kinds = _choices(Job.Kind.choices)

    def __call__(self, before, after, object_type: str = "") -> str:
        if isinstance(before, dict) or isinstance(after, dict):
            before, after = before or {}, after or {}
            if not isinstance(before, dict):
                before = {}
            if not isinstance(after, dict):
                after = {}
            parts = []
            for key in sorted(set(before) | set(after), key=str):
                label = field_label(key)
                old = self.value(key, before.get(key), object_type)
                new = self.value(key, after.get(key), object_type)
                if key in before and key in after:
                    if old == new:
                        parts.append(f"{label}: {new}")
                    else:
                        parts.append(f"{label}: {old} → {new}")
                elif key in after:
                    parts.append(f"{label}: {new}")
                else:
                    parts.append(f"{label}: {old} → {EMPTY}")
            return "; ".join(parts)[:400]
        if before in (None, "") and after in (None, ""):
            return ""
        old = self.value("", before, object_type)
        new = self.value("", after, object_type)
        if before in (None, ""):
            return new
        return f"{old} → {new}"[:400]

    def value(self, key: str, value, object_type: str = "") -> str:
        if value is None or value == "":
            return EMPTY
        if isinstance(value, bool):
            return str(_("On") if value else _("Off"))
        if isinstance(value, list):
            return ", ".join(self.value(key, item, object_type) for item in value) or EMPTY
        if isinstance(value, dict):
            return ", ".join(
                f"{field_label(k)}: {self.value(k, v, object_type)}" for k, v in value.items()
            )
        if not isinstance(value, str):
            return str(value)
        if key in ORGANISATION_FIELDS and value in self.organisations:
            return self.organisations[value]
        if key in CUSTOMER_FIELDS and value in self.customers:
            return self.customers[value]
        if key == "status":
            choices = self.statuses.get(object_type)
            if choices and value in choices:
                return str(choices[value])
            for choices in self.statuses.values():
                if value in choices:
                    return str(choices[value])
        if key in ROLE_FIELDS and value in self.roles:
            return str(self.roles[value])
        if key == "term" and value in self.terms:
            return str(self.terms[value])
        if key == "billing_frequency" and value in self.frequencies:
            return str(self.frequencies[value])
        if key == "kind" and object_type == "job" and value in self.job_kinds:
            return str(self.job_kinds[value])
        if key == "decision" and value in DECISIONS:
            return str(DECISIONS[value])
        if key == "device" and value in DEVICES:
            return str(DEVICES[value])
        formatted = format_timestamp(value)
        if formatted is not None:
            return formatted
        if _is_uuid(value):
            return EMPTY
        return value


def format_timestamp(value: str) -> str | None:
    """An ISO date or date-time string in the viewer's zone and language (else None)."""
    if _ISO_DATE.match(value):
        try:
            return date_format(date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return None
    if _ISO_DATETIME.match(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "DATETIME_FORMAT")
    return None


def _is_uuid(value) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
