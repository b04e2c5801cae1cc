"""The WebAuthn endpoints of django-otp-webauthn, each registration recorded as an activity event."""

import json

from django.db import transaction
from django.urls import path
from django.utils.translation import gettext as _
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential

from mfa import services
from mfa.middleware import SESSION_KEY


class PasskeyRegistrationComplete(webauthn_views.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        with transaction.atomic():
            response = super().post(*args, **kwargs)
            if response.status_code == 200:
                device_id = json.loads(response.content)["id"]
                device = WebAuthnCredential.objects.get(pk=device_id, user=self.request.user)
                if not device.name:
                    # The ceremony names nothing; the list needs a label.
                    device.name = _("Passkey")
                    device.save(update_fields=["name"])
                services.mfa_passkey_added(user=self.request.user, device=device)
                self.request.session.pop(SESSION_KEY, None)
        return response


urlpatterns = [
    path(
        "registration/begin/",
        webauthn_views.BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        PasskeyRegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        webauthn_views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        webauthn_views.CompleteCredentialAuthenticationView.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
