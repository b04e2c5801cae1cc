from django.apps import AppConfig


class OverviewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "overview"

    def ready(self):
        from overview import signals  # noqa: F401 - connects the refresh after a bulk change
