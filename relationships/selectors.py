"""Reads on admin relationships, security groups and templates, always through the viewer's organisation."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, OuterRef, Prefetch
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.translation import get_language

from partners.models import Membership
from portal.tenancy import get_for_org
from relationships.models import (
    AccessAssignment,
    AdminRelationship,
    AdminRole,
    RelationshipTemplate,
    SecurityGroup,
    days_left,
)


def role_catalogue():
    """Every directory role a relationship can hold, in the catalogue's order."""
    return AdminRole.objects.order_by("position")


def _with_roles_and_assignments(relationships, *, org):
    assignments = AccessAssignment.objects.select_related("group").prefetch_related("roles")
    if org.is_reseller:
        assignments = assignments.filter(group__organisation=org)
    return relationships.select_related("partner", "customer").prefetch_related(
        "roles", Prefetch("assignments", queryset=assignments.order_by("group__name"))
    )


def relationship_partners(*, org, customer) -> list:
    """Who a relationship ``org`` requests on ``customer`` can be for: a provider itself or the
    customer's associated reseller; a reseller itself, on a customer associated with it."""
    if org.is_provider:
        return [customer.provider] + ([customer.reseller] if customer.reseller else [])
    return [org] if customer.reseller_id == org.pk else []


def relationships_of_customer(*, org, customer):
    """The relationships on ``customer`` that ``org`` may see, newest first, with roles."""
    relationships = AdminRelationship.objects.for_org(org).filter(customer=customer)
    return _with_roles_and_assignments(relationships, org=org).order_by("-created_at", "-pk")


def relationship_rows_of_customer(*, org, customer) -> list[dict]:
    """The relationships of ``relationships_of_customer`` as rows, their roles' and access
    assignments' names read with them in one query (not three): the customer page's table.

    Each row: uuid, display_name, partner_id, partner_name, status, status_label, ends_at,
    days_left, role_names (the relationship's, by position) and assignments ((group name,
    its role names), by group name; a reseller sees its own groups' only).
    """
    relationships = AdminRelationship.objects.for_org(org).filter(customer=customer)
    name = "name_ja" if (get_language() or "").startswith("ja") else "name_en"
    if connection.vendor != "postgresql":  # SQLite: the prefetching selector, as rows
        return [_row(r) for r in relationships_of_customer(org=org, customer=customer)]
    role_names = AdminRelationship.roles.through.objects.filter(
        adminrelationship_id=OuterRef("pk")
    ).order_by("adminrole__position", "adminrole_id")
    assignment_roles = AccessAssignment.roles.through.objects.filter(
        accessassignment_id=OuterRef("pk")
    ).order_by("adminrole__position", "adminrole_id")
    assignments = AccessAssignment.objects.filter(relationship_id=OuterRef("pk"))
    if org.is_reseller:
        assignments = assignments.filter(group__organisation=org)
    assignments = assignments.order_by("group__name", "pk").values(
        json=JSONObject(
            group=F("group__name"),
            roles=ArraySubquery(assignment_roles.values(f"adminrole__{name}")),
        )
    )
    rows = list(
        relationships.order_by("-created_at", "-pk").values(
            "uuid",
            "display_name",
            "partner_id",
            "status",
            "ends_at",
            partner_name=F("partner__legal_name"),
            role_names=ArraySubquery(role_names.values(f"adminrole__{name}")),
            assignment_list=ArraySubquery(assignments),
        )
    )
    labels = dict(AdminRelationship.Status.choices)
    now = timezone.now()
    for row in rows:
        row["status_label"] = labels.get(row["status"], row["status"])
        row["days_left"] = days_left(status=row["status"], ends_at=row["ends_at"], now=now)
        row["assignments"] = [(a["group"], a["roles"]) for a in row.pop("assignment_list")]
    return rows


def _row(relationship) -> dict:
    return {
        "uuid": relationship.uuid,
        "display_name": relationship.display_name,
        "partner_id": relationship.partner_id,
        "partner_name": relationship.partner.legal_name,
        "status": relationship.status,
        "status_label": relationship.get_status_display(),
        "ends_at": relationship.ends_at,
        "days_left": relationship.days_left,
        "role_names": [role.name for role in relationship.roles.all()],
        "assignments": [
            (a.group.name, [role.name for role in a.roles.all()])
            for a in relationship.assignments.all()
        ],
    }


def relationship_list(*, org, status: str = "", customer_id=None):
    """The relationships ``org`` may see (a provider: on its customers; a reseller: its own),
    filtered by status and customer, with their roles."""
    found = AdminRelationship.objects.for_org(org)
    if status:
        found = found.filter(status=status)
    if customer_id is not None:
        found = found.filter(customer__uuid=customer_id)
    return found.select_related("customer", "partner").prefetch_related("roles")


def relationship_for_org(*, org, uuid) -> AdminRelationship:
    """One relationship ``org`` may see, or 404."""
    return get_for_org(
        AdminRelationship.objects.select_related("customer", "customer__provider", "partner"),
        org,
        uuid=uuid,
    )


def own_relationship_for_org(*, org, uuid) -> AdminRelationship:
    """One relationship ``org`` itself holds as partner, or 404."""
    return get_for_org(
        AdminRelationship.objects.select_related("customer", "partner").filter(partner=org),
        org,
        uuid=uuid,
    )


def partner_relationships(*, org):
    """The relationships ``org`` holds as partner, live and pending first; paged by the view."""
    return AdminRelationship.objects.for_org(org).filter(partner=org).order_by("-created_at", "-pk")


def relationship_rows(*, org, keys):
    """One page of relationships, with their roles and assignments in a fixed number of queries."""
    rows = AdminRelationship.objects.for_org(org).filter(pk__in=keys)
    return list(_with_roles_and_assignments(rows, org=org).order_by("-created_at", "-pk"))


def pending_consents(*, reseller):
    """Relationships the reseller's provider requested for it, awaiting its consent."""
    return (
        AdminRelationship.objects.for_org(reseller)
        .filter(partner=reseller, status=AdminRelationship.Status.CREATED)
        .select_related("customer", "customer__provider")
        .prefetch_related("roles")
        .order_by("created_at", "pk")
    )


def security_groups(*, org):
    """The organisation's security groups by name (members counted by the row query)."""
    return SecurityGroup.objects.for_org(org).order_by("name", "pk")


def security_group_rows(*, org, keys):
    return list(
        SecurityGroup.objects.for_org(org)
        .filter(pk__in=keys)
        .prefetch_related("members")
        .order_by("name", "pk")
    )


def security_group_for_org(*, org, uuid) -> SecurityGroup:
    return get_for_org(SecurityGroup, org, uuid=uuid)


def own_members(*, org):
    """The organisation's active users, who can be put in its security groups."""
    return (
        Membership.objects.for_org(org)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )


def templates(*, org):
    return RelationshipTemplate.objects.for_org(org).prefetch_related("roles").order_by("name")


def template_for_org(*, org, uuid) -> RelationshipTemplate:
    return get_for_org(RelationshipTemplate, org, uuid=uuid)
