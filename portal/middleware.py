from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from portal.audit import request_actor_label, request_ip
from portal.ratelimit import client_address
from portal.tenancy import resolve_tenant


class TenantMiddleware:
    """Attach the member's tenant (organisation and role) and the client IP to the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = resolve_tenant(request.user)
        token = request_ip.set(client_address(request))
        # An API request made with a key names the key here (api.auth); none else does.
        label_token = request_actor_label.set("")
        try:
            return self.get_response(request)
        finally:
            request_actor_label.reset(label_token)
            request_ip.reset(token)


class PasswordChangeRequiredMiddleware:
    """Keep a user holding a temporary password on the password-change page until it is changed."""

    allowed_names = ("password_change", "logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed_paths = None

    def __call__(self, request):
        if getattr(request, "mfa_step", None):
            # The second sign-in step comes first (mfa.middleware keeps the session there).
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            if self._allowed_paths is None:
                self._allowed_paths = {reverse(name) for name in self.allowed_names}
            if request.path not in self._allowed_paths and not request.path.startswith("/static/"):
                target = reverse("password_change")
                if getattr(request, "htmx", False):
                    response = HttpResponseClientRedirect(target)
                else:
                    response = redirect(target)
                patch_vary_headers(response, ["HX-Request"])
                return response
        return self.get_response(request)
