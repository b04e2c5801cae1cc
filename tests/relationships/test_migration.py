"""Delegated-admin rows become active "Migrated admin access" relationships, and back."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("customers", "0005_provider_reseller_name_index"),
    ("relationships", "0002_role_catalogue"),
]
AFTER = [("customers", "0007_delete_delegated_admin")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # The other apps stay at their latest migration: their models as the database has them.
    moved = {app for app, _name in targets}
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moved]
    return executor.loader.project_state(targets + others).apps


@pytest.mark.django_db(transaction=True)
def test_delegated_admin_rows_become_relationships_and_back():
    old = _migrate(BEFORE)
    # An earlier transactional test may have flushed the catalogue its migration seeded.
    importlib.import_module("relationships.migrations.0002_role_catalogue").seed_roles(old, None)
    Organisation = old.get_model("partners", "Organisation")
    Customer = old.get_model("customers", "Customer")
    DelegatedAdmin = old.get_model("customers", "DelegatedAdmin")
    provider = Organisation.objects.create(
        kind="provider",
        legal_name="P",
        partner_id="9001",
        contact_email="p@x.example",
        country="US",
    )
    reseller = Organisation.objects.create(
        kind="reseller",
        legal_name="R",
        partner_id="9002",
        contact_email="r@x.example",
        country="US",
    )
    customers = [
        Customer.objects.create(
            provider=provider,
            reseller=reseller,
            company_name=f"C{n}",
            primary_domain=f"c{n}.onmicrosoft.example",
            street="1",
            city="x",
            postal_code="1",
            country="US",
            contact_first_name="a",
            contact_last_name="b",
            contact_email="c@x.example",
        )
        for n in range(2)
    ]
    for customer in customers:
        for org in (provider, reseller):
            DelegatedAdmin.objects.create(customer=customer, organisation=org)

    new = _migrate(AFTER)
    AdminRelationship = new.get_model("relationships", "AdminRelationship")
    migrated = AdminRelationship.objects.all()
    assert migrated.count() == 4
    assert {r.status for r in migrated} == {"active"}
    assert {r.duration_days for r in migrated} == {730}
    assert not any(r.auto_extend for r in migrated)
    assert all(r.display_name.startswith("Migrated admin access") for r in migrated)
    assert len({(r.partner_id, r.display_name) for r in migrated}) == 4
    for relationship in migrated:
        assert sorted(role.name_en for role in relationship.roles.all()) == [
            "Directory Readers",
            "Helpdesk Administrator",
            "License Administrator",
            "User Administrator",
        ]
        assert (relationship.ends_at - relationship.approved_at).days == 730

    old = _migrate(BEFORE)
    DelegatedAdmin = old.get_model("customers", "DelegatedAdmin")
    assert sorted(
        DelegatedAdmin.objects.values_list("customer__company_name", "organisation__legal_name")
    ) == [("C0", "P"), ("C0", "R"), ("C1", "P"), ("C1", "R")]
    assert not old.get_model("relationships", "AdminRelationship").objects.exists()
    _migrate(executor_leaves())


def executor_leaves():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
