import pytest
from django.urls import reverse

from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("user_list")


def test_it_lists_the_members_of_the_organisation_only(
    provider_client, provider, other_provider, member_factory
):
    member_factory(provider, Role.SALES_AGENT, email="ana@contoso.example")
    member_factory(other_provider, Role.SALES_AGENT, email="spy@foreign.example")
    html = provider_client.get(URL).content.decode()
    assert "ana@contoso.example" in html
    assert "spy@foreign.example" not in html
    assert "Sales agent" in html


def test_it_shows_pending_invitations(provider_client, provider):
    f.StaffInvitationFactory(organisation=provider, email="new@contoso.example")
    f.StaffInvitationFactory(email="other@foreign.example")
    html = provider_client.get(URL).content.decode()
    assert "new@contoso.example" in html
    assert "other@foreign.example" not in html


def test_it_searches_and_returns_the_table_for_htmx(provider_client, provider, member_factory):
    member_factory(provider, Role.SALES_AGENT, email="findme@contoso.example")
    member_factory(provider, Role.SALES_AGENT, email="hidden@contoso.example")
    response = provider_client.get(URL, {"q": "FINDME"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "findme@contoso.example" in html and "hidden@contoso.example" not in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("role", [Role.ADMIN_AGENT, Role.SALES_AGENT])
def test_it_refuses_members_without_the_right(role_client, role):
    assert role_client(role).get(URL).status_code == 403


def test_it_lets_a_user_management_admin_in(role_client):
    assert role_client(Role.USER_ADMIN).get(URL).status_code == 200


def test_it_is_a_404_without_an_organisation(client):
    client.force_login(f.UserFactory())
    assert client.get(URL).status_code == 404


@pytest.mark.parametrize("rows", [5, 60])
def test_it_runs_a_constant_number_of_queries(
    provider_client, provider, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        f.MembershipFactory(organisation=provider, role=Role.SALES_AGENT)
    f.StaffInvitationFactory.create_batch(3, organisation=provider)
    with django_assert_max_num_queries(7):
        response = provider_client.get(URL, {"page": 2 if rows > 30 else 1})
    assert response.status_code == 200


def test_it_paginates(provider_client, provider):
    f.MembershipFactory.create_batch(30, organisation=provider, role=Role.SALES_AGENT)
    html = provider_client.get(URL).content.decode()
    assert "Page 1 of 2" in html


def test_it_speaks_japanese(provider_client):
    provider_client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    html = provider_client.get(URL).content.decode()
    assert "ユーザー" in html and "ユーザーを招待" in html
