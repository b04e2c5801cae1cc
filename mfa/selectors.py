"""Reads about a user's second factors."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from partners.models import Membership

RECOVERY_DEVICE_NAME = "recovery"


@dataclass(frozen=True)
class DeviceRow:
    """One second factor of a user, as the devices page lists it."""

    persistent_id: str
    kind: str  # "totp" or "passkey"
    name: str
    created_at: object
    last_used_at: object


def has_mfa(user) -> bool:
    """Whether the user has a confirmed authenticator app or passkey (recovery codes alone do not count)."""
    if not user.is_authenticated:
        return False
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def has_passkey(user) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def devices(user) -> list[DeviceRow]:
    """The user's confirmed authenticator apps and passkeys, oldest first."""
    rows = [
        DeviceRow(d.persistent_id, "totp", d.name, d.created_at, d.last_used_at)
        for d in TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    ]
    rows += [
        DeviceRow(d.persistent_id, "passkey", d.name, d.created_at, d.last_used_at)
        for d in WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk")
    ]
    return rows


def device_of(user, persistent_id: str):
    """The user's own authenticator app or passkey named by ``persistent_id``, else None."""
    for model in (TOTPDevice, WebAuthnCredential):
        prefix = f"{model._meta.app_label}.{model._meta.model_name}/"
        if persistent_id.startswith(prefix):
            pk = persistent_id[len(prefix) :]
            if pk.isdigit():
                return model.objects.filter(user=user, pk=int(pk)).first()
    return None


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(
        device__user=user, device__name=RECOVERY_DEVICE_NAME, device__confirmed=True
    ).count()


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()


def membership_of(user) -> Membership | None:
    """The user's membership whose organisation records the user's MFA events."""
    return (
        Membership.objects.select_related("organisation")
        .filter(user=user, organisation__status="active")
        .first()
    )


def with_mfa(members: QuerySet[Membership]) -> QuerySet[Membership]:
    """Members annotated with ``has_mfa`` (an authenticator app or a passkey), in the same query."""
    return members.annotate(
        has_mfa=Exists(TOTPDevice.objects.filter(user=OuterRef("user_id"), confirmed=True))
        | Exists(WebAuthnCredential.objects.filter(user=OuterRef("user_id"), confirmed=True))
    )
