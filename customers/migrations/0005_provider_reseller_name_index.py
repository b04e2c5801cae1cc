"""One index for a provider's customers of one reseller, in the Customers page's order.

(provider, reseller) answered the count of a reseller's customers, but not the
Customers page filtered by that reseller: PostgreSQL planned it for an average
reseller (a handful of customers) and, for a reseller with thousands, read and
sorted all of them to show 50. (provider, reseller, name, id) answers both:
the count from the index alone, the page in order, whatever the reseller's size.
Built CONCURRENTLY on PostgreSQL so a deployment does not lock the table.
"""

from django.db import migrations

NAME = "customer_provider_reseller_name_idx"
COLUMNS = "customers_customer (provider_id, reseller_id, company_name, id)"


def create_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {NAME} ON {COLUMNS}")


def drop_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("customers", "0004_list_indexes")]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
        migrations.RemoveIndex(model_name="customer", name="customer_provider_reseller_idx"),
    ]
