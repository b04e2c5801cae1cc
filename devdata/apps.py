from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Generators of demo and load data (``seed_demo``, ``generate_load_data``); no models."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "devdata"
    verbose_name = "Demo and load data"
