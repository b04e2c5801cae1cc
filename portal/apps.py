from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from portal import listing, signin

        signin.connect()
        for signal in (request_started, request_finished):
            signal.connect(listing.forget_read_ahead, dispatch_uid="listing-forget-read-ahead")
