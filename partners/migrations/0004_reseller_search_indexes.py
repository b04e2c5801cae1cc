"""Trigram indexes for the Indirect resellers search, on PostgreSQL only.

The search is a substring match (icontains: UPPER(column) LIKE UPPER('%abc%'))
on the reseller's name, partner ID and contact email; a trigram GIN index on
each expression lets PostgreSQL combine them (BitmapOr) instead of reading
every organisation.

The indexes are not model fields: they exist only on PostgreSQL (SQLite has no
trigram search, and its test databases are small), so this migration runs raw
SQL there and does nothing elsewhere. They are built CONCURRENTLY so a
deployment does not lock the table while they build.
"""

from django.db import migrations

INDEXES = {
    "org_name_trgm_idx": "partners_organisation USING gin (UPPER(legal_name) gin_trgm_ops)",
    "org_partner_id_trgm_idx": "partners_organisation USING gin (UPPER(partner_id) gin_trgm_ops)",
    "org_email_trgm_idx": "partners_organisation USING gin (UPPER(contact_email) gin_trgm_ops)",
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

    dependencies = [("partners", "0003_partnership_agreement_reminder")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
