"""Delegated-admin rows are gone: admin relationships (relationships app) replaced them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_provider_reseller_name_index"),
        ("relationships", "0003_migrate_delegated_admin"),
    ]

    operations = [migrations.DeleteModel(name="DelegatedAdmin")]
