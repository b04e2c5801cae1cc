"""The partner's pages: relationship details and access assignments, Terminate with its
confirmation, the reseller's consent, Security groups, templates and the Customers filter."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.roles import Role
from relationships.models import AccessAssignment, AdminRelationship, SecurityGroup
from tests import factories as f

pytestmark = pytest.mark.django_db
Status = AdminRelationship.Status


def test_terminate_asks_first_listing_the_roles_lost(
    provider_client, customer, provider, roles, django_capture_on_commit_callbacks
):
    relationship = f.AdminRelationshipFactory(
        customer=customer,
        partner=provider,
        roles=[roles["User Administrator"], roles["License Administrator"]],
    )
    url = reverse("relationships:relationship_terminate", args=[relationship.uuid])
    html = provider_client.get(url).content.decode()
    assert "User Administrator" in html and "License Administrator" in html
    relationship.refresh_from_db()
    assert relationship.status == Status.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_client.post(url, follow=True)
    assert "was terminated" in response.content.decode()
    relationship.refresh_from_db()
    assert relationship.status == Status.TERMINATED


@pytest.mark.parametrize("role", [Role.USER_ADMIN, Role.SALES_AGENT])
def test_terminate_needs_the_right(role_client, customer, provider, role):
    relationship = f.AdminRelationshipFactory(customer=customer, partner=provider)
    url = reverse("relationships:relationship_terminate", args=[relationship.uuid])
    assert role_client(role).post(url).status_code == 403
    relationship.refresh_from_db()
    assert relationship.status == Status.ACTIVE


def test_another_partner_cannot_see_or_terminate_it(outsider_client, customer, provider):
    relationship = f.AdminRelationshipFactory(customer=customer, partner=provider)
    for name in ("relationship_detail", "relationship_terminate"):
        url = reverse(f"relationships:{name}", args=[relationship.uuid])
        assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url).status_code == 404


def test_a_reseller_cannot_see_the_providers_relationship(reseller_client, customer, provider):
    relationship = f.AdminRelationshipFactory(customer=customer, partner=provider)
    url = reverse("relationships:relationship_detail", args=[relationship.uuid])
    assert reseller_client.get(url).status_code == 404


def test_the_resellers_global_admin_consents_on_its_home(
    reseller_client, customer, reseller, django_capture_on_commit_callbacks, mailoutbox
):
    relationship = f.AdminRelationshipFactory(
        customer=customer, partner=reseller, status=Status.CREATED, approved_at=None, ends_at=None
    )
    home = reseller_client.get(reverse("partners:reseller_home")).content.decode()
    assert "Consent and ask the customer" in home
    url = reverse("relationships:relationship_consent", args=[relationship.uuid])
    with django_capture_on_commit_callbacks(execute=True):
        response = reseller_client.post(url, follow=True)
    assert "has been asked to approve" in response.content.decode()
    relationship.refresh_from_db()
    assert relationship.status == Status.APPROVAL_PENDING
    assert [m.to for m in mailoutbox] == [["it@alpineski.example"]]


def test_an_admin_agent_of_the_reseller_cannot_consent(
    client_for, member_factory, customer, reseller
):
    relationship = f.AdminRelationshipFactory(
        customer=customer, partner=reseller, status=Status.CREATED, approved_at=None, ends_at=None
    )
    agent = client_for(member_factory(reseller, Role.ADMIN_AGENT))
    url = reverse("relationships:relationship_consent", args=[relationship.uuid])
    assert agent.post(url).status_code == 403


def test_access_assignments_give_a_group_some_of_the_roles(
    provider_client, customer, provider, roles
):
    relationship = f.AdminRelationshipFactory(
        customer=customer,
        partner=provider,
        roles=[roles["Helpdesk Administrator"], roles["License Administrator"]],
    )
    group = f.SecurityGroupFactory(organisation=provider, name="Helpdesk")
    url = reverse("relationships:relationship_assign", args=[relationship.uuid])
    data = {"group": str(group.uuid), "roles": [roles["Helpdesk Administrator"].pk]}
    provider_client.post(url, data)
    assignment = AccessAssignment.objects.get()
    assert [r.name_en for r in assignment.roles.all()] == ["Helpdesk Administrator"]
    # A role the relationship does not hold is not offered.
    response = provider_client.post(
        url, {"group": str(group.uuid), "roles": [roles["Global Administrator"].pk]}
    )
    assert response.status_code == 400
    detail = provider_client.get(
        reverse("customers:customer_detail", args=[customer.uuid])
    ).content.decode()
    assert "Helpdesk (Helpdesk Administrator)" in detail
    provider_client.post(url, {"group": str(group.uuid)})
    assert not AccessAssignment.objects.exists()


def test_another_organisations_group_cannot_be_assigned(provider_client, customer, provider):
    relationship = f.AdminRelationshipFactory(customer=customer, partner=provider)
    foreign = f.SecurityGroupFactory()
    url = reverse("relationships:relationship_assign", args=[relationship.uuid])
    response = provider_client.post(url, {"group": str(foreign.uuid)})
    assert response.status_code == 400
    assert not AccessAssignment.objects.exists()


def test_security_groups_create_and_members(
    provider_client, provider, provider_admin, member_factory
):
    agent = member_factory(provider, Role.ADMIN_AGENT)
    outsider = f.MembershipFactory().user
    url = reverse("relationships:security_group_list")
    response = provider_client.post(url, {"name": "Licensing"}, follow=True)
    assert "was created" in response.content.decode()
    group = SecurityGroup.objects.get(organisation=provider)
    detail = reverse("relationships:security_group_detail", args=[group.uuid])
    html = provider_client.get(detail).content.decode()
    assert agent.email in html and outsider.email not in html
    provider_client.post(detail, {"members": [agent.pk]})
    assert list(group.members.all()) == [agent]
    response = provider_client.post(detail, {"members": [outsider.pk]})
    assert response.status_code == 400
    assert list(group.members.all()) == [agent]
    duplicate = provider_client.post(url, {"name": "licensing"})
    assert "already exists" in duplicate.content.decode()
    assert SecurityGroup.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.GLOBAL_ADMIN, True),
        (Role.USER_ADMIN, True),
        (Role.ADMIN_AGENT, False),
        (Role.SALES_AGENT, False),
    ],
)
def test_security_groups_are_for_global_and_user_management_admins(role_client, role, allowed):
    url = reverse("relationships:security_group_list")
    assert role_client(role).get(url).status_code == (200 if allowed else 403)


def test_security_groups_speak_japanese(provider_client, japanese):
    html = japanese(provider_client).get(reverse("relationships:security_group_list")).content
    assert "セキュリティ グループ" in html.decode()


def test_templates_are_saved_and_refused_with_global_administrator_auto_extend(
    provider_client, provider, roles
):
    url = reverse("relationships:template_list")
    data = {"name": "Helpdesk", "roles": [roles["Helpdesk Administrator"].pk], "duration_days": 90}
    provider_client.post(url, data)
    assert provider.relationship_templates.get().name == "Helpdesk"
    bad = {
        "name": "Everything",
        "roles": [roles["Global Administrator"].pk],
        "duration_days": 90,
        "auto_extend": "on",
    }
    response = provider_client.post(url, bad)
    assert response.status_code == 400
    assert "cannot be extended automatically" in response.content.decode()
    assert provider.relationship_templates.count() == 1


def test_customers_filter_admin_relationship_expiring_in_30_days(provider_client, provider):
    soon = f.CustomerFactory(provider=provider, company_name="Soon Ltd")
    later = f.CustomerFactory(provider=provider, company_name="Later Ltd")
    f.AdminRelationshipFactory(
        customer=soon, partner=provider, ends_at=timezone.now() + timedelta(days=5)
    )
    f.AdminRelationshipFactory(customer=later, partner=provider)
    url = reverse("customers:customer_list")
    html = provider_client.get(url, {"expiring": "on"}).content.decode()
    assert "Soon Ltd" in html and "Later Ltd" not in html
    assert "Admin relationship expiring in 30 days" in provider_client.get(url).content.decode()


def test_the_setup_information_page_says_there_is_no_relationship_yet(provider_client, provider):
    customer = f.CustomerFactory(provider=provider)
    html = provider_client.get(
        reverse("customers:customer_setup", args=[customer.uuid])
    ).content.decode()
    assert "Neither you nor the reseller holds admin rights" in html
    assert reverse("relationships:relationship_request", args=[customer.uuid]) in html


def test_the_admin_lists_relationships_read_only(client, customer, provider):
    admin_client = f.sign_in_verified(client, f.UserFactory(is_staff=True, is_superuser=True))
    f.AdminRelationshipFactory(customer=customer, partner=provider, display_name="Listed access")
    url = reverse("admin:relationships_adminrelationship_changelist")
    html = admin_client.get(url, {"status__exact": "active"}).content.decode()
    assert "Listed access" in html
    assert admin_client.get(reverse("admin:relationships_adminrelationship_add")).status_code == 403
