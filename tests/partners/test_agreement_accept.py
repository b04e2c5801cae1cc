"""A reseller's Global admin accepts the partner agreement from its home page."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from portal.models import ActivityEvent
from portal.roles import Role
from subscriptions.selectors import reseller_location_check
from tests import factories as f

HOME = reverse("partners:reseller_home")
ACCEPT = reverse("partners:agreement_accept")


@pytest.fixture
def unaccepted(reseller):
    reseller.agreement_accepted_at = None
    reseller.save()
    return reseller


def test_it_records_who_accepted_and_when(provider, unaccepted, reseller_admin, reseller_client):
    html = reseller_client.get(HOME).content.decode()
    assert "has not accepted the partner agreement yet" in html and ">Accept<" in html

    response = reseller_client.post(ACCEPT, {"agreement": "on"}, follow=True)
    html = response.content.decode()
    assert "You accepted the partner agreement." in html and "Accepted on" in html
    unaccepted.refresh_from_db()
    assert unaccepted.agreement_accepted_at is not None
    assert unaccepted.agreement_accepted_by == reseller_admin
    assert set(
        ActivityEvent.objects.filter(verb="organisation.agreement_accepted").values_list(
            "organisation", flat=True
        )
    ) == {unaccepted.pk, provider.pk}


def test_it_needs_the_box_ticked(unaccepted, reseller_client):
    response = reseller_client.post(ACCEPT, {})
    assert response.status_code == 400
    assert "Tick the box to accept the partner agreement." in response.content.decode()
    unaccepted.refresh_from_db()
    assert unaccepted.agreement_accepted_at is None


def test_accepting_twice_changes_nothing(reseller, reseller_client):
    accepted_at = reseller.agreement_accepted_at
    response = reseller_client.post(ACCEPT, {"agreement": "on"}, follow=True)
    assert "already accepted" in response.content.decode()
    reseller.refresh_from_db()
    assert reseller.agreement_accepted_at == accepted_at


def test_the_reseller_id_check_refuses_it_until_accepted(provider, unaccepted, reseller_client):
    location_id = unaccepted.locations.get().location_partner_id
    with pytest.raises(ValidationError) as refused:
        reseller_location_check(provider=provider, location_partner_id=location_id)
    assert refused.value.code == "agreement_not_accepted"
    assert "has not accepted the partner agreement yet" in refused.value.messages[0]
    reseller_client.post(ACCEPT, {"agreement": "on"})
    assert reseller_location_check(provider=provider, location_partner_id=location_id)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.GLOBAL_ADMIN, 302),
        (Role.USER_ADMIN, 403),
        (Role.ADMIN_AGENT, 403),
        (Role.SALES_AGENT, 403),
    ],
)
def test_each_role(client_for, member_factory, unaccepted, role, status):
    client = client_for(member_factory(unaccepted, role))
    html = client.get(HOME).content.decode()
    assert (">Accept<" in html) is (status == 302)
    assert client.post(ACCEPT, {"agreement": "on"}).status_code == status


def test_it_is_a_404_to_a_provider(provider_client, outsider_client, unaccepted):
    assert provider_client.post(ACCEPT, {"agreement": "on"}).status_code == 404
    assert outsider_client.post(ACCEPT, {"agreement": "on"}).status_code == 404
    unaccepted.refresh_from_db()
    assert unaccepted.agreement_accepted_at is None


def test_it_answers_post_only_with_a_csrf_token(reseller_admin, unaccepted):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reseller_admin)
    assert client.get(ACCEPT).status_code == 405
    assert client.post(ACCEPT, {"agreement": "on"}).status_code == 403


@pytest.mark.parametrize("size", [5, 60])
def test_the_home_page_runs_a_constant_number_of_queries(
    reseller_client, reseller, reseller_admin, size, django_assert_max_num_queries
):
    reseller.agreement_accepted_by = reseller_admin
    reseller.save()
    for _ in range(size):
        f.PartnershipFactory(provider=f.ProviderFactory(), reseller=reseller)
    # Seven, and the home's admin relationships and pending consents (none here).
    with django_assert_max_num_queries(9):
        assert reseller_client.get(HOME).status_code == 200


def test_it_speaks_japanese(unaccepted, reseller_client, japanese):
    html = japanese(reseller_client).get(HOME).content.decode()
    assert "パートナー契約" in html and "同意する" in html
