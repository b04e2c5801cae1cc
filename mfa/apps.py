from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MfaConfig(AppConfig):
    """Multi-factor authentication: the second sign-in step, devices, recovery codes."""

    default = True
    name = "mfa"
    verbose_name = "MFA"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from mfa.middleware import note_second_step

        # Every way in (the sign-in page, force_login in tests, an accepted
        # invitation) marks the session with the step it still owes, so the
        # middleware answers from the session without a query per request.
        user_logged_in.connect(note_second_step, dispatch_uid="mfa.note_second_step")


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the site that requires a verified second factor."""

    default = False
    default_site = "mfa.admin_site.PortalAdminSite"
