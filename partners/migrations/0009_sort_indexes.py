"""An index for Indirect resellers sorted by the date partnered, on PostgreSQL only.

The page lists a provider's active (or, filtered, removed) partnerships by the
reseller's name (org_name_idx, partners/0005) or by date partnered, ascending
or descending: (provider, status, created_at, id) returns either direction in
order, read backwards for newest first.

Raw SQL like 0004: built CONCURRENTLY so a deployment does not lock the table;
SQLite's test databases are small and go without.
"""

from django.db import migrations

INDEXES = {
    "partnership_provider_created_idx": (
        "partners_partnership (provider_id, status, created_at, id)"
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

    dependencies = [("partners", "0008_handover")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
