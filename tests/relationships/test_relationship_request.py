"""Request admin relationship, from the customer's details page."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import OutboundEmail
from portal.roles import Role
from relationships.models import AdminRelationship
from tests import factories as f

pytestmark = pytest.mark.django_db


def _url(customer):
    return reverse("relationships:relationship_request", args=[customer.uuid])


def _data(partner, catalogue, **overrides):
    data = {
        "partner": str(partner.uuid),
        "display_name": "Helpdesk access",
        "roles": [catalogue["Directory Readers"].pk, catalogue["Helpdesk Administrator"].pk],
        "duration_days": "180",
    }
    data.update(overrides)
    return data


def test_the_form_lists_each_role_with_its_description(provider_client, customer):
    html = provider_client.get(_url(customer)).content.decode()
    assert "Global Administrator" in html and "Directory Readers" in html
    assert "Can read basic directory information." in html
    assert "it@alpineski.example" in html


def test_it_speaks_japanese(provider_client, customer, japanese):
    html = japanese(provider_client).get(_url(customer)).content.decode()
    assert "管理者の関係を要求する" in html
    assert "ディレクトリ閲覧者" in html and "グローバル管理者" in html


def test_it_emails_the_customer_and_shows_the_link_to_copy(
    provider_client, provider, customer, roles, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_client.post(_url(customer), _data(provider, roles))
    html = response.content.decode()
    assert response.status_code == 200
    relationship = AdminRelationship.objects.get()
    assert relationship.status == "approval_pending" and relationship.partner == provider
    assert [m.to for m in mailoutbox] == [["it@alpineski.example"]]
    link = next(word for word in mailoutbox[0].body.split() if "/admin-approval/" in word)
    assert f'value="{link}"' in html
    assert "Copy to clipboard" in html and 'data-copy-from="#approval-link"' in html
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )


def test_a_provider_can_ask_for_its_reseller_which_consents_first(
    provider_client, reseller, customer, roles
):
    response = provider_client.post(_url(customer), _data(reseller, roles))
    assert "awaits the consent of Fabrikam Test Solutions" in response.content.decode()
    assert AdminRelationship.objects.get().status == "created"
    assert not OutboundEmail.objects.exists()


def test_it_starts_from_a_template(provider_client, provider, customer, roles):
    template = f.RelationshipTemplateFactory(
        organisation=provider,
        roles=[roles["License Administrator"]],
        duration_days=45,
        auto_extend=True,
    )
    data = _data(provider, roles, template=str(template.uuid), duration_days="45")
    del data["roles"]
    provider_client.post(_url(customer), data)
    relationship = AdminRelationship.objects.get()
    assert [r.name_en for r in relationship.roles.all()] == ["License Administrator"]
    assert (relationship.duration_days, relationship.auto_extend) == (45, True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"duration_days": "0"}, "The duration must be from 1 to 730 days."),
        ({"duration_days": "731"}, "The duration must be from 1 to 730 days."),
        ({"display_name": "x" * 51}, "The name can be at most 50 characters long."),
        ({"roles": []}, "Choose at least one role."),
    ],
)
def test_forbidden_terms_are_shown_on_the_form(
    provider_client, provider, customer, roles, overrides, message
):
    response = provider_client.post(_url(customer), _data(provider, roles, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AdminRelationship.objects.exists()


def test_auto_extend_with_global_administrator_is_refused_on_the_form(
    provider_client, provider, customer, roles, japanese
):
    data = _data(provider, roles, roles=[roles["Global Administrator"].pk], auto_extend="on")
    html = japanese(provider_client).post(_url(customer), data).content.decode()
    assert "グローバル管理者ロールを含む関係は自動延長できません。" in html
    assert not AdminRelationship.objects.exists()


def test_an_associated_reseller_asks_for_itself(reseller_client, reseller, customer, roles):
    response = reseller_client.post(_url(customer), _data(reseller, roles))
    assert response.status_code == 200
    assert AdminRelationship.objects.get().status == "approval_pending"


def test_a_reseller_cannot_ask_for_the_provider(reseller_client, provider, customer, roles):
    response = reseller_client.post(_url(customer), _data(provider, roles))
    assert response.status_code == 400
    assert not AdminRelationship.objects.exists()


@pytest.mark.parametrize("role", [Role.USER_ADMIN, Role.SALES_AGENT])
def test_it_needs_the_right(role_client, provider, customer, roles, role):
    assert role_client(role).post(_url(customer), _data(provider, roles)).status_code == 403
    assert not AdminRelationship.objects.exists()


def test_a_foreign_customer_is_a_404(outsider_client, provider, customer, roles):
    assert outsider_client.get(_url(customer)).status_code == 404
    assert outsider_client.post(_url(customer), _data(provider, roles)).status_code == 404


def test_it_requires_a_csrf_token(provider_admin, provider, customer, roles):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(_url(customer), _data(provider, roles)).status_code == 403
