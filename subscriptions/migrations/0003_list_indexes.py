"""Indexes for the list pages at distributor scale, on PostgreSQL only.

The subscription tables list newest first and page over primary keys;
(provider, created_at DESC, id DESC) matches that ORDER BY, so a deep page
skips its offset on an index-only scan.

The indexes are not model fields: they exist only on PostgreSQL (SQLite has no
trigram search, and its test databases are small), so this migration runs raw
SQL there and does nothing elsewhere. They are built CONCURRENTLY so a
deployment does not lock the table while they build.
"""

from django.db import migrations

INDEXES = {
    "subscription_provider_recent_idx": (
        "subscriptions_subscription (provider_id, created_at DESC, id DESC)"
    ),
    "subscription_support_recent_idx": (
        "subscriptions_subscription (support_contact_id, created_at DESC, id DESC)"
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

    dependencies = [("subscriptions", "0002_offer_upgrades_subscription_upgraded")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
