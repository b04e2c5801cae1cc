"""The second sign-in step: a half-signed-in session reaches only sign-out and the MFA pages.

At sign-in the session notes the step it still owes ("verify" when the user
has an authenticator app or a passkey, "setup" when the organisation requires
MFA or the user is a platform operator). Until a second factor verifies the
session, every other page redirects to that step. A member of an organisation
that requires MFA is checked on every request while unverified, so a reset
or a newly switched-on requirement applies without a new sign-in.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

SESSION_KEY = "mfa.step"
VERIFY, SETUP = "verify", "setup"

# URL names a session may open while it owes each step.
ALWAYS_ALLOWED = ("logout", "set_language", "partners:directory")
ALLOWED = {
    VERIFY: {
        "mfa:verify",
        "otp_webauthn:credential-authentication-begin",
        "otp_webauthn:credential-authentication-complete",
        "otp_webauthn:js-i18n-catalog",
    },
    SETUP: {
        "mfa:devices",
        "mfa:totp_add",
        "mfa:passkey_add",
        "mfa:recovery_codes",
        "otp_webauthn:credential-registration-begin",
        "otp_webauthn:credential-registration-complete",
        "otp_webauthn:js-i18n-catalog",
    },
}


def safe_next(request, default: str) -> str:
    """The request's ``next`` (query or form) when it points into this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default) if default else ""


def second_step_for(user, tenant_org=None) -> str | None:
    """The step a signed-in, unverified user owes: VERIFY, SETUP or None."""
    from mfa import selectors

    if selectors.has_mfa(user):
        return VERIFY
    if user.is_staff:
        return SETUP
    org = tenant_org
    if org is None:
        membership = selectors.membership_of(user)
        org = membership.organisation if membership else None
    if org is not None and org.require_mfa:
        return SETUP
    return None


def note_second_step(sender, request, user, **kwargs):
    """On sign-in: note in the session which second step the user owes (user_logged_in receiver)."""
    if request is None or not hasattr(request, "session"):
        return
    step = second_step_for(user)
    if step is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = step


class SecondFactorMiddleware:
    """Keep a session that owes a second step on that step's pages."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed_paths: dict[str, set[str]] | None = None

    def allowed_paths(self, step: str) -> set[str]:
        if self._allowed_paths is None:
            self._allowed_paths = {
                key: {reverse(name) for name in (*names, *ALWAYS_ALLOWED)}
                for key, names in ALLOWED.items()
            }
        return self._allowed_paths[step]

    def __call__(self, request):
        request.mfa_step = None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        step = request.session.get(SESSION_KEY)
        tenant = getattr(request, "tenant", None)
        if tenant is not None and tenant.org.require_mfa:
            # Required here: ask the database, not the note (a reset, a new requirement).
            step = second_step_for(user, tenant.org)
        elif step == VERIFY:
            step = second_step_for(user, getattr(tenant, "org", None))
        request.mfa_step = step
        if step is None or request.path.startswith("/static/"):
            return self.get_response(request)
        if request.path in self.allowed_paths(step):
            return self.get_response(request)
        target = reverse("mfa:verify" if step == VERIFY else "mfa:devices")
        if request.method == "GET" and not getattr(request, "htmx", False):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return redirect(target)
