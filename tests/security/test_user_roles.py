"""Role changes on the Users page, for every (actor role, target role, action) triple.

Only a Global admin gives, takes away or invites with the Global admin role;
nobody changes their own role or deactivates themselves. Members without the
Users permission are refused by the matrix (tests/security/test_roles.py).
"""

import itertools

import pytest
from django.urls import reverse

from partners.models import Membership
from portal.models import ActivityEvent, StaffInvitation
from portal.roles import Role, role_has
from tests import factories as f

pytestmark = pytest.mark.django_db

USER_MANAGERS = [r for r in Role.values if role_has(r, "manage_users")]
TARGETS = [*Role.values, "self"]
ACTIONS = [*(f"role:{r}" for r in Role.values), "deactivate", "reactivate"]


def _allowed(actor_role: str, target: str, action: str) -> bool:
    if target == "self":
        return False
    touches_global_admin = target == Role.GLOBAL_ADMIN or action == f"role:{Role.GLOBAL_ADMIN}"
    return actor_role == Role.GLOBAL_ADMIN or not touches_global_admin


@pytest.fixture
def org(db):
    org = f.ProviderFactory()
    # A second active Global admin, so "the last Global admin" never decides the outcome.
    f.MembershipFactory(organisation=org, role=Role.GLOBAL_ADMIN)
    return org


def _state(membership: Membership) -> tuple[str, bool]:
    membership.refresh_from_db()
    membership.user.refresh_from_db()
    return membership.role, membership.user.is_active


@pytest.mark.parametrize(
    ("actor_role", "target", "action"), list(itertools.product(USER_MANAGERS, TARGETS, ACTIONS))
)
def test_it_lets_only_a_global_admin_touch_global_admins_and_nobody_themselves(
    client, org, actor_role, target, action
):
    actor = f.MembershipFactory(organisation=org, role=actor_role)
    if target == "self":
        if action == "reactivate":
            pytest.skip("a deactivated member cannot sign in to reactivate themselves")
        membership = actor
    else:
        membership = f.MembershipFactory(organisation=org, role=target)
    if action == "reactivate":
        membership.user.is_active = False
        membership.user.save(update_fields=["is_active"])
    before = _state(membership)
    events = ActivityEvent.objects.count()
    client.force_login(actor.user)

    if action.startswith("role:"):
        new_role = action.removeprefix("role:")
        url = reverse("member_role", args=[membership.uuid])
        response = client.post(url, {"role": new_role})
        expected = (new_role, before[1])
    else:
        response = client.post(reverse(f"member_{action}", args=[membership.uuid]))
        expected = (before[0], action == "reactivate")

    assert response.status_code == 302
    changed = expected != before
    if _allowed(actor_role, target, action):
        assert _state(membership) == expected
        assert ActivityEvent.objects.count() == events + (1 if changed else 0)
    else:
        assert _state(membership) == before
        assert ActivityEvent.objects.count() == events
        page = client.get(reverse("user_list"))
        assert any(
            word in page.content.decode()
            for word in ("Only a Global admin", "your own role", "your own account")
        )


@pytest.mark.parametrize(
    ("actor_role", "role"), list(itertools.product(USER_MANAGERS, Role.values))
)
def test_it_lets_only_a_global_admin_invite_a_global_admin(client, org, actor_role, role):
    actor = f.MembershipFactory(organisation=org, role=actor_role)
    client.force_login(actor.user)
    response = client.post(reverse("user_invite"), {"email": "new@contoso.example", "role": role})
    created = StaffInvitation.objects.filter(organisation=org, email="new@contoso.example")
    if actor_role == Role.GLOBAL_ADMIN or role != Role.GLOBAL_ADMIN:
        assert response.status_code == 302
        assert created.get().role == role
    else:
        assert response.status_code == 200
        assert not created.exists()


def test_it_offers_a_user_management_admin_no_global_admin_choice(client, org):
    actor = f.MembershipFactory(organisation=org, role=Role.USER_ADMIN)
    f.MembershipFactory(organisation=org, role=Role.SALES_AGENT)
    client.force_login(actor.user)
    for url in (reverse("user_list"), reverse("user_invite")):
        assert 'value="global_admin"' not in client.get(url).content.decode()


def test_it_offers_a_global_admin_every_role(client, org):
    actor = f.MembershipFactory(organisation=org, role=Role.GLOBAL_ADMIN)
    f.MembershipFactory(organisation=org, role=Role.SALES_AGENT)
    client.force_login(actor.user)
    for url in (reverse("user_list"), reverse("user_invite")):
        assert 'value="global_admin"' in client.get(url).content.decode()


def test_it_shows_a_member_their_own_role_as_text(client, org):
    actor = f.MembershipFactory(organisation=org, role=Role.GLOBAL_ADMIN)
    client.force_login(actor.user)
    page = client.get(reverse("user_list")).content.decode()
    assert f"{actor.uuid}/role/" not in page
    assert f"{actor.uuid}/deactivate/" not in page
