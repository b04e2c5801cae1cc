"""Services of the organisation's staff: invitations, roles, deactivation, passwords."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Membership, Organisation
from portal.audit import Verb, record
from portal.emails import queue_email
from portal.errors import ServiceError
from portal.models import StaffInvitation, User
from portal.roles import Role
from portal.tokens import hash_token


class StaffError(ServiceError):
    """A staff or member change that cannot be made (the message says why)."""


# Staff invitations ---------------------------------------------------------

STAFF_INVITE_TTL = timedelta(days=7)


def staff_invite_url(token: str) -> str:
    return settings.SITE_URL + reverse("staff_invite_accept", args=[token])


@transaction.atomic
def staff_invite_send(*, org: Organisation, actor: User, email: str, role: str) -> StaffInvitation:
    """Invite ``email`` to join ``org`` with ``role``; a pending invitation to it is replaced."""
    email = email.strip().lower()
    _refuse_global_admin_change_unless_global_admin(org, actor, role)
    # Only this organisation's own members are told apart: whether the address
    # belongs to another organisation is another tenant's fact. That person gets
    # the invitation like anyone, and cannot accept it (one organisation each).
    if Membership.objects.for_org(org).filter(user__email=email).exists():
        raise StaffError(_("This person is already a member of your organisation."), field="email")
    replaced = list(
        StaffInvitation.objects.for_org(org)
        .select_for_update()
        .filter(email=email, status=StaffInvitation.Status.PENDING)
    )
    now = timezone.now()
    for old in replaced:
        old.status, old.revoked_at = StaffInvitation.Status.REVOKED, now
        old.save(update_fields=["status", "revoked_at"])
    token = secrets.token_urlsafe(32)  # 256 bits
    invitation = StaffInvitation.objects.create(
        organisation=org,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=now + STAFF_INVITE_TTL,
    )
    queue_email(
        kind="staff-invite",
        to=email,
        org=org,
        context={
            "organisation_name": org.legal_name,
            "inviter_name": actor.display_name,
            "role_label": Role(role).label,
            "accept_url": staff_invite_url(token),
            "expires_at": invitation.expires_at,
        },
    )
    record(
        org=org,
        actor=actor,
        verb=Verb.STAFF_INVITATION_SENT,
        obj=invitation,
        after={"email": email, "role": role, "replaced": len(replaced)},
    )
    return invitation


@transaction.atomic
def staff_invite_revoke(*, org: Organisation, actor: User, invitation: StaffInvitation) -> None:
    """Withdraw a pending invitation so its link no longer works."""
    invitation = StaffInvitation.objects.for_org(org).select_for_update().get(pk=invitation.pk)
    if invitation.status != StaffInvitation.Status.PENDING:
        raise StaffError(_("This invitation is no longer pending."))
    invitation.status, invitation.revoked_at = StaffInvitation.Status.REVOKED, timezone.now()
    invitation.save(update_fields=["status", "revoked_at"])
    record(
        org=org,
        actor=actor,
        verb=Verb.STAFF_INVITATION_REVOKED,
        obj=invitation,
        before={"status": "pending"},
        after={"status": "revoked"},
    )


@transaction.atomic
def staff_invite_accept(
    *,
    token: str,
    user: User | None,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
) -> User:
    """Make the invited person a member: ``user`` when signed in with the invited address, else a new account."""
    invitation = (
        StaffInvitation.objects.select_for_update()
        .select_related("organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None or not invitation.is_usable:
        raise StaffError(_("This invitation link is not valid any more."))
    if user is not None:
        if user.email.lower() != invitation.email:
            # The link never binds to an account with another address.
            raise StaffError(_("This invitation is for another email address."))
        if Membership.objects.filter(user=user).exists():
            raise StaffError(_("You already belong to an organisation."))
    else:
        if User.objects.filter(email=invitation.email).exists():
            raise StaffError(_("An account with this address exists: sign in to accept."))
        user = User(email=invitation.email, first_name=first_name, last_name=last_name)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise StaffError(" ".join(error.messages), field="password1") from error
        user.set_password(password)
        user.save()
    membership = Membership.objects.create(
        user=user, organisation=invitation.organisation, role=invitation.role
    )
    invitation.status = StaffInvitation.Status.ACCEPTED
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    record(
        org=invitation.organisation,
        actor=user,
        verb=Verb.STAFF_INVITATION_ACCEPTED,
        obj=membership,
        after={"email": user.email, "role": invitation.role},
    )
    return user


# Members: roles and deactivation ----------------------------------------------


def _lock_global_admins_and_reload(
    org: Organisation, membership: Membership
) -> tuple[Membership, int]:
    """Lock the org's Global admin memberships; return ``membership`` fresh and how many are active.

    Every change that could remove a Global admin takes these locks first, so
    two concurrent requests cannot each see "another admin is left".
    """
    list(
        Membership.objects.for_org(org)
        .filter(role=Role.GLOBAL_ADMIN)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    fresh = Membership.objects.for_org(org).select_related("user").get(pk=membership.pk)
    active_admins = (
        Membership.objects.for_org(org).filter(role=Role.GLOBAL_ADMIN, user__is_active=True).count()
    )
    return fresh, active_admins


def _actor_role(org: Organisation, actor: User) -> str | None:
    return Membership.objects.for_org(org).filter(user=actor).values_list("role", flat=True).first()


def _refuse_global_admin_change_unless_global_admin(
    org: Organisation, actor: User, *roles: str
) -> None:
    """Only a Global admin may give, take away or invite with the Global admin role."""
    if Role.GLOBAL_ADMIN in roles and _actor_role(org, actor) != Role.GLOBAL_ADMIN:
        raise StaffError(
            _("Only a Global admin can give, change or take away the Global admin role."),
            field="role",
        )


def _refuse_if_last_global_admin(membership: Membership, active_admins: int) -> None:
    if membership.role == Role.GLOBAL_ADMIN and membership.user.is_active and active_admins <= 1:
        raise StaffError(_("The last active Global admin of an organisation must stay one."))


@transaction.atomic
def member_set_role(
    *, org: Organisation, actor: User, membership: Membership, role: str
) -> Membership:
    """Give a member another role; nobody changes their own, only a Global admin touches Global admins."""
    membership, active_admins = _lock_global_admins_and_reload(org, membership)
    if membership.user_id == actor.pk:
        raise StaffError(_("You cannot change your own role."))
    _refuse_global_admin_change_unless_global_admin(org, actor, membership.role, role)
    if membership.role == role:
        return membership
    if role != Role.GLOBAL_ADMIN:
        _refuse_if_last_global_admin(membership, active_admins)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    record(
        org=org,
        actor=actor,
        verb=Verb.MEMBERSHIP_ROLE_CHANGED,
        obj=membership,
        before={"role": before},
        after={"role": role},
    )
    return membership


@transaction.atomic
def member_deactivate(*, org: Organisation, actor: User, membership: Membership) -> Membership:
    """Stop a member from signing in; the last active Global admin cannot be deactivated."""
    membership, active_admins = _lock_global_admins_and_reload(org, membership)
    user = membership.user
    if user.pk == actor.pk:
        raise StaffError(_("You cannot deactivate your own account."))
    _refuse_global_admin_change_unless_global_admin(org, actor, membership.role)
    if not user.is_active:
        return membership
    _refuse_if_last_global_admin(membership, active_admins)
    user.is_active = False
    user.save(update_fields=["is_active"])
    record(
        org=org,
        actor=actor,
        verb=Verb.USER_DEACTIVATED,
        obj=membership,
        before={"active": True},
        after={"active": False},
    )
    return membership


@transaction.atomic
def member_reactivate(*, org: Organisation, actor: User, membership: Membership) -> Membership:
    """Let a deactivated member sign in again."""
    membership = (
        Membership.objects.for_org(org)
        .select_related("user")
        .select_for_update()
        .get(pk=membership.pk)
    )
    user = membership.user
    _refuse_global_admin_change_unless_global_admin(org, actor, membership.role)
    if user.is_active:
        return membership
    user.is_active = True
    user.save(update_fields=["is_active"])
    record(
        org=org,
        actor=actor,
        verb=Verb.USER_REACTIVATED,
        obj=membership,
        before={"active": False},
        after={"active": True},
    )
    return membership


# Passwords -----------------------------------------------------------------


@transaction.atomic
def user_password_set(*, user: User, password: str) -> User:
    """Set a user's own new password (change or reset); a temporary password is then retired."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    membership = Membership.objects.select_related("organisation").filter(user=user).first()
    if membership is not None:
        record(
            org=membership.organisation, actor=user, verb=Verb.USER_PASSWORD_CHANGED, obj=membership
        )
    return user
