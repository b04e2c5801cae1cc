"""Indexes for the subscription tables sorted by renewal date, on PostgreSQL only.

The Subscriptions page (a provider's) and the Support queue (a reseller's) sort
by date created (0003_list_indexes) or by term end, the renewal date,
ascending or descending, and page over primary keys: (scope, term_end, id)
returns either direction in order, so a page reads its keys from the index
instead of sorting a provider's 250,000 subscriptions.

Raw SQL like 0003: built CONCURRENTLY so a deployment does not lock the table;
SQLite's test databases are small and go without.
"""

from django.db import migrations

INDEXES = {
    "subscription_provider_end_id_idx": "subscriptions_subscription (provider_id, term_end, id)",
    "subscription_support_end_id_idx": (
        "subscriptions_subscription (support_contact_id, term_end, id)"
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

    dependencies = [("subscriptions", "0006_subscription_terms_required")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
