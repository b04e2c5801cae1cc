import base64
import binascii
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from mfa import selectors, services
from mfa.forms import (
    DeviceRemoveForm,
    MfaRequirementForm,
    RecoveryCodesForm,
    SecondStepForm,
    TotpConfirmForm,
)
from mfa.middleware import SESSION_KEY, SETUP, safe_next
from partners.models import Membership
from portal.actions import post_action
from portal.roles import Perm
from portal.tenancy import get_for_org, org_required

TOTP_KEY_SESSION_KEY = "mfa.totp_key"


def _owes_verification(request) -> bool:
    """An enrolled user whose session has not passed the second step may not change devices."""
    return not request.user.is_verified() and selectors.has_mfa(request.user)


def _verify_first(request):
    return redirect(f"{reverse('mfa:verify')}?{urlencode({'next': reverse('mfa:devices')})}")


def _verified(request, device) -> None:
    """Mark the session verified with ``device``; a new session key, as after a sign-in."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session.pop(SESSION_KEY, None)


# The second sign-in step ----------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    """The second sign-in step: an app code, a recovery code or a passkey."""
    next_url = safe_next(request, settings.LOGIN_REDIRECT_URL)
    user = request.user
    if user.is_verified() or not selectors.has_mfa(user):
        return redirect(next_url)
    form = SecondStepForm(request.POST or None)
    # A refused code answers 200 with the message, as the sign-in page does.
    if request.method == "POST" and form.is_valid():
        device = services.mfa_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            return redirect(next_url)
        form.add_error(
            "code",
            _("That code was not accepted. Wait a few seconds, then try the newest code."),
        )
    context = {"form": form, "next": next_url, "has_passkey": selectors.has_passkey(user)}
    return render(request, "mfa/verify.html", context)


# Set-up pages on the profile --------------------------------------------------


@never_cache
@login_required
@require_safe
def devices(request):
    """The user's second factors: apps, passkeys, recovery codes; where to add more."""
    user = request.user
    if _owes_verification(request):
        return _verify_first(request)
    context = {
        "devices": selectors.devices(user),
        "has_mfa": selectors.has_mfa(user),
        "recovery_codes_left": selectors.recovery_codes_left(user),
        "setup_required": getattr(request, "mfa_step", None) == SETUP,
        "next": safe_next(request, ""),
        "regenerate_form": RecoveryCodesForm(),
    }
    return render(request, "mfa/devices.html", context)


def _totp_key(request) -> str:
    """The pending secret of the app being added (kept in the session until confirmed)."""
    key = request.session.get(TOTP_KEY_SESSION_KEY)
    try:
        if not key or len(binascii.unhexlify(key)) != 20:
            raise ValueError
    except (ValueError, binascii.Error):
        key = default_key()
        request.session[TOTP_KEY_SESSION_KEY] = key
    return key


def _qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code drawn here (no image service sees the secret)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=4, dark="#1b1f24", light="#ffffff", omitsize=False)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def totp_add(request):
    """Add an authenticator app: scan the QR code (or type the secret), confirm with one code."""
    user = request.user
    if _owes_verification(request):
        return _verify_first(request)
    key = _totp_key(request)
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def added(device):
            request.session.pop(TOTP_KEY_SESSION_KEY, None)
            if not user.is_verified():
                _verified(request, device)
            if selectors.recovery_codes_left(user) == 0:
                return _show_recovery_codes(
                    request, services.mfa_recovery_codes_generate(user=user)
                )
            return redirect(safe_next(request, "mfa:devices"))

        return post_action(
            request,
            lambda: services.mfa_totp_add(
                user=user,
                key=key,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"] or _("Authenticator app"),
            ),
            success=_("The authenticator app was added."),
            then=added,
            form=form,
            render=lambda error: _render_totp_add(request, form, key, status=400),
        )
    return _render_totp_add(request, form, key, status=400 if request.method == "POST" else 200)


def _render_totp_add(request, form, key, *, status):
    preview = TOTPDevice(user=request.user, key=key)
    secret = base64.b32encode(preview.bin_key).decode()
    context = {
        "form": form,
        "qr_svg": _qr_svg(preview),
        "secret": secret,
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": safe_next(request, ""),
    }
    return render(request, "mfa/totp_add.html", context, status=status)


@never_cache
@login_required
@require_safe
def passkey_add(request):
    """Add a passkey or security key (the WebAuthn ceremony runs in the browser)."""
    if _owes_verification(request):
        return _verify_first(request)
    context = {"next": safe_next(request, ""), "done_url": reverse("mfa:devices")}
    return render(request, "mfa/passkey_add.html", context)


def _show_recovery_codes(request, codes):
    context = {"codes": codes, "next": safe_next(request, reverse("mfa:devices"))}
    return render(request, "mfa/recovery_codes.html", context)


@never_cache
@login_required
@require_POST
def recovery_codes(request):
    """Generate ten new recovery codes (the old ones stop working); shown on this answer only."""
    if _owes_verification(request):
        return _verify_first(request)
    form = RecoveryCodesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Confirm that the old recovery codes may stop working."))
        return redirect("mfa:devices")
    return post_action(
        request,
        lambda: services.mfa_recovery_codes_generate(user=request.user),
        then=lambda codes: _show_recovery_codes(request, codes),
        redirect_to=reverse("mfa:devices"),
    )


@login_required
@require_POST
def device_remove(request):
    """Remove one of the user's own authenticator apps or passkeys."""
    if _owes_verification(request):
        return _verify_first(request)
    form = DeviceRemoveForm(request.POST)
    device = (
        selectors.device_of(request.user, form.cleaned_data["device"]) if form.is_valid() else None
    )
    if device is None:
        raise Http404
    services.mfa_device_remove(user=request.user, device=device)
    messages.success(request, _("%s was removed.") % device.name)
    return redirect("mfa:devices")


# Organisation settings (Users page) ---------------------------------------------


@org_required(Perm.MANAGE_MFA)
@require_POST
def org_requirement(request):
    """Turn "Require MFA for all users" on or off for the organisation."""
    form = MfaRequirementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose on or off."))
        return redirect("user_list")
    required = form.cleaned_data["require_mfa"] == "on"
    services.org_mfa_requirement_set(org=request.tenant.org, actor=request.user, required=required)
    if required:
        messages.success(request, _("Every user now signs in with a second factor."))
    else:
        messages.success(request, _("MFA is no longer required for every user."))
    return redirect("user_list")


@org_required(Perm.MANAGE_MFA)
@require_POST
def member_reset(request, membership_uuid):
    """Remove a member's second factors (a lost phone); the member sets up again at sign-in."""
    org = request.tenant.org
    membership = get_for_org(Membership.objects.select_related("user"), org, uuid=membership_uuid)
    services.member_mfa_reset(org=org, actor=request.user, membership=membership)
    messages.success(request, _("The MFA of %s was reset.") % membership.user.display_name)
    return redirect("user_list")
