"""Delegated-admin rows are gone: admin relationships (relationships app) replaced them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_setup_information"),
        ("relationships", "0003_migrate_delegated_admin"),
    ]

    operations = [migrations.DeleteModel(name="DelegatedAdmin")]
