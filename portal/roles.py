"""The partner centre's roles and the permission matrix, as data.

Views declare the permission they need (``@org_required(Perm.REMOVE_PARTNERSHIP)``);
nothing else in the code compares role names.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GLOBAL_ADMIN = "global_admin", _("Global admin")
    USER_ADMIN = "user_admin", _("User management admin")
    ADMIN_AGENT = "admin_agent", _("Admin agent")
    SALES_AGENT = "sales_agent", _("Sales agent")


class Perm(models.TextChoices):
    VIEW = "view", _("View indirect resellers, customers and subscriptions")
    REQUEST_PARTNERSHIP = "request_partnership", _("Request a partnership")
    REMOVE_PARTNERSHIP = "remove_partnership", _("Remove a partnership")
    AUTHORISE_PROVIDER = "authorise_provider", _("Authorise or revoke an indirect provider")
    ADD_CUSTOMER = "add_customer", _("Add a customer, submit an order")
    MANAGE_SUBSCRIPTIONS = "manage_subscriptions", _("Manage subscriptions")
    MANAGE_USERS = "manage_users", _("Manage users and roles")
    VIEW_ACTIVITY = "view_activity", _("View the activity log")
    ACCEPT_AGREEMENT = "accept_agreement", _("Accept the partner agreement")
    MANAGE_ADMIN_RELATIONSHIPS = (
        "manage_admin_relationships",
        _("Request or terminate an admin relationship"),
    )
    CONSENT_ADMIN_RELATIONSHIP = (
        "consent_admin_relationship",
        _("Consent to an admin relationship requested for the reseller"),
    )
    MANAGE_SECURITY_GROUPS = (
        "manage_security_groups",
        _("Manage security groups and their members"),
    )
    MANAGE_MFA = "manage_mfa", _("Require MFA, reset a member's MFA")
    EDIT_PRICES = "edit_prices", _("Edit price lists, tiers and per-reseller prices")
    VIEW_BILLING = "view_billing", _("View prices and statements")
    RUN_BULK_IMPORTS = "run_bulk_imports", _("Run bulk imports")
    MANAGE_API_KEYS = "manage_api_keys", _("Create and revoke API keys")
    MANAGE_WEBHOOKS = "manage_webhooks", _("Manage webhooks")
    REQUEST_RESELLER_RELATIONSHIP = (
        "request_reseller_relationship",
        _("Send a reseller relationship request to an existing customer"),
    )
    VIEW_OVERVIEW = "view_overview", _("View the overview")


_G, _U, _A, _S = Role.GLOBAL_ADMIN, Role.USER_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT

PERMISSIONS: dict[str, frozenset[str]] = {
    Perm.VIEW: frozenset({_G, _U, _A, _S}),
    Perm.REQUEST_PARTNERSHIP: frozenset({_G, _A, _S}),
    Perm.REMOVE_PARTNERSHIP: frozenset({_G, _A}),
    # The reseller's side: beginning (accepting an invite) and ending a partnership.
    Perm.AUTHORISE_PROVIDER: frozenset({_G, _A}),
    Perm.ADD_CUSTOMER: frozenset({_G, _A, _S}),
    Perm.MANAGE_SUBSCRIPTIONS: frozenset({_G, _A, _S}),
    Perm.MANAGE_USERS: frozenset({_G, _U}),
    Perm.VIEW_ACTIVITY: frozenset({_G, _U, _A}),
    # Accepting binds the company: only its Global admin may.
    Perm.ACCEPT_AGREEMENT: frozenset({_G}),
    Perm.MANAGE_ADMIN_RELATIONSHIPS: frozenset({_G, _A}),
    # Consenting binds the reseller to admin rights on a customer: its Global admin only.
    Perm.CONSENT_ADMIN_RELATIONSHIP: frozenset({_G}),
    Perm.MANAGE_SECURITY_GROUPS: frozenset({_G, _U}),
    # The organisation's sign-in policy and a member's second factors: Global admin only.
    Perm.MANAGE_MFA: frozenset({_G}),
    Perm.EDIT_PRICES: frozenset({_G, _A}),
    # Cost and margin are the provider's alone: views show them to provider staff only.
    Perm.VIEW_BILLING: frozenset({_G, _A, _S}),
    # Invites, customers and reseller reassignment from CSV: provider staff only.
    # A reseller's Global admin may not run any of them, not even a reassignment
    # of its own subscriptions' support contact: which reseller is credited and
    # who supports a subscription are the provider's decisions (subscriptions.
    # services._require_provider), one at a time or in bulk.
    Perm.RUN_BULK_IMPORTS: frozenset({_G, _A}),
    # What programs may do in the organisation's name: Global admin only.
    Perm.MANAGE_API_KEYS: frozenset({_G}),
    Perm.MANAGE_WEBHOOKS: frozenset({_G}),
    # Inviting a company with a tenant elsewhere to become a customer through a reseller:
    # the provider's staff, or the reseller's for one of its providers, as adding a customer.
    Perm.REQUEST_RESELLER_RELATIONSHIP: frozenset({_G, _A, _S}),
    # The home page: every role reads its organisation's figures (money: VIEW_BILLING too).
    Perm.VIEW_OVERVIEW: frozenset({_G, _U, _A, _S}),
}


def role_has(role: str, perm: str) -> bool:
    """Whether a role grants a permission."""
    return role in PERMISSIONS[perm]


def assignable_roles(actor_role: str) -> list[tuple[str, str]]:
    """The roles a member with ``actor_role`` may give: only a Global admin gives Global admin."""
    return [
        (value, label)
        for value, label in Role.choices
        if value != Role.GLOBAL_ADMIN or actor_role == Role.GLOBAL_ADMIN
    ]


def perms_for(role: str) -> frozenset[str]:
    """Every permission a role grants."""
    return frozenset(p for p, roles in PERMISSIONS.items() if role in roles)
