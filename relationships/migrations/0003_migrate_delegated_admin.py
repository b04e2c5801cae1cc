"""Every delegated-admin row becomes an active admin relationship with a fixed set of roles.

The names carry a part of the customer's id: a display name is unique per
partner organisation, and one partner held delegated admin on many customers.
Reversed, each migrated relationship becomes a delegated-admin row again.
"""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

MIGRATED_NAME = "Migrated admin access"
MIGRATED_ROLES = [
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",  # Directory Readers
    "fe930be7-5e62-47db-91af-98c3a49a38b1",  # User Administrator
    "4d6ac14f-3453-41d0-bef9-a3e0c569773a",  # License Administrator
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",  # Helpdesk Administrator
]
MIGRATED_DAYS = 730


def migrated_name(customer) -> str:
    return f"{MIGRATED_NAME} {customer.uuid.hex[:12]}"


def forwards(apps, schema_editor):
    DelegatedAdmin = apps.get_model("customers", "DelegatedAdmin")
    AdminRelationship = apps.get_model("relationships", "AdminRelationship")
    Through = AdminRelationship.roles.through
    now = timezone.now()
    rows = DelegatedAdmin.objects.select_related("customer").iterator(chunk_size=2000)
    batch = []

    def flush():
        created = AdminRelationship.objects.bulk_create(batch)
        Through.objects.bulk_create(
            Through(adminrelationship_id=rel.pk, adminrole_id=role_id)
            for rel in created
            for role_id in MIGRATED_ROLES
        )
        batch.clear()

    for row in rows:
        batch.append(
            AdminRelationship(
                customer_id=row.customer_id,
                partner_id=row.organisation_id,
                display_name=migrated_name(row.customer),
                duration_days=MIGRATED_DAYS,
                auto_extend=False,
                status="active",
                created_at=row.granted_at,
                created_by_id=row.granted_by_id,
                requested_at=row.granted_at,
                approved_at=now,
                approved_by=MIGRATED_NAME,
                ends_at=now + timedelta(days=MIGRATED_DAYS),
            )
        )
        if len(batch) >= 2000:
            flush()
    if batch:
        flush()


def backwards(apps, schema_editor):
    DelegatedAdmin = apps.get_model("customers", "DelegatedAdmin")
    AdminRelationship = apps.get_model("relationships", "AdminRelationship")
    migrated = AdminRelationship.objects.filter(display_name__startswith=MIGRATED_NAME + " ")
    DelegatedAdmin.objects.bulk_create(
        (
            DelegatedAdmin(
                customer_id=rel.customer_id,
                organisation_id=rel.partner_id,
                granted_by_id=rel.created_by_id,
            )
            for rel in migrated.only("customer_id", "partner_id", "created_by_id")
        ),
        ignore_conflicts=True,
    )
    migrated.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0002_role_catalogue"),
        ("customers", "0005_provider_reseller_name_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
