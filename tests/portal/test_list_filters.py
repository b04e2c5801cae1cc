"""One search and filter form for every list, and sign-in links that keep the page exactly."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from portal.forms import ListFilterForm
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("sent", "searched"),
    [("  Contoso\x00 ", "Contoso"), ("\x00", ""), ("x" * 150, "x" * 100), ("", "")],
)
def test_the_search_drops_nul_and_spaces_and_is_cut_at_100(sent, searched):
    assert ListFilterForm({"q": sent}).values() == {"q": searched}


@pytest.mark.parametrize(
    "url",
    [
        reverse("customers:customer_list"),
        reverse("partners:reseller_list"),
        reverse("subscriptions:subscription_list"),
        reverse("user_list"),
    ],
)
def test_every_list_searches_past_a_nul_character(provider_client, provider, url):
    f.CustomerFactory(provider=provider, company_name="Nulltest Holdings")
    response = provider_client.get(url, {"q": "Nulltest\x00"})
    assert response.status_code == 200


def test_an_expired_htmx_session_signs_in_back_to_the_whole_address(client):
    current = "/customers/?q=a%26b&reseller=1&page=2"
    response = client.get(
        reverse("customers:customer_list"),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{current}"},
    )
    location = urlsplit(response["HX-Redirect"])
    assert location.path == reverse("login")
    assert parse_qs(location.query) == {"next": [current]}
