"""Indexes for a search term of one or two characters on Indirect resellers, on PostgreSQL only.

Such a term matches the start of the reseller's name, partner ID or contact
email (portal.search): ``UPPER(column) LIKE 'LO%'``, a range of a btree index
on the same expression with ``text_pattern_ops`` (the trigram indexes of 0004
need three characters). Built CONCURRENTLY, like 0004.
"""

from django.db import migrations

INDEXES = {
    "org_name_prefix_idx": "partners_organisation (UPPER(legal_name) text_pattern_ops)",
    "org_partner_id_prefix_idx": "partners_organisation (UPPER(partner_id) text_pattern_ops)",
    "org_email_prefix_idx": "partners_organisation (UPPER(contact_email) text_pattern_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")
    # Statistics of the indexed expressions, which the planner reads to choose them.
    schema_editor.execute("ANALYZE partners_organisation")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("partners", "0011_organisation_agreement_version")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
