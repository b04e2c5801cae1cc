"""Reads for the portal's own screens; each is given the organisation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Membership, Organisation
from portal.models import ActivityEvent, StaffInvitation, User
from portal.services import hash_token

ACTIVITY_DEFAULT_DAYS = 30

# Human labels of activity verbs; a verb without one is shown spelled out.
VERB_LABELS = {
    "staff_invitation.sent": _("Staff invitation sent"),
    "staff_invitation.revoked": _("Staff invitation revoked"),
    "staff_invitation.accepted": _("Staff invitation accepted"),
    "membership.role_changed": _("Role changed"),
    "user.deactivated": _("User deactivated"),
    "user.reactivated": _("User reactivated"),
    "user.password_changed": _("Password changed"),
}


def verb_label(verb: str) -> str:
    return str(VERB_LABELS.get(verb) or verb.replace(".", " ").replace("_", " ").capitalize())


def member_list(org: Organisation, *, q: str = "") -> QuerySet[Membership]:
    """The organisation's members with their user, for the Users page."""
    members = Membership.objects.for_org(org).select_related("user")
    if q:
        members = members.filter(
            Q(user__email__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
        )
    return members.order_by("user__first_name", "user__last_name", "user__email")


def pending_staff_invitations(org: Organisation) -> QuerySet[StaffInvitation]:
    return StaffInvitation.objects.for_org(org).pending().order_by("-created_at")


def staff_invitation_by_token(token: str) -> StaffInvitation | None:
    """The invitation a link's token names (any organisation: the token is the credential)."""
    if not token or len(token) > 100:
        return None
    return (
        StaffInvitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


@dataclass(frozen=True)
class ActivityFilter:
    verb: str = ""
    actor: Membership | None = None
    object_type: str = ""
    date_from: date | None = None
    date_to: date | None = None


def activity_verbs(org: Organisation) -> list[str]:
    return list(
        ActivityEvent.objects.for_org(org)
        .order_by("verb")
        .values_list("verb", flat=True)
        .distinct()
    )


def activity_object_types(org: Organisation) -> list[str]:
    return list(
        ActivityEvent.objects.for_org(org)
        .exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )


def activity_default_start() -> date:
    return timezone.localdate() - timedelta(days=ACTIVITY_DEFAULT_DAYS)


def activity_events(org: Organisation, filters: ActivityFilter) -> QuerySet[ActivityEvent]:
    """The organisation's activity events matching ``filters``, newest first."""
    events = ActivityEvent.objects.for_org(org).select_related("actor")
    if filters.verb:
        events = events.filter(verb=filters.verb)
    if filters.actor is not None:
        events = events.filter(actor_id=filters.actor.user_id)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        events = events.filter(created_at__gte=datetime.combine(filters.date_from, time.min, tz))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tz)
        events = events.filter(created_at__lt=end)
    return events.order_by("-created_at", "-id")


def change_summary(before, after) -> str:
    """A compact one-line before/after: ``role: admin_agent → global_admin`` for dicts."""
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before or {}, after or {}
        parts = []
        for key in sorted(set(before) | set(after), key=str):
            old, new = before.get(key), after.get(key)
            if key in before and key in after:
                parts.append(f"{key}: {_compact(old)} → {_compact(new)}")
            elif key in after:
                parts.append(f"{key}: {_compact(new)}")
            else:
                parts.append(f"{key}: {_compact(old)} → –")
        return "; ".join(parts)[:300]
    if before is None and after is None:
        return ""
    return f"{_compact(before)} → {_compact(after)}"[:300]


def _compact(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def account_exists(email: str) -> bool:
    """Whether someone already signs in with ``email`` (they accept after signing in)."""
    return User.objects.filter(email=email.strip().lower()).exists()
