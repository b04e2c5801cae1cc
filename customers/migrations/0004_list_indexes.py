"""Indexes for the list pages at distributor scale, on PostgreSQL only.

The Customers page orders by name after the provider (or reseller) and pages over
primary keys, so (provider, name, id) and (reseller, name, id) let PostgreSQL
skip deep offsets on an index-only scan; the search as you type is a substring
match (icontains: UPPER(column) LIKE UPPER('%abc%')) that the trigram GIN
indexes on the same expressions answer without reading the table.

The indexes are not model fields: they exist only on PostgreSQL (SQLite has no
trigram search, and its test databases are small), so this migration runs raw
SQL there and does nothing elsewhere. They are built CONCURRENTLY so a
deployment does not lock the table while they build.
"""

from django.db import migrations

INDEXES = {
    "customer_provider_name_id_idx": "customers_customer (provider_id, company_name, id)",
    "customer_reseller_name_id_idx": "customers_customer (reseller_id, company_name, id)",
    "customer_name_trgm_idx": "customers_customer USING gin (UPPER(company_name) gin_trgm_ops)",
    "customer_domain_trgm_idx": "customers_customer USING gin (UPPER(primary_domain) gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("customers", "0003_tenant_owner_grant")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
