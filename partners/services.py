"""Writes of the partners side: partnership requests, their acceptance, enrolment, removal.

Every service runs in one transaction and writes an activity event. A request's
secret token is handed to the caller once and only its SHA-256 hash is stored;
the message kept on the request has the link replaced by ``INVITE_LINK_MARKER``.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from partners import agreement
from partners.models import (
    Membership,
    Organisation,
    PartnerLocation,
    Partnership,
    PartnershipRequest,
)
from portal.audit import Verb, record
from portal.emails import queue_email, queue_rendered_email, render_subject, render_text
from portal.errors import ServiceError
from portal.models import User
from portal.roles import Role
from portal.sealing import seal, unseal
from portal.tokens import hash_token

INVITE_LINK_MARKER = "{invite_link}"
TOKEN_PATTERN = r"[A-Za-z0-9_-]{16,128}"


class PartnershipError(ServiceError):
    """A partnership or request change that cannot be made (the message says why)."""


class InviteUnavailable(ServiceError):
    """An invite link that cannot be used; carries the HTTP status and the reason shown."""

    status = 410


@dataclass(frozen=True)
class PreparedRequest:
    partnership_request: PartnershipRequest
    token: str

    @property
    def url(self) -> str:
        return invite_url(self.token)

    @property
    def body(self) -> str:
        return self.partnership_request.message.replace(INVITE_LINK_MARKER, self.url)


def normalise_email(email: str) -> str:
    """Email addresses match whatever their case and surrounding spaces."""
    return (email or "").strip().lower()


def invite_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('partners:invite', args=[token])}"


def invite_tokens_in(text: str) -> list[str]:
    """Every invite token linked from ``text``, altered ones included."""
    placeholder = "0" * 16
    prefix = invite_url(placeholder).removesuffix(f"{placeholder}/")
    return re.findall(rf"{re.escape(prefix)}([^\s/]*)", text)


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)  # 256 bits
    return token, hash_token(token)


def _expiry():
    return timezone.now() + timedelta(days=settings.PARTNERSHIP_INVITE_TTL_DAYS)


def _expire_lapsed_requests(*, provider: Organisation, email: str, actor) -> None:
    """Mark pending requests past their expiry as expired, freeing the address for a new one."""
    lapsed = PartnershipRequest.objects.for_org(provider).select_for_update()
    for lapsed_request in lapsed.filter(
        email=email, status=PartnershipRequest.Status.PENDING, expires_at__lte=timezone.now()
    ):
        lapsed_request.status = PartnershipRequest.Status.EXPIRED
        lapsed_request.save(update_fields=["status"])
        record(
            org=provider,
            actor=actor,
            verb=Verb.PARTNERSHIP_REQUEST_EXPIRED,
            obj=lapsed_request,
            before={"status": "pending"},
            after={"status": "expired"},
        )


@transaction.atomic
def partnership_request_prepare(
    *, provider: Organisation, actor: User, email: str, any_address: bool = False
):
    """Create a pending request with a fresh token and a default draft message; returns it with the token.

    The link is accepted only from an account at the address's domain, unless
    ``any_address``.
    """
    email = normalise_email(email)
    _expire_lapsed_requests(provider=provider, email=email, actor=actor)
    token, token_hash = _new_token()
    expires_at = _expiry()
    context = {
        "provider": provider,
        "sender": actor,
        "invite_link": INVITE_LINK_MARKER,
        "expires_at": expires_at,
    }
    try:
        with transaction.atomic():
            partnership_request = PartnershipRequest.objects.create(
                provider=provider,
                email=email,
                subject=request_subject(provider),
                message=render_text("emails/partnership-request-draft.txt", context).strip() + "\n",
                token_hash=token_hash,
                created_by=actor,
                expires_at=expires_at,
                any_address=any_address,
            )
    except IntegrityError as exc:  # another member prepared one for this address meanwhile
        raise PartnershipError(
            _("A request to this address is already pending."), field="email"
        ) from exc
    record(
        org=provider,
        actor=actor,
        verb=Verb.PARTNERSHIP_REQUEST_CREATED,
        obj=partnership_request,
        after={
            "email": email,
            "expires_at": expires_at.isoformat(),
            "any_address": any_address,
        },
    )
    return PreparedRequest(partnership_request, token)


def request_subject(provider: Organisation) -> str:
    """The subject of every partnership-request email: a fixed text naming the provider."""
    return render_subject("emails/partnership-request-subject.txt", {"provider": provider})


def _html_parts(body: str, link: str) -> list[tuple[str, bool]]:
    """``body`` cut around the invite link: (text, is_link) pairs for the HTML part."""
    parts: list[tuple[str, bool]] = []
    for n, text in enumerate(body.split(link)):
        if n:
            parts.append((link, True))
        parts.append((text, False))
    return parts


def _queue_request_email(*, partnership_request: PartnershipRequest, body: str, token: str):
    provider = partnership_request.provider
    return queue_rendered_email(
        kind="partnership-request",
        to=partnership_request.email,
        subject=partnership_request.subject,
        body_text=body,
        body_html=render_to_string(
            "emails/partnership-request-body.html",
            {"parts": _html_parts(body, invite_url(token)), "provider": provider},
        ),
        org=provider,
    )


def _locked_request(partnership_request: PartnershipRequest) -> PartnershipRequest:
    return (
        PartnershipRequest.objects.select_for_update()
        .select_related("provider")
        .get(pk=partnership_request.pk)
    )


@transaction.atomic
def partnership_request_send(
    *, partnership_request: PartnershipRequest, actor: User, token: str, body: str
) -> PartnershipRequest:
    """Save the edited draft and email it through the outbox (sent once; later sends are resends).

    The subject is not the sender's to choose: it names the provider (no
    "verify your account" from the portal's own address).
    """
    locked = _locked_request(partnership_request)
    if locked.effective_status != PartnershipRequest.Status.PENDING:
        raise PartnershipError(_("This request is no longer pending."))
    if locked.sent_at is not None:
        raise PartnershipError(_("This request was already sent. Use Resend to send it again."))
    locked.subject = request_subject(locked.provider)
    locked.message = body.replace(invite_url(token), INVITE_LINK_MARKER)
    locked.sent_at = timezone.now()
    locked.save(update_fields=["subject", "message", "sent_at"])
    _queue_request_email(partnership_request=locked, body=body, token=token)
    record(
        org=locked.provider,
        actor=actor,
        verb=Verb.PARTNERSHIP_REQUEST_SENT,
        obj=locked,
        after={"email": locked.email, "subject": locked.subject},
    )
    return locked


@transaction.atomic
def partnership_request_resend(
    *, partnership_request: PartnershipRequest, actor: User
) -> PreparedRequest:
    """Issue a new token (the old link stops working), renew the expiry and email the request again."""
    locked = _locked_request(partnership_request)
    if locked.status not in (PartnershipRequest.Status.PENDING, PartnershipRequest.Status.EXPIRED):
        raise PartnershipError(_("Only a pending or expired request can be sent again."))
    before = {"status": locked.effective_status, "expires_at": locked.expires_at.isoformat()}
    if locked.status == PartnershipRequest.Status.EXPIRED and (
        PartnershipRequest.objects.for_org(locked.provider)
        .pending()
        .filter(email=locked.email)
        .exists()
    ):
        raise PartnershipError(_("A newer request to this address is already pending."))
    _expire_lapsed_requests(provider=locked.provider, email=locked.email, actor=actor)
    token, locked.token_hash = _new_token()
    locked.status = PartnershipRequest.Status.PENDING
    locked.expires_at = _expiry()
    locked.sent_at = timezone.now()
    if INVITE_LINK_MARKER not in locked.message:
        locked.message = f"{locked.message.rstrip()}\n\n{INVITE_LINK_MARKER}\n"
    locked.subject = request_subject(locked.provider)
    locked.save(
        update_fields=["token_hash", "status", "expires_at", "sent_at", "message", "subject"]
    )
    prepared = PreparedRequest(locked, token)
    _queue_request_email(partnership_request=locked, body=prepared.body, token=token)
    record(
        org=locked.provider,
        actor=actor,
        verb=Verb.PARTNERSHIP_REQUEST_RESENT,
        obj=locked,
        before=before,
        after={"status": "pending", "expires_at": locked.expires_at.isoformat()},
    )
    return prepared


@transaction.atomic
def partnership_request_revoke(
    *, partnership_request: PartnershipRequest, actor: User
) -> PartnershipRequest:
    """Invalidate a request's link for good."""
    locked = _locked_request(partnership_request)
    if locked.status not in (PartnershipRequest.Status.PENDING, PartnershipRequest.Status.EXPIRED):
        raise PartnershipError(_("Only a pending or expired request can be revoked."))
    before = {"status": locked.effective_status}
    locked.status = PartnershipRequest.Status.REVOKED
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["status", "revoked_at"])
    record(
        org=locked.provider,
        actor=actor,
        verb=Verb.PARTNERSHIP_REQUEST_REVOKED,
        obj=locked,
        before=before,
        after={"status": "revoked"},
    )
    return locked


def check_invite_usable(partnership_request: PartnershipRequest | None) -> None:
    """Raise InviteUnavailable (404 unknown, 410 used/revoked/expired) unless the request can be accepted."""
    if partnership_request is None:
        raise InviteUnavailable(
            _("This invite link is not valid. Check that you copied all of it."), status=404
        )
    status = partnership_request.effective_status
    if status == PartnershipRequest.Status.ACCEPTED:
        raise InviteUnavailable(_("This invite link has already been used."))
    if status == PartnershipRequest.Status.REVOKED:
        raise InviteUnavailable(_("This invite link was withdrawn by the indirect provider."))
    if status == PartnershipRequest.Status.EXPIRED:
        raise InviteUnavailable(
            _("This invite link has expired. Ask the indirect provider to send it again.")
        )


def check_invite_addressee(partnership_request: PartnershipRequest, email: str) -> None:
    """Raise InviteUnavailable (403) unless an account with ``email`` may accept the invite."""
    if not partnership_request.accepts_email(email):
        raise InviteUnavailable(
            _(
                "This invitation was sent to another email address. Sign in with an account "
                "at %(domain)s, or ask the indirect provider for an invitation that any "
                "address may accept."
            )
            % {"domain": partnership_request.invited_domain},
            status=403,
        )


@transaction.atomic
def partnership_accept(*, token: str, reseller: Organisation, actor: User) -> Partnership:
    """Authorise the inviting provider: one active partnership, the request accepted, the provider emailed."""
    # The row lock makes concurrent accepts of one link queue up; the second finds it used.
    partnership_request = (
        PartnershipRequest.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    )
    check_invite_usable(partnership_request)
    check_invite_addressee(partnership_request, actor.email)
    provider = Organisation.objects.get(pk=partnership_request.provider_id)
    if not reseller.is_reseller:
        raise InviteUnavailable(
            _("Only an indirect reseller can authorise an indirect provider."), status=403
        )
    if Partnership.objects.active().filter(provider=provider, reseller=reseller).exists():
        raise InviteUnavailable(
            _("Your organisation has already authorised %(provider)s.")
            % {"provider": provider.display_name},
            status=409,
        )
    partnership = Partnership.objects.create(
        provider=provider, reseller=reseller, request=partnership_request, created_by=actor
    )
    partnership_request.status = PartnershipRequest.Status.ACCEPTED
    partnership_request.accepted_at = timezone.now()
    partnership_request.accepted_by = actor
    partnership_request.accepted_org = reseller
    partnership_request.save(update_fields=["status", "accepted_at", "accepted_by", "accepted_org"])
    for org in (provider, reseller):
        record(
            org=org,
            actor=actor,
            verb=Verb.PARTNERSHIP_CREATED,
            obj=partnership,
            after={"provider": provider.partner_id, "reseller": reseller.partner_id},
        )
    record(
        org=provider,
        actor=actor,
        verb=Verb.PARTNERSHIP_REQUEST_ACCEPTED,
        obj=partnership_request,
        before={"status": "pending"},
        after={"status": "accepted", "reseller": reseller.partner_id},
    )
    queue_email(
        kind="partnership-accepted",
        to=provider.contact_email,
        context={"provider": provider, "reseller": reseller, "actor": actor},
        org=provider,
    )
    return partnership


@transaction.atomic
def reseller_enrol(
    *,
    token: str,
    company_name: str,
    partner_id: str,
    location_partner_id: str,
    country: str,
    first_name: str,
    last_name: str,
    email: str,
    password_hash: str,
) -> tuple[User, Partnership]:
    """Create a reseller organisation with its first location and Global admin, then accept the invite.

    Called once the person proved the address is theirs (the link mailed by
    ``reseller_enrol_start``): only then is a registered ID or address told.
    """
    email = normalise_email(email)
    now = timezone.now()
    if _partner_id_taken(partner_id) or _partner_id_taken(location_partner_id):
        raise PartnershipError(_("This partner ID is already registered."), field="partner_id")
    if User.objects.filter(email__iexact=email).exists():
        raise PartnershipError(
            _("An account with this email already exists. Sign in instead."), field="email"
        )
    reseller = Organisation.objects.create(
        kind=Organisation.Kind.RESELLER,
        legal_name=company_name,
        partner_id=partner_id,
        contact_email=email,
        country=country,
        agreement_accepted_at=now,
        agreement_version=agreement.CURRENT.version,
    )
    PartnerLocation.objects.create(
        organisation=reseller,
        name=company_name,
        location_partner_id=location_partner_id,
        country=country,
    )
    user = User(email=email, username=email, first_name=first_name, last_name=last_name)
    user.password = password_hash
    user.save()
    reseller.agreement_accepted_by = user
    reseller.save(update_fields=["agreement_accepted_by"])
    Membership.objects.create(user=user, organisation=reseller, role=Role.GLOBAL_ADMIN)
    record(
        org=reseller,
        actor=user,
        verb=Verb.ORGANISATION_ENROLLED,
        obj=reseller,
        after={
            "partner_id": partner_id,
            "location_partner_id": location_partner_id,
            "agreement_accepted_at": now.isoformat(),
            "agreement_version": agreement.CURRENT.version,
        },
    )
    partnership = partnership_accept(token=token, reseller=reseller, actor=user)
    return user, partnership


def _partner_id_taken(value: str) -> bool:
    return (
        Organisation.objects.filter(partner_id=value).exists()
        or PartnerLocation.objects.filter(location_partner_id=value).exists()
    )


ENROLMENT_SEALING_PURPOSE = "partners.enrolment"
ENROLMENT_CONFIRMATION_TTL = timedelta(days=1)
ENROLMENT_FIELDS = (
    "company_name",
    "partner_id",
    "location_partner_id",
    "country",
    "first_name",
    "last_name",
    "email",
)


def enrol_confirm_url(token: str, confirmation: str) -> str:
    return settings.SITE_URL + reverse("partners:invite_enrol_confirm", args=[token, confirmation])


@transaction.atomic
def reseller_enrol_start(*, token: str, password: str, **fields) -> None:
    """Mail the address entered on the enrolment form; nothing is created yet.

    The one answer the visitor sees is "check your email", whatever is
    registered: the owner of a registered address is told to sign in instead,
    anyone else gets a link (sealed: the form's data and the password's hash)
    that finishes the enrolment, where a registered partner ID is told.
    """
    partnership_request = (
        PartnershipRequest.objects.select_related("provider")
        .filter(token_hash=hash_token(token))
        .first()
    )
    check_invite_usable(partnership_request)
    provider = partnership_request.provider
    email = normalise_email(fields["email"])
    context = {"provider": provider, "company_name": fields["company_name"]}
    if User.objects.filter(email__iexact=email).exists():
        queue_email(kind="enrol-existing-account", to=email, context=context, org=provider)
    else:
        payload = {name: fields[name] for name in ENROLMENT_FIELDS}
        payload.update(email=email, password_hash=make_password(password))
        confirmation = seal_enrolment(token, payload)
        queue_email(
            kind="enrol-confirm",
            to=email,
            context={**context, "confirm_url": enrol_confirm_url(token, confirmation)},
            org=provider,
        )
    record(
        org=provider,
        actor=None,
        verb=Verb.PARTNERSHIP_REQUEST_ENROLMENT_MAILED,
        obj=partnership_request,
        after={"email": email},
    )


def seal_enrolment(token: str, payload: dict) -> str:
    """The confirmation part of the enrolment link: the form's data, encrypted, for this invite."""
    return seal(json.dumps({**payload, "token": token}), purpose=ENROLMENT_SEALING_PURPOSE)


def enrolment_from_confirmation(token: str, confirmation: str) -> dict | None:
    """The enrolment data sealed in a confirmation link for this invite, or None."""
    if len(confirmation) > 4000:
        return None
    opened = unseal(
        confirmation,
        purpose=ENROLMENT_SEALING_PURPOSE,
        max_age_seconds=int(ENROLMENT_CONFIRMATION_TTL.total_seconds()),
    )
    if opened is None:
        return None
    try:
        payload = json.loads(opened)
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("token") != token:
        return None
    return payload


def _end_partnership(partnership: Partnership, actor: User) -> Partnership:
    locked = (
        Partnership.objects.select_for_update()
        .select_related("provider", "reseller")
        .get(pk=partnership.pk)
    )
    if locked.status != Partnership.Status.ACTIVE:
        raise PartnershipError(_("This partnership has already ended."))
    locked.status = Partnership.Status.REMOVED
    locked.removed_by = actor
    locked.removed_at = timezone.now()
    locked.save(update_fields=["status", "removed_by", "removed_at"])
    return locked


@transaction.atomic
def partnership_remove(*, partnership: Partnership, actor: User) -> Partnership:
    """End a partnership on the provider's side; customers, subscriptions and delegated admin stay."""
    ended = _end_partnership(partnership, actor)
    record(
        org=ended.provider,
        actor=actor,
        verb=Verb.PARTNERSHIP_REMOVED,
        obj=ended,
        before={"status": "active"},
        after={"status": "removed", "reseller": ended.reseller.partner_id},
    )
    return ended


@transaction.atomic
def partnership_revoke(*, partnership: Partnership, actor: User) -> Partnership:
    """End a partnership on the reseller's side (revoke the authorisation); the provider is emailed."""
    ended = _end_partnership(partnership, actor)
    for org in (ended.reseller, ended.provider):
        record(
            org=org,
            actor=actor,
            verb=Verb.PARTNERSHIP_REVOKED,
            obj=ended,
            before={"status": "active"},
            after={"status": "removed", "reseller": ended.reseller.partner_id},
        )
    queue_email(
        kind="partnership-revoked",
        to=ended.provider.contact_email,
        context={"provider": ended.provider, "reseller": ended.reseller, "actor": actor},
        org=ended.provider,
    )
    return ended


AGREEMENT_REMINDER_INTERVAL = timedelta(days=1)


@transaction.atomic
def agreement_reminder_send(*, partnership: Partnership, actor: User) -> int:
    """Email the reseller's Global admins to accept the partner agreement, at most once a day.

    Returns the number of messages queued.
    """
    # The row lock makes two clicks at once send one reminder.
    locked = (
        Partnership.objects.select_for_update(of=("self",))
        .select_related("provider", "reseller")
        .get(pk=partnership.pk)
    )
    provider, reseller = locked.provider, locked.reseller
    if locked.status != Partnership.Status.ACTIVE:
        raise PartnershipError(_("This partnership has already ended."))
    if reseller.agreement_accepted:
        raise PartnershipError(
            _("%(reseller)s has already accepted the partner agreement.")
            % {"reseller": reseller.legal_name}
        )
    now = timezone.now()
    last = locked.agreement_reminder_sent_at
    if last is not None and now - last < AGREEMENT_REMINDER_INTERVAL:
        raise PartnershipError(
            _(
                "A reminder was sent to %(reseller)s less than a day ago. "
                "You can send the next one after %(time)s."
            )
            % {
                "reseller": reseller.legal_name,
                "time": formats.date_format(
                    timezone.localtime(last + AGREEMENT_REMINDER_INTERVAL), "DATETIME_FORMAT"
                ),
            }
        )
    recipients = list(
        Membership.objects.filter(
            organisation=reseller, role=Role.GLOBAL_ADMIN, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    ) or [reseller.contact_email]
    home_url = f"{settings.SITE_URL}{reverse('partners:reseller_home')}"
    for email in recipients:
        queue_email(
            kind="agreement-reminder",
            to=email,
            context={"provider": provider, "reseller": reseller, "home_url": home_url},
            org=provider,
        )
    locked.agreement_reminder_sent_at = now
    locked.save(update_fields=["agreement_reminder_sent_at"])
    record(
        org=provider,
        actor=actor,
        verb=Verb.PARTNERSHIP_AGREEMENT_REMINDER_SENT,
        obj=locked,
        after={"reseller": reseller.partner_id, "recipients": len(recipients)},
    )
    return len(recipients)


@transaction.atomic
def agreement_accept(*, reseller: Organisation, actor: User) -> Organisation:
    """Record that the reseller's Global admin accepted the partner agreement (the version in
    force), and when."""
    locked = Organisation.objects.select_for_update().get(pk=reseller.pk)
    if locked.agreement_accepted:
        raise PartnershipError(_("The partner agreement was already accepted."))
    locked.agreement_accepted_at = timezone.now()
    locked.agreement_accepted_by = actor
    locked.agreement_version = agreement.CURRENT.version
    locked.save(
        update_fields=["agreement_accepted_at", "agreement_accepted_by", "agreement_version"]
    )
    after = {
        "agreement_accepted_at": locked.agreement_accepted_at.isoformat(),
        "agreement_version": locked.agreement_version,
    }
    record(
        org=locked, actor=actor, verb=Verb.ORGANISATION_AGREEMENT_ACCEPTED, obj=locked, after=after
    )
    # Each partnered provider's log shows that it may now credit the reseller.
    providers = Organisation.objects.filter(
        pk__in=Partnership.objects.active().filter(reseller=locked).values("provider_id")
    )
    for provider in providers:
        record(
            org=provider,
            actor=actor,
            verb=Verb.ORGANISATION_AGREEMENT_ACCEPTED,
            obj=locked,
            after=after,
        )
    return locked
