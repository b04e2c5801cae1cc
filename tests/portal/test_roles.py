"""The permission matrix of the design, one test per cell."""

import pytest

from portal.roles import PERMISSIONS, Perm, Role, role_has

G, U, A, S = Role.GLOBAL_ADMIN, Role.USER_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT

MATRIX = {
    Perm.VIEW: {G: True, U: True, A: True, S: True},
    Perm.REQUEST_PARTNERSHIP: {G: True, U: False, A: True, S: True},
    Perm.REMOVE_PARTNERSHIP: {G: True, U: False, A: True, S: False},
    Perm.AUTHORISE_PROVIDER: {G: True, U: False, A: True, S: False},
    Perm.ADD_CUSTOMER: {G: True, U: False, A: True, S: True},
    Perm.MANAGE_SUBSCRIPTIONS: {G: True, U: False, A: True, S: True},
    Perm.MANAGE_USERS: {G: True, U: True, A: False, S: False},
    Perm.VIEW_ACTIVITY: {G: True, U: True, A: True, S: False},
    Perm.ACCEPT_AGREEMENT: {G: True, U: False, A: False, S: False},
    # Round 2: admin relationships (GDAP)
    Perm.MANAGE_ADMIN_RELATIONSHIPS: {G: True, U: False, A: True, S: False},
    Perm.CONSENT_ADMIN_RELATIONSHIP: {G: True, U: False, A: False, S: False},
    Perm.MANAGE_SECURITY_GROUPS: {G: True, U: True, A: False, S: False},
    # Round 2: prices and statements (cost and margin to provider staff only, by the views)
    Perm.EDIT_PRICES: {G: True, U: False, A: True, S: False},
    Perm.VIEW_BILLING: {G: True, U: False, A: True, S: True},
    # Round 2: bulk imports (design.md "run bulk imports"); provider staff only (tests/jobs).
    Perm.RUN_BULK_IMPORTS: {G: True, U: False, A: True, S: False},
    # Require MFA, reset a member's MFA: the organisation's sign-in policy.
    Perm.MANAGE_MFA: {G: True, U: False, A: False, S: False},
    # What programs may do in the organisation's name (API keys, webhooks): Global admin only.
    Perm.MANAGE_API_KEYS: {G: True, U: False, A: False, S: False},
    Perm.MANAGE_WEBHOOKS: {G: True, U: False, A: False, S: False},
    # Round 2: a reseller relationship request to an existing customer (design.md)
    Perm.REQUEST_RESELLER_RELATIONSHIP: {G: True, U: False, A: True, S: True},
    # Round 2: the overview (design.md "view the overview": every role).
    Perm.VIEW_OVERVIEW: {G: True, U: True, A: True, S: True},
}

CELLS = [(perm, role, allowed) for perm, row in MATRIX.items() for role, allowed in row.items()]


@pytest.mark.parametrize(("perm", "role", "allowed"), CELLS, ids=[f"{p}-{r}" for p, r, _ in CELLS])
def test_the_matrix_cell(perm, role, allowed):
    assert role_has(role, perm) is allowed


def test_every_permission_is_in_the_design_matrix():
    assert set(PERMISSIONS) == set(MATRIX)
