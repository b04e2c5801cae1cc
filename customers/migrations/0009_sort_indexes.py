"""Indexes for the Customers page sorted by date created, on PostgreSQL only.

The page sorts by name (customers/0004, 0005) or by date created, ascending or
descending, and pages over primary keys: (scope, created_at, id) returns either
direction in order (read backwards for newest first), so a page, a deep one too,
reads its 50 keys from the index instead of sorting a provider's 50,000
customers. The scopes are the page's: the provider, the reseller (its own
Customers page), and the provider's customers of one reseller (the reseller
filter and the reseller page).

Raw SQL like 0004: built CONCURRENTLY so a deployment does not lock the table;
SQLite's test databases are small and go without.
"""

from django.db import migrations

INDEXES = {
    "customer_provider_created_idx": "customers_customer (provider_id, created_at, id)",
    "customer_reseller_created_idx": "customers_customer (reseller_id, created_at, id)",
    "customer_prov_res_created_idx": (
        "customers_customer (provider_id, reseller_id, created_at, id)"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("customers", "0008_reseller_relationship_requests")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
