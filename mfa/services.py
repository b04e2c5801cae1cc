"""Changes to a user's second factors and to an organisation's MFA requirement.

Each writes one activity event in the organisation of the member concerned
(a platform operator without a membership has no activity log to write to).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from mfa import selectors
from mfa.selectors import RECOVERY_DEVICE_NAME
from partners.models import Membership, Organisation
from portal.audit import Verb, record
from portal.errors import ServiceError


class MfaError(ServiceError):
    """A change to a user's second factors that cannot be made (the message says why)."""


RECOVERY_CODE_COUNT = 10


def _record_for_user(user, *, verb: str, actor=None, after=None) -> None:
    membership = selectors.membership_of(user)
    if membership is not None:
        record(
            org=membership.organisation,
            actor=actor or user,
            verb=verb,
            obj=membership,
            after=after,
        )


def _device_kind(device) -> str:
    return "passkey" if isinstance(device, WebAuthnCredential) else "authenticator_app"


def totp_code_matches(key_hex: str, code: str) -> bool:
    """Whether ``code`` is the current code (±1 step) of the TOTP secret ``key_hex``."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return False
    device = TOTPDevice(key=key_hex)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return totp.verify(int(code), device.tolerance)


@transaction.atomic
def mfa_totp_add(*, user, key: str, code: str, name: str) -> TOTPDevice:
    """Confirm a new authenticator app for ``user`` with one code from it."""
    if not totp_code_matches(key, code):
        raise MfaError(
            _("That code is not right. Check the app's clock and try the new code."), field="code"
        )
    device = TOTPDevice(user=user, key=key, name=name[:64] or "Authenticator app", confirmed=True)
    # The confirming code may not sign in again.
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    device.last_t = totp.t()
    device.save()
    _record_for_user(
        user, verb=Verb.MFA_DEVICE_ADDED, after={"device": "authenticator_app", "name": device.name}
    )
    return device


@transaction.atomic
def mfa_passkey_added(*, user, device: WebAuthnCredential) -> None:
    """Record a passkey or security key the WebAuthn ceremony has just saved."""
    _record_for_user(
        user, verb=Verb.MFA_DEVICE_ADDED, after={"device": "passkey", "name": device.name}
    )


@transaction.atomic
def mfa_device_remove(*, user, device) -> None:
    """Remove one of the user's authenticator apps or passkeys; the last one takes the recovery codes along."""
    if device.user_id != user.pk:
        raise MfaError(_("This device is not yours."))
    name, kind = device.name, _device_kind(device)
    device.delete()
    if not selectors.has_mfa(user):
        StaticDevice.objects.filter(user=user).delete()
    _record_for_user(user, verb=Verb.MFA_DEVICE_REMOVED, after={"device": kind, "name": name})


@transaction.atomic
def mfa_recovery_codes_generate(*, user) -> list[str]:
    """Replace the user's recovery codes with ten new ones; returns them (they are shown once)."""
    if not selectors.has_mfa(user):
        raise MfaError(_("Add an authenticator app or a passkey before recovery codes."))
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    _record_for_user(user, verb=Verb.MFA_RECOVERY_CODES_GENERATED, after={"count": len(codes)})
    return sorted(codes)


@transaction.atomic
def mfa_verify(*, user, code: str):
    """Check a second-step code: an app code or a recovery code (used up); the device, or None.

    Each device throttles its own failures (django-otp doubles the wait after each).
    """
    code = (code or "").strip().replace(" ", "").replace("-", "").lower()
    if not code or len(code) > 64:
        return None
    if code.isdigit() and len(code) == 6:
        apps = TOTPDevice.objects.filter(user=user, confirmed=True).select_for_update()
        return next((device for device in apps if device.verify_token(code)), None)
    recovery = (
        StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        .select_for_update()
        .first()
    )
    if recovery is None or not recovery.verify_token(code):
        return None
    left = recovery.token_set.count()
    _record_for_user(user, verb=Verb.MFA_RECOVERY_CODE_USED, after={"left": left})
    return recovery


@transaction.atomic
def member_mfa_reset(*, org: Organisation, actor, membership: Membership) -> Membership:
    """Remove a member's authenticator apps, passkeys and recovery codes (a lost phone)."""
    if membership.organisation_id != org.pk:
        raise MfaError(_("This user is not a member of your organisation."))
    user = membership.user
    apps, passkeys = (
        TOTPDevice.objects.filter(user=user),
        WebAuthnCredential.objects.filter(user=user),
    )
    counts = {"authenticator_apps": apps.count(), "passkeys": passkeys.count()}
    apps.delete()
    passkeys.delete()
    StaticDevice.objects.filter(user=user).delete()
    record(org=org, actor=actor, verb=Verb.MFA_RESET, obj=membership, after=counts)
    return membership


@transaction.atomic
def org_mfa_requirement_set(*, org: Organisation, actor, required: bool) -> Organisation:
    """Turn the organisation's "Require MFA for all users" on or off."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    if org.require_mfa == required:
        return org
    before = org.require_mfa
    org.require_mfa = required
    org.save(update_fields=["require_mfa"])
    record(
        org=org,
        actor=actor,
        verb=Verb.ORGANISATION_MFA_REQUIREMENT_CHANGED,
        obj=org,
        before={"require_mfa": before},
        after={"require_mfa": required},
    )
    return org
