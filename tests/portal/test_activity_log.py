from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("activity_log")


def event(org, *, days_ago=0, **kwargs):
    created = f.ActivityEventFactory(organisation=org, **kwargs)
    ActivityEvent.objects.filter(pk=created.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return created


def test_it_shows_the_last_30_days_by_default(provider_client, provider):
    event(provider, object_repr="recent thing", days_ago=2)
    event(provider, object_repr="ancient thing", days_ago=45)
    html = provider_client.get(URL).content.decode()
    assert "recent thing" in html and "ancient thing" not in html


def test_it_shows_time_actor_verb_object_and_change(provider_client, provider, provider_admin):
    event(
        provider,
        actor=provider_admin,
        verb="membership.role_changed",
        object_type="membership",
        object_repr="ana@contoso.example",
        before={"role": "sales_agent"},
        after={"role": "admin_agent"},
    )
    html = provider_client.get(URL).content.decode()
    assert "Role changed" in html
    assert provider_admin.display_name in html
    assert "User</span> ana@contoso.example" in html
    assert "Role: Sales agent → Admin agent" in html


def test_it_never_shows_another_organisations_events(provider_client, other_provider):
    event(other_provider, object_repr="foreign secret")
    assert "foreign secret" not in provider_client.get(URL).content.decode()


def test_it_filters_by_verb_actor_object_type_and_dates(
    provider_client, provider, provider_admin, member_factory
):
    colleague = member_factory(provider, Role.ADMIN_AGENT)
    event(provider, verb="customer.created", object_type="customer", object_repr="by-verb")
    event(provider, actor=colleague, verb="x.y", object_repr="by-actor")
    event(provider, verb="x.y", object_type="subscription", object_repr="by-type")
    event(provider, verb="x.y", object_repr="old-one", days_ago=50)

    def shown(**params):
        html = provider_client.get(URL, params).content.decode()
        return {r for r in ("by-verb", "by-actor", "by-type", "old-one") if r in html}

    assert shown(verb="customer.created") == {"by-verb"}
    assert shown(actor=str(colleague.membership.uuid)) == {"by-actor"}
    assert shown(object_type="subscription") == {"by-type"}
    old = (timezone.localdate() - timedelta(days=50)).isoformat()
    assert shown(date_from=old, date_to=old) == {"old-one"}


def test_a_foreign_actor_or_bad_date_is_a_form_error(
    provider_client, other_provider, member_factory
):
    stranger = member_factory(other_provider)
    response = provider_client.get(URL, {"actor": str(stranger.membership.uuid)})
    assert response.status_code == 400  # the page, with the error above the default view
    assert "Select a valid choice" in response.content.decode()
    htmx = provider_client.get(
        URL, {"actor": str(stranger.membership.uuid)}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 200  # htmx swaps only a 200: the table shows the error
    assert "Select a valid choice" in htmx.content.decode()
    response = provider_client.get(URL, {"date_from": "2026-02-10", "date_to": "2026-01-01"})
    assert "The end date is before the start date." in response.content.decode()


def test_it_returns_the_table_for_htmx_and_varies(provider_client, provider):
    event(provider, object_repr="row")
    response = provider_client.get(URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "row" in html and "<html" not in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("rows", [5, 60])
def test_it_runs_a_constant_number_of_queries(
    provider_client, provider, provider_admin, rows, django_assert_max_num_queries
):
    for n in range(rows):
        event(provider, actor=provider_admin, verb=f"verb.{n % 4}", after={"n": n})
    with django_assert_max_num_queries(9):
        response = provider_client.get(URL)
    assert response.status_code == 200


def test_it_paginates_by_50(provider_client, provider):
    f.ActivityEventFactory.create_batch(51, organisation=provider)
    html = provider_client.get(URL).content.decode()
    assert "Page 1 of 2" in html
    assert "page=2" in html and "date_from=" in html


def test_it_is_read_only(provider_client, provider):
    event(provider)
    assert provider_client.post(URL).status_code == 405
    assert ActivityEvent.objects.count() == 1


@pytest.mark.parametrize("role", [Role.GLOBAL_ADMIN, Role.USER_ADMIN, Role.ADMIN_AGENT])
def test_roles_with_the_right_see_it(role_client, role):
    assert role_client(role).get(URL).status_code == 200


def test_a_sales_agent_gets_403(role_client):
    assert role_client(Role.SALES_AGENT).get(URL).status_code == 403


def test_it_speaks_japanese(provider_client):
    provider_client.cookies["django_language"] = "ja"
    assert "アクティビティ ログ" in provider_client.get(URL).content.decode()


def test_objects_have_human_names_and_link_to_their_page(provider_client, provider, reseller):
    customer = f.CustomerFactory(provider=provider, company_name="Alpine Ski House")
    partnership = reseller.provider_partnerships.get()
    event(
        provider,
        object_type="customer",
        object_id=str(customer.uuid),
        object_repr="Alpine Ski House",
    )
    event(
        provider,
        object_type="partnershiprequest",
        object_id="1f0b0f9e-0000-4000-8000-000000000000",
        object_repr="new@reseller.example",
    )
    event(
        provider, object_type="partnership", object_id=str(partnership.uuid), object_repr="Fabrikam"
    )
    html = provider_client.get(URL).content.decode()
    assert ">partnershiprequest<" not in html and "partnershiprequest:" not in html
    assert "Partnership request</span> new@reseller.example" in html
    customer_url = reverse("customers:customer_detail", args=[customer.uuid])
    assert f'Customer</span> <a href="{customer_url}">Alpine Ski House</a>' in html
    assert reverse("partners:reseller_detail", args=[partnership.uuid]) in html
    provider_client.cookies["django_language"] = "ja"
    html = provider_client.get(URL).content.decode()
    assert "パートナーシップの要求</span>" in html and "顧客</span>" in html
