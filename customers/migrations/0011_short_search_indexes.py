"""Indexes for a search term of one or two characters, on PostgreSQL only.

Such a term matches the start of the name or domain (portal.search):
``UPPER(column) LIKE 'LO%'``, a range of a btree index on the same expression
with ``text_pattern_ops`` (the trigram indexes of 0004 need three characters).
After the provider (or reseller), as the list is always scoped to one.
Built CONCURRENTLY, like 0004.
"""

from django.db import migrations

INDEXES = {
    "customer_provider_name_prefix_idx": (
        "customers_customer (provider_id, UPPER(company_name) text_pattern_ops)"
    ),
    "customer_provider_domain_prefix_idx": (
        "customers_customer (provider_id, UPPER(primary_domain) text_pattern_ops)"
    ),
    "customer_reseller_name_prefix_idx": (
        "customers_customer (reseller_id, UPPER(company_name) text_pattern_ops)"
    ),
    "customer_reseller_domain_prefix_idx": (
        "customers_customer (reseller_id, UPPER(primary_domain) text_pattern_ops)"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")
    # Statistics of the indexed expressions, which the planner reads to choose them.
    schema_editor.execute("ANALYZE customers_customer")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("customers", "0010_country_iso_codes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
