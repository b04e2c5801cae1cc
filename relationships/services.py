"""Writes on admin relationships, security groups and templates; each writes one activity event."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Membership, Organisation
from portal.audit import Verb, record
from portal.emails import queue_email, recipient_language
from portal.errors import ServiceError
from portal.roles import Role
from portal.tokens import hash_token
from relationships.models import (
    AUTO_EXTEND_DAYS,
    DISPLAY_NAME_MAX,
    EXPIRING_WITHIN_DAYS,
    MAX_DURATION_DAYS,
    MIN_DURATION_DAYS,
    NOTICE_DAYS,
    UNAPPROVED_EXPIRE_DAYS,
    AccessAssignment,
    AdminRelationship,
    AdminRelationshipNotice,
    AdminRole,
    RelationshipTemplate,
    SecurityGroup,
)

log = logging.getLogger(__name__)
Status = AdminRelationship.Status
TOKEN_PATTERN = r"[A-Za-z0-9_-]{16,128}"


class RelationshipError(ServiceError):
    """An admin relationship change that cannot be made (the message says why)."""


class LinkUnavailable(ServiceError):
    """An approval or termination link that cannot be used: 404 unknown, 410 no longer usable."""

    status = 410


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def approval_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('relationships:approve', args=[token])}"


def termination_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('relationships:customer_terminate', args=[token])}"


def check_terms(
    *, partner, display_name: str, roles, duration_days, auto_extend: bool, exclude=None
) -> str:
    """Raise RelationshipError unless the name, roles, duration and auto-extend are allowed."""
    name = (display_name or "").strip()
    if not name:
        raise RelationshipError(_("Enter a name for the relationship."), field="display_name")
    if len(name) > DISPLAY_NAME_MAX:
        raise RelationshipError(
            _("The name can be at most %(max)d characters long.") % {"max": DISPLAY_NAME_MAX},
            field="display_name",
        )
    taken = AdminRelationship.objects.filter(partner=partner, display_name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise RelationshipError(
            _("Your organisation already has an admin relationship named “%(name)s”.")
            % {"name": name},
            field="display_name",
        )
    if not roles:
        raise RelationshipError(_("Choose at least one role."), field="roles")
    if duration_days is None or not MIN_DURATION_DAYS <= duration_days <= MAX_DURATION_DAYS:
        raise RelationshipError(
            _("The duration must be from %(min)d to %(max)d days.")
            % {"min": MIN_DURATION_DAYS, "max": MAX_DURATION_DAYS},
            field="duration_days",
        )
    if auto_extend and any(role.is_global_administrator for role in roles):
        raise RelationshipError(
            _(
                "A relationship with the Global Administrator role cannot be extended automatically."
            ),
            field="auto_extend",
        )
    return name


def _event(relationship: AdminRelationship, *, actor, verb, before=None, after=None) -> None:
    """One activity event, in the log of the organisation the relationship belongs to.

    A provider sees its customers' relationships in its own log; a reseller's
    relationship is its own business, so its log gets the event too.
    """
    customer = relationship.customer
    record(
        org=customer.provider, actor=actor, verb=verb, obj=relationship, before=before, after=after
    )
    if relationship.partner_id != customer.provider_id:
        record(
            org=relationship.partner,
            actor=actor,
            verb=verb,
            obj=relationship,
            before=before,
            after=after,
        )


def _queue_approval_email(relationship: AdminRelationship, token: str) -> None:
    customer = relationship.customer
    queue_email(
        kind="admin-relationship-approval",
        to=customer.contact_email,
        context={
            "relationship": relationship,
            "customer": customer,
            "partner": relationship.partner,
            "roles": list(relationship.roles.all()),
            "url": approval_url(token),
        },
        org=customer.provider,
        language=customer.language,
    )


@transaction.atomic
def relationship_request(
    *,
    customer,
    requester: Organisation,
    partner: Organisation,
    actor,
    display_name: str,
    roles: list[AdminRole],
    duration_days: int,
    auto_extend: bool,
) -> tuple[AdminRelationship, str | None]:
    """Ask the customer to approve an admin relationship; returns it and the approval link's token.

    A provider asking for its customer's associated reseller creates it awaiting
    the reseller's consent (no token yet); otherwise the approval email is queued.
    """
    if requester.is_reseller and partner != requester:
        raise RelationshipError(_("A reseller can request admin rights for itself only."))
    if partner != customer.provider and partner != customer.reseller:
        raise RelationshipError(
            _(
                "Only the provider or the customer's associated reseller can hold admin rights on it."
            ),
            field="partner",
        )
    name = check_terms(
        partner=partner,
        display_name=display_name,
        roles=roles,
        duration_days=duration_days,
        auto_extend=auto_extend,
    )
    # A provider asking for its reseller: the reseller consents before the customer is asked.
    for_reseller = partner != requester
    now = timezone.now()
    relationship = AdminRelationship(
        customer=customer,
        partner=partner,
        display_name=name,
        duration_days=duration_days,
        auto_extend=auto_extend,
        created_by=actor,
        created_at=now,
    )
    token = None
    if for_reseller:
        relationship.status = Status.CREATED
    else:
        token, relationship.approval_token_hash = _new_token()
        relationship.status = Status.APPROVAL_PENDING
        relationship.requested_at = now
    try:
        with transaction.atomic():
            relationship.save()
    except IntegrityError as exc:  # a concurrent request took the name
        raise RelationshipError(
            _("Your organisation already has an admin relationship named “%(name)s”.")
            % {"name": name},
            field="display_name",
        ) from exc
    relationship.roles.set(roles)
    after = {
        "name": name,
        "partner": partner.legal_name,
        "roles": [role.name_en for role in roles],
        "duration_days": duration_days,
        "auto_extend": auto_extend,
    }
    if token is None:
        _event(relationship, actor=actor, verb=Verb.ADMIN_RELATIONSHIP_CREATED, after=after)
    else:
        _queue_approval_email(relationship, token)
        _event(relationship, actor=actor, verb=Verb.ADMIN_RELATIONSHIP_REQUESTED, after=after)
    return relationship, token


def _locked(relationship: AdminRelationship) -> AdminRelationship:
    return (
        AdminRelationship.objects.select_for_update(of=("self",))
        .select_related("customer", "customer__provider", "partner")
        .get(pk=relationship.pk)
    )


@transaction.atomic
def relationship_consent(*, relationship: AdminRelationship, reseller: Organisation, actor) -> str:
    """The reseller consents to a relationship its provider requested for it; returns the link token."""
    locked = _locked(relationship)
    if locked.partner_id != reseller.pk:
        raise RelationshipError(
            _("This admin relationship is not for your organisation."), status=404
        )
    if locked.status != Status.CREATED:
        raise RelationshipError(
            _("This admin relationship no longer awaits your consent (it is %(status)s).")
            % {"status": locked.get_status_display()}
        )
    token, locked.approval_token_hash = _new_token()
    now = timezone.now()
    locked.status = Status.APPROVAL_PENDING
    locked.consented_at = locked.requested_at = now
    locked.consented_by = actor
    locked.save(
        update_fields=[
            "status",
            "approval_token_hash",
            "consented_at",
            "requested_at",
            "consented_by",
        ]
    )
    _queue_approval_email(locked, token)
    _event(
        locked,
        actor=actor,
        verb=Verb.ADMIN_RELATIONSHIP_REQUESTED,
        before={"status": Status.CREATED},
        after={"status": Status.APPROVAL_PENDING, "consented_by": reseller.legal_name},
    )
    return token


def relationship_for_token(token: str, *, field: str = "approval_token_hash"):
    """The relationship an approval (or termination) link names, or LinkUnavailable (404)."""
    if not re.fullmatch(TOKEN_PATTERN, token or ""):
        raise LinkUnavailable(
            _("This link is not valid. Check that you copied all of it."), status=404
        )
    relationship = (
        AdminRelationship.objects.select_related("customer", "customer__provider", "partner")
        .filter(**{field: hash_token(token)})
        .first()
    )
    if relationship is None:
        raise LinkUnavailable(
            _("This link is not valid. Check that you copied all of it."), status=404
        )
    return relationship


def check_approvable(relationship: AdminRelationship) -> None:
    """Raise LinkUnavailable (410) unless the customer can approve the relationship now."""
    if relationship.status in (Status.TERMINATED, Status.TERMINATION_REQUESTED):
        raise LinkUnavailable(
            _("This admin relationship was terminated; it can no longer be approved.")
        )
    if relationship.status == Status.EXPIRED or _request_lapsed(relationship):
        raise LinkUnavailable(
            _("This approval link has expired. Ask the partner to request the relationship again.")
        )
    if relationship.status != Status.APPROVAL_PENDING:
        raise LinkUnavailable(_("This admin relationship has already been approved."))


def check_terminable(relationship: AdminRelationship) -> None:
    """Raise LinkUnavailable (410) when the relationship has already ended."""
    if relationship.status in (Status.TERMINATED, Status.TERMINATION_REQUESTED):
        raise LinkUnavailable(_("This admin relationship has already been terminated."))
    if relationship.status == Status.EXPIRED:
        raise LinkUnavailable(_("This admin relationship has already expired."))


def end_if_approved_now(relationship: AdminRelationship):
    """The end date the relationship would get if approved now."""
    return timezone.now() + timedelta(days=relationship.duration_days)


def _request_lapsed(relationship: AdminRelationship) -> bool:
    return (
        relationship.status in AdminRelationship.PENDING_STATUSES
        and relationship.created_at <= timezone.now() - timedelta(days=UNAPPROVED_EXPIRE_DAYS)
    )


@transaction.atomic
def relationship_approve(*, token: str, approver: str = "") -> AdminRelationship:
    """The customer approves through the link: active from now for its duration; the link is used."""
    found = relationship_for_token(token)
    # The row lock makes concurrent approvals queue up; the second finds it active.
    locked = _locked(found)
    check_approvable(locked)
    now = timezone.now()
    termination_token, locked.termination_token_hash = _new_token()
    locked.status = Status.ACTIVE
    locked.approved_at = now
    locked.approved_by = (approver or locked.customer.contact_email)[:254]
    locked.ends_at = now + timedelta(days=locked.duration_days)
    locked.save(
        update_fields=["status", "approved_at", "approved_by", "ends_at", "termination_token_hash"]
    )
    if locked.ends_at - now <= timedelta(days=EXPIRING_WITHIN_DAYS):
        AdminRelationship.objects.filter(pk=locked.pk).update(status=Status.EXPIRING)
        locked.status = Status.EXPIRING
    customer = locked.customer
    queue_email(
        kind="admin-relationship-approved",
        to=customer.contact_email,
        context={
            "relationship": locked,
            "customer": customer,
            "partner": locked.partner,
            "roles": list(locked.roles.all()),
            "url": termination_url(termination_token),
        },
        org=customer.provider,
        language=customer.language,
    )
    _event(
        locked,
        actor=None,
        verb=Verb.ADMIN_RELATIONSHIP_APPROVED,
        before={"status": Status.APPROVAL_PENDING},
        after={
            "status": locked.status,
            "ends_at": locked.ends_at.isoformat(),
            "by": locked.approved_by,
        },
    )
    return locked


def _request_termination(locked: AdminRelationship, *, actor, by_name: str) -> AdminRelationship:
    if (
        locked.status in AdminRelationship.ENDED_STATUSES
        or locked.status == Status.TERMINATION_REQUESTED
    ):
        raise RelationshipError(
            _("This admin relationship has already ended (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    before = locked.status
    locked.status = Status.TERMINATION_REQUESTED
    locked.terminated_at = timezone.now()
    locked.terminated_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.terminated_by_name = by_name[:254]
    # The links stay known, so that opening one later says the relationship was terminated.
    locked.save(update_fields=["status", "terminated_at", "terminated_by", "terminated_by_name"])
    _event(
        locked,
        actor=actor,
        verb=Verb.ADMIN_RELATIONSHIP_TERMINATION_REQUESTED,
        before={"status": before},
        after={"status": Status.TERMINATION_REQUESTED, "by": by_name},
    )
    pk = locked.pk
    transaction.on_commit(lambda: _enqueue_finish(pk))
    return locked


def _enqueue_finish(pk: int) -> None:
    from relationships.tasks import finish_termination

    try:
        finish_termination.delay(pk)
    except Exception:  # broker down: the daily lifecycle job finishes it
        log.warning("Could not enqueue the end of termination %s", pk, exc_info=True)


@transaction.atomic
def relationship_terminate(*, relationship: AdminRelationship, actor) -> AdminRelationship:
    """The partner (or its provider) ends a relationship at once: rights go, the link stops working."""
    locked = _locked(relationship)
    return _request_termination(locked, actor=actor, by_name=actor.display_name)


@transaction.atomic
def relationship_terminate_by_customer(*, token: str) -> AdminRelationship:
    """The customer ends a relationship through the link of the approval confirmation."""
    found = relationship_for_token(token, field="termination_token_hash")
    locked = _locked(found)
    check_terminable(locked)
    return _request_termination(locked, actor=None, by_name=locked.customer.contact_email)


@transaction.atomic
def relationship_finish_termination(*, relationship_id: int) -> bool:
    """Termination requested -> terminated (the directory has removed the roles)."""
    locked = (
        AdminRelationship.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("customer", "customer__provider", "partner")
        .filter(pk=relationship_id, status=Status.TERMINATION_REQUESTED)
        .first()
    )
    if locked is None:
        return False
    locked.status = Status.TERMINATED
    locked.save(update_fields=["status"])
    AccessAssignment.objects.filter(relationship=locked).delete()
    _event(
        locked,
        actor=None,
        verb=Verb.ADMIN_RELATIONSHIP_TERMINATED,
        before={"status": Status.TERMINATION_REQUESTED},
        after={"status": Status.TERMINATED},
    )
    return True


def relationship_extend(*, relationship: AdminRelationship, actor=None) -> AdminRelationship:
    """Extend a live auto-extend relationship by 180 days (the lifecycle job does it at the end)."""
    with transaction.atomic():
        locked = _locked(relationship)
        return _extend(locked, actor=actor)


def _extend(locked: AdminRelationship, *, actor) -> AdminRelationship:
    if locked.status not in AdminRelationship.LIVE_STATUSES:
        raise RelationshipError(
            _("Only an active admin relationship can be extended; this one is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    if not locked.auto_extend:
        raise RelationshipError(_("This admin relationship is not set to extend automatically."))
    if any(role.is_global_administrator for role in locked.roles.all()):
        raise RelationshipError(
            _("A relationship with the Global Administrator role cannot be extended automatically.")
        )
    before = {"status": locked.status, "ends_at": locked.ends_at.isoformat()}
    locked.ends_at = locked.ends_at + timedelta(days=AUTO_EXTEND_DAYS)
    locked.status = (
        Status.EXPIRING
        if locked.ends_at - timezone.now() <= timedelta(days=EXPIRING_WITHIN_DAYS)
        else Status.ACTIVE
    )
    locked.save(update_fields=["ends_at", "status"])
    _event(
        locked,
        actor=actor,
        verb=Verb.ADMIN_RELATIONSHIP_EXTENDED,
        before=before,
        after={"status": locked.status, "ends_at": locked.ends_at.isoformat()},
    )
    return locked


# The lifecycle job ----------------------------------------------------------------------------


def _due(queryset):
    """Lock what is due, skipping rows another run holds: two runs at once split the work."""
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",)).select_related(
            "customer", "customer__provider", "partner"
        )
    )


@transaction.atomic
def lifecycle_run(*, now=None) -> dict[str, int]:
    """The daily job: lapse old requests, extend, expire, mark expiring, send notices. Idempotent."""
    now = now or timezone.now()
    done = {"lapsed": 0, "extended": 0, "expired": 0, "expiring": 0, "notices": 0, "terminated": 0}
    for rel in _due(
        AdminRelationship.objects.filter(
            status__in=AdminRelationship.PENDING_STATUSES,
            created_at__lte=now - timedelta(days=UNAPPROVED_EXPIRE_DAYS),
        )
    ):
        before = rel.status
        rel.status = Status.EXPIRED
        rel.save(update_fields=["status"])
        _event(
            rel,
            actor=None,
            verb=Verb.ADMIN_RELATIONSHIP_EXPIRED,
            before={"status": before},
            after={"status": Status.EXPIRED, "unapproved": True},
        )
        done["lapsed"] += 1
    for rel in _due(AdminRelationship.objects.live().filter(ends_at__lte=now)):
        if rel.auto_extend and not any(r.is_global_administrator for r in rel.roles.all()):
            while rel.ends_at <= now:
                _extend(rel, actor=None)
            done["extended"] += 1
            continue
        before = rel.status
        rel.status = Status.EXPIRED
        rel.save(update_fields=["status"])
        AccessAssignment.objects.filter(relationship=rel).delete()
        _event(
            rel,
            actor=None,
            verb=Verb.ADMIN_RELATIONSHIP_EXPIRED,
            before={"status": before},
            after={"status": Status.EXPIRED},
        )
        done["expired"] += 1
    for rel in _due(
        AdminRelationship.objects.filter(
            status=Status.ACTIVE, ends_at__lte=now + timedelta(days=EXPIRING_WITHIN_DAYS)
        )
    ):
        rel.status = Status.EXPIRING
        rel.save(update_fields=["status"])
        _event(
            rel,
            actor=None,
            verb=Verb.ADMIN_RELATIONSHIP_EXPIRING,
            before={"status": Status.ACTIVE},
            after={"status": Status.EXPIRING, "ends_at": rel.ends_at.isoformat()},
        )
        done["expiring"] += 1
    for rel in _due(
        AdminRelationship.objects.live().filter(
            ends_at__gt=now, ends_at__lte=now + timedelta(days=max(NOTICE_DAYS))
        )
    ):
        done["notices"] += _send_due_notice(rel, now=now)
    for pk in AdminRelationship.objects.filter(status=Status.TERMINATION_REQUESTED).values_list(
        "pk", flat=True
    ):
        done["terminated"] += relationship_finish_termination(relationship_id=pk)
    return done


def notice_due(rel: AdminRelationship, now) -> int | None:
    """The notice (30, 7 or 1 days before the end) that is due now, the nearest first."""
    left = rel.ends_at - now
    for days in sorted(NOTICE_DAYS):
        if left <= timedelta(days=days):
            return days
    return None


def _send_due_notice(rel: AdminRelationship, *, now) -> int:
    days = notice_due(rel, now)
    if days is None:
        return 0
    # One notice per threshold and end date: a second run (or a later one) finds it sent.
    _notice, created = AdminRelationshipNotice.objects.get_or_create(
        relationship=rel, days_before=days, ends_at=rel.ends_at, defaults={"sent_at": now}
    )
    if not created:
        return 0
    recipients = list(
        Membership.objects.filter(
            organisation=rel.partner,
            role__in=[Role.GLOBAL_ADMIN, Role.ADMIN_AGENT],
            user__is_active=True,
        )
        .order_by("user__email")
        .values_list("user__email", "user__language")
    ) or [(rel.partner.contact_email, "")]
    for email, user_language in recipients:
        queue_email(
            kind="admin-relationship-ending",
            to=email,
            context={
                "relationship": rel,
                "customer": rel.customer,
                "days": days,
                "ends_at": rel.ends_at,
                "url": f"{settings.SITE_URL}{reverse('customers:customer_detail', args=[rel.customer.uuid])}",
            },
            org=rel.partner,
            language=recipient_language(user_language, rel.partner.country),
        )
    _event(
        rel,
        actor=None,
        verb=Verb.ADMIN_RELATIONSHIP_NOTICE_SENT,
        after={"days_before": days, "recipients": len(recipients)},
    )
    return 1


# Security groups, access assignments, templates ------------------------------------------------


@transaction.atomic
def security_group_create(*, organisation: Organisation, name: str, actor) -> SecurityGroup:
    """A new, empty security group of the organisation's own users."""
    name = (name or "").strip()
    if SecurityGroup.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise RelationshipError(
            _("A security group named “%(name)s” already exists.") % {"name": name}, field="name"
        )
    group = SecurityGroup.objects.create(organisation=organisation, name=name)
    record(
        org=organisation,
        actor=actor,
        verb=Verb.SECURITY_GROUP_CREATED,
        obj=group,
        after={"name": name},
    )
    return group


@transaction.atomic
def security_group_delete(*, group: SecurityGroup, actor) -> None:
    """Remove a group and its access assignments."""
    record(
        org=group.organisation,
        actor=actor,
        verb=Verb.SECURITY_GROUP_DELETED,
        obj=group,
        before={"name": group.name},
    )
    group.delete()


@transaction.atomic
def security_group_set_members(*, group: SecurityGroup, users, actor) -> SecurityGroup:
    """Make ``users`` (active members of the group's organisation) the group's members."""
    users = list(users)
    own = set(
        Membership.objects.filter(organisation=group.organisation, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    if any(user.pk not in own for user in users):
        raise RelationshipError(
            _("A security group holds only your organisation's own users."), field="members"
        )
    before = sorted(group.members.values_list("email", flat=True))
    group.members.set(users)
    after = sorted(user.email for user in users)
    record(
        org=group.organisation,
        actor=actor,
        verb=Verb.SECURITY_GROUP_MEMBERS_CHANGED,
        obj=group,
        before={"members": before},
        after={"members": after},
    )
    return group


@transaction.atomic
def access_assignment_set(*, relationship: AdminRelationship, group: SecurityGroup, roles, actor):
    """Give a group a subset of the relationship's roles; no roles removes the assignment."""
    if group.organisation_id != relationship.partner_id:
        raise RelationshipError(
            _("Only the partner's own security groups can be assigned."), field="group"
        )
    if (
        relationship.status in AdminRelationship.ENDED_STATUSES
        or relationship.status == Status.TERMINATION_REQUESTED
    ):
        raise RelationshipError(_("This admin relationship has ended; its access cannot change."))
    roles = list(roles)
    held = set(relationship.roles.values_list("pk", flat=True))
    if any(role.pk not in held for role in roles):
        raise RelationshipError(
            _("A security group can only be given roles the relationship holds."), field="roles"
        )
    assignment = AccessAssignment.objects.filter(relationship=relationship, group=group).first()
    before = sorted(r.name_en for r in assignment.roles.all()) if assignment else []
    if not roles:
        if assignment:
            assignment.delete()
    else:
        assignment = assignment or AccessAssignment.objects.create(
            relationship=relationship, group=group
        )
        assignment.roles.set(roles)
    record(
        org=relationship.partner,
        actor=actor,
        verb=Verb.ACCESS_ASSIGNMENT_CHANGED,
        obj=relationship,
        before={"group": group.name, "roles": before},
        after={"group": group.name, "roles": sorted(r.name_en for r in roles)},
    )
    return assignment


@transaction.atomic
def template_create(
    *, organisation, name, roles, duration_days, auto_extend, actor
) -> RelationshipTemplate:
    """Save roles, duration and auto-extend under a name, to start relationships from."""
    roles = list(roles)
    name = (name or "").strip()
    if RelationshipTemplate.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise RelationshipError(
            _("A template named “%(name)s” already exists.") % {"name": name}, field="name"
        )
    if not roles:
        raise RelationshipError(_("Choose at least one role."), field="roles")
    if not MIN_DURATION_DAYS <= (duration_days or 0) <= MAX_DURATION_DAYS:
        raise RelationshipError(
            _("The duration must be from %(min)d to %(max)d days.")
            % {"min": MIN_DURATION_DAYS, "max": MAX_DURATION_DAYS},
            field="duration_days",
        )
    if auto_extend and any(role.is_global_administrator for role in roles):
        raise RelationshipError(
            _(
                "A relationship with the Global Administrator role cannot be extended automatically."
            ),
            field="auto_extend",
        )
    template = RelationshipTemplate.objects.create(
        organisation=organisation, name=name, duration_days=duration_days, auto_extend=auto_extend
    )
    template.roles.set(roles)
    record(
        org=organisation,
        actor=actor,
        verb=Verb.RELATIONSHIP_TEMPLATE_CREATED,
        obj=template,
        after={"name": name},
    )
    return template


@transaction.atomic
def template_delete(*, template: RelationshipTemplate, actor) -> None:
    """Forget a template; relationships started from it stay as they are."""
    record(
        org=template.organisation,
        actor=actor,
        verb=Verb.RELATIONSHIP_TEMPLATE_DELETED,
        obj=template,
        before={"name": template.name},
    )
    template.delete()


@transaction.atomic
def terminate_for_reseller_on_customer(*, customer, reseller, actor) -> int:
    """End every relationship (pending or live) ``reseller`` has on ``customer``; returns how many."""
    ended = 0
    for rel in AdminRelationship.objects.filter(customer=customer, partner=reseller).exclude(
        status__in=[*AdminRelationship.ENDED_STATUSES, Status.TERMINATION_REQUESTED]
    ):
        _request_termination(_locked(rel), actor=actor, by_name=actor.display_name)
        ended += 1
    return ended
