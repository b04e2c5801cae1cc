from django.test import Client
from django.urls import reverse

from customers.models import Customer
from portal.roles import Role
from tests import factories as f

URL = reverse("customers:customer_new")


def test_it_shows_the_customer_details_step(provider_client):
    response = provider_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Add new customer" in html and "Next: Subscriptions" in html
    assert ".onmicrosoft.example" in html
    assert 'hx-get="/customers/new/domain-check/"' in html
    assert '<option value="JP">Japan</option>' in html


def test_it_preselects_and_names_the_reseller_it_was_started_for(provider_client, reseller):
    response = provider_client.get(URL, {"reseller": str(reseller.uuid)})
    html = response.content.decode()
    assert "associated with the indirect reseller Fabrikam Test Solutions" in html
    assert f'<option value="{reseller.uuid}" selected>' in html


def test_a_reseller_that_is_not_an_active_partner_cannot_be_preselected(provider, provider_client):
    foreign = f.ResellerFactory()
    f.PartnershipFactory(reseller=foreign)
    removed = f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=removed, status="removed")
    for reseller in (foreign, removed):
        assert provider_client.get(URL, {"reseller": str(reseller.uuid)}).status_code == 404
    assert provider_client.get(URL, {"reseller": "not-a-uuid"}).status_code == 404


def test_valid_details_lead_to_the_subscriptions_step(provider_client, details_data):
    response = provider_client.post(URL, details_data(domain_prefix="North-Wind2"))
    assert response.url == reverse("customers:customer_new_subscriptions")
    again = provider_client.get(URL)
    assert again.context["form"]["domain_prefix"].value() == "north-wind2"
    assert not Customer.objects.exists()


def test_it_refuses_a_taken_domain(provider_client, details_data):
    f.CustomerFactory(primary_domain="northwind.onmicrosoft.example")
    response = provider_client.post(URL, details_data())
    assert response.status_code == 200
    assert "northwind.onmicrosoft.example is already taken." in response.content.decode()


def test_it_refuses_a_malformed_domain(provider_client, details_data):
    for prefix in ["ab", "-northwind", "north_wind", "a" * 28, "northwind.com"]:
        response = provider_client.post(URL, details_data(domain_prefix=prefix))
        assert response.status_code == 200, prefix
        assert "Use 3 to 27 letters, digits or hyphens" in response.content.decode(), prefix


def test_it_refuses_a_reseller_of_another_provider_or_not_partnered(
    provider, provider_client, details_data
):
    other_providers = f.ResellerFactory()
    f.PartnershipFactory(reseller=other_providers)
    never_partnered = f.ResellerFactory()
    for reseller in (other_providers, never_partnered):
        response = provider_client.post(URL, details_data(reseller=str(reseller.uuid)))
        assert response.status_code == 200
        assert response.context["form"].errors["reseller"]


def test_it_shows_the_required_fields_errors(provider_client):
    response = provider_client.post(URL, {})
    errors = response.context["form"].errors
    assert {"company_name", "domain_prefix", "street", "country", "contact_email"} <= set(errors)


def test_a_draft_is_kept_per_user(provider, provider_client, member_factory, details_data):
    provider_client.post(URL, details_data())
    colleague = Client()
    colleague.force_login(member_factory(provider, Role.SALES_AGENT))
    response = colleague.get(reverse("customers:customer_new_subscriptions"))
    assert response.url == URL
    assert colleague.get(URL).context["form"]["company_name"].value() in (None, "")


def test_it_speaks_japanese(provider_client):
    provider_client.post(reverse("set_language"), {"language": "ja"})
    html = provider_client.get(URL).content.decode()
    assert "新しい顧客の追加" in html
    assert "次へ: サブスクリプション" in html


def test_it_needs_the_add_customer_right(role_client):
    assert role_client(Role.USER_ADMIN).get(URL).status_code == 403
    assert role_client(Role.SALES_AGENT).get(URL).status_code == 200


def test_it_is_a_404_to_a_reseller(reseller_client):
    assert reseller_client.get(URL).status_code == 404


def test_it_sends_visitors_to_sign_in(client):
    assert client.get(URL).url.startswith(reverse("login"))


def test_it_requires_a_csrf_token(provider_admin, details_data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(URL, details_data()).status_code == 403


def test_the_empty_reseller_choice_is_translated(provider_client, reseller):
    provider_client.post(reverse("set_language"), {"language": "ja"})
    html = provider_client.get(URL).content.decode()
    assert '<option value="" selected>間接リセラーなし</option>' in html
    assert ">None<" not in html


def test_a_failed_form_has_an_error_summary_linking_to_each_field(provider_client):
    html = provider_client.post(URL, {"company_name": ""}).content.decode()
    assert 'class="form-errors error-summary" role="alert" tabindex="-1"' in html
    assert '<a href="#id_company_name">Company name: This field is required.</a>' in html
