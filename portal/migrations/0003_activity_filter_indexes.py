"""Indexes for the list pages at distributor scale, on PostgreSQL only.

The activity log's filter lists the organisation's distinct verbs and object
types on every page; (organisation, verb) and (organisation, object_type) let
PostgreSQL read them from the index alone.

The indexes are not model fields: they exist only on PostgreSQL (SQLite has no
trigram search, and its test databases are small), so this migration runs raw
SQL there and does nothing elsewhere. They are built CONCURRENTLY so a
deployment does not lock the table while they build.
"""

from django.db import migrations

INDEXES = {
    "activity_org_verb_idx": "portal_activityevent (organisation_id, verb)",
    "activity_org_object_type_idx": "portal_activityevent (organisation_id, object_type)",
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

    dependencies = [("portal", "0002_staff_invitation")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
