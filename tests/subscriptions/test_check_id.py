import pytest
from django.urls import reverse

from partners.models import Organisation
from portal.roles import Role

pytestmark = pytest.mark.django_db

URL = "/subscriptions/check-id/"


def _check(client, value):
    return client.get(URL, {"location_partner_id": value}, headers={"HX-Request": "true"})


def test_it_is_named():
    assert reverse("subscriptions:check_id") == URL


def test_it_confirms_a_creditable_location_with_a_fragment(provider_client, reseller_location):
    response = _check(provider_client, reseller_location.location_partner_id)
    html = response.content.decode()
    assert response.status_code == 200
    assert "it can be credited" in html and "Fabrikam Test Solutions" in html
    assert "<html" not in html and 'id="check-id-result"' in html


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter a location partner ID to check."),
        ("abc", "Enter the location partner ID using digits only."),
        ("１２３", "Enter the location partner ID using digits only."),
        ("99999999", "No partner location has the ID 99999999."),
    ],
)
def test_it_explains_a_bad_id(provider_client, value, message):
    assert message in _check(provider_client, value).content.decode()


def test_it_explains_the_global_id(provider_client, reseller):
    html = _check(provider_client, reseller.partner_id).content.decode()
    assert (
        "This is the global partner ID; use the ID of the reseller&#x27;s location account." in html
    )


def test_it_explains_a_reseller_without_agreement(provider_client, reseller, reseller_location):
    Organisation.objects.filter(pk=reseller.pk).update(agreement_accepted_at=None)
    html = _check(provider_client, reseller_location.location_partner_id).content.decode()
    assert "has not accepted the partner agreement" in html


def test_it_is_the_providers_tool(reseller_client, role_client, client):
    assert _check(reseller_client, "1").status_code == 404
    assert _check(role_client(Role.USER_ADMIN), "1").status_code == 403
    assert client.get(URL).status_code == 302
    assert role_client(Role.SALES_AGENT).post(URL).status_code == 405
