from django.test import Client
from django.urls import reverse

from portal.roles import Role
from tests.customers.conftest import line_field

URL = reverse("customers:customer_new_subscriptions")


def _start(client, details_data):
    client.post(reverse("customers:customer_new"), details_data())


def test_it_lists_the_orderable_offers(provider_client, details_data, offers):
    _start(provider_client, details_data)
    html = provider_client.get(URL).content.decode()
    assert "Business Basic" in html and "Enterprise E3" in html
    assert "Retired Suite" not in html
    assert ">Review<" in html


def test_chosen_offers_lead_to_the_review(provider_client, details_data, offers):
    _start(provider_client, details_data)
    response = provider_client.post(URL, {line_field(offers["e3"]): "5"})
    assert response.url == reverse("customers:customer_new_review")
    again = provider_client.get(URL)
    assert again.context["form"][line_field(offers["e3"])].value() == "5"


def test_it_gives_each_out_of_bounds_line_its_error(provider_client, details_data, offers):
    _start(provider_client, details_data)
    response = provider_client.post(
        URL, {line_field(offers["e3"]): "4", line_field(offers["basic"]): "301"}
    )
    errors = response.context["form"].errors
    assert errors[line_field(offers["e3"])] == ["Between 5 and 50 licences for this offer."]
    assert errors[line_field(offers["basic"])] == ["Between 1 and 300 licences for this offer."]


def test_it_refuses_an_unknown_or_withdrawn_offer(provider_client, details_data, offers):
    _start(provider_client, details_data)
    for key in [line_field(offers["retired"]), "offer_00000000-0000-4000-8000-000000000000"]:
        response = provider_client.post(URL, {key: "5", line_field(offers["basic"]): "5"})
        assert response.status_code == 200
        assert "unknown or can no longer be ordered" in response.content.decode()


def test_it_needs_at_least_one_offer(provider_client, details_data, offers):
    _start(provider_client, details_data)
    response = provider_client.post(URL, {line_field(offers["basic"]): ""})
    assert "Choose at least one offer" in response.content.decode()


def test_it_refuses_a_non_number(provider_client, details_data, offers):
    _start(provider_client, details_data)
    response = provider_client.post(URL, {line_field(offers["basic"]): "ten"})
    assert response.context["form"].errors[line_field(offers["basic"])]


def test_without_customer_details_it_goes_back_to_step_one(provider_client, offers):
    assert provider_client.get(URL).url == reverse("customers:customer_new")


def test_it_speaks_japanese(provider_client, details_data, offers):
    _start(provider_client, details_data)
    provider_client.post(reverse("set_language"), {"language": "ja"})
    html = provider_client.get(URL).content.decode()
    assert "新しいサブスクリプション" in html and "確認" in html


def test_it_needs_the_add_customer_right(role_client):
    assert role_client(Role.USER_ADMIN).get(URL).status_code == 403


def test_it_is_a_404_to_a_reseller(reseller_client):
    assert reseller_client.get(URL).status_code == 404


def test_it_requires_a_csrf_token(provider_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(URL, {}).status_code == 403
