"""The Django admin for platform operators, behind a verified second factor."""

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from mfa import selectors
from mfa.middleware import safe_next


class PortalAdminSite(admin.AdminSite):
    """Operators (is_staff) reach the admin only in a session verified with a second factor.

    Sign-in goes through the portal's own page (password, lockout, then the
    second step); an operator without a device is sent to set one up first.
    """

    def has_permission(self, request):
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        target = safe_next(request, reverse("admin:index", current_app=self.name))
        query = urlencode({"next": target})
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('login')}?{query}")
        if self.has_permission(request):
            return redirect(target)
        if user.is_active and user.is_staff:
            step = "mfa:verify" if selectors.has_mfa(user) else "mfa:devices"
            return redirect(f"{reverse(step)}?{query}")
        # A member without operator rights: no second password form here.
        raise PermissionDenied
