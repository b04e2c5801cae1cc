from django.urls import reverse

from portal.roles import Role
from tests import factories as f


def _url(customer):
    return reverse("customers:customer_detail", args=[customer.uuid])


def test_it_shows_details_reseller_holders_subscriptions_and_activity(
    provider, provider_client, reseller
):
    customer = f.CustomerFactory(
        provider=provider, reseller=reseller, company_name="Alpine Ski", country="JP"
    )
    f.SubscriptionFactory(customer=customer, offer__name="Business Premium", quantity=7)
    f.ActivityEventFactory(
        organisation=provider, verb="customer.created", object_id=str(customer.uuid)
    )
    f.ActivityEventFactory(organisation=provider, verb="unrelated.thing")
    response = provider_client.get(_url(customer))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ["Alpine Ski", customer.primary_domain, "Japan", "Jordan Lee", "Business Premium"]:
        assert text in html
    assert response.context["relationships"] == []
    assert "No admin relationships yet." in html
    assert "Customer added" in html and "unrelated.thing" not in html
    assert "Change reseller" in html


def test_a_role_without_the_activity_right_sees_no_activity(provider, role_client):
    customer = f.CustomerFactory(provider=provider)
    f.ActivityEventFactory(
        organisation=provider, verb="customer.created", object_id=str(customer.uuid)
    )
    html = role_client(Role.SALES_AGENT).get(_url(customer)).content.decode()
    assert "Customer added" not in html
    assert "Remove reseller relationship" not in html


def test_remove_relationship_is_disabled_while_a_subscription_is_active(
    provider, provider_client, reseller
):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.SubscriptionFactory(customer=customer)
    html = provider_client.get(_url(customer)).content.decode()
    assert "disabled" in html
    assert "Not available while the customer has active subscriptions" in html


def test_remove_relationship_is_offered_without_active_subscriptions(
    provider, provider_client, reseller
):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.SubscriptionFactory(customer=customer, status="cancelled")
    html = provider_client.get(_url(customer)).content.decode()
    assert reverse("customers:reseller_relationship_remove", args=[customer.uuid]) in html


def test_it_lists_admin_relationships_with_roles_status_and_days_left(
    provider, provider_client, reseller
):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.AdminRelationshipFactory(
        customer=customer, partner=reseller, display_name="Desk access", duration_days=100
    )
    html = provider_client.get(_url(customer)).content.decode()
    section = html.split('id="admin-relationships"')[1].split("</section>")[0]
    assert "Desk access" in section and "Fabrikam Test Solutions" in section
    assert "Directory Readers" in section and "badge-active" in section
    assert ">99<" in section or ">100<" in section
    assert reverse("relationships:relationship_request", args=[customer.uuid]) in section


def test_a_reseller_sees_a_delegated_customer_read_only(provider, reseller, reseller_client):
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Alpine Ski")
    html = reseller_client.get(_url(customer)).content.decode()
    assert "Alpine Ski" in html and "Contoso Test Distribution" in html
    assert "Change reseller" not in html
    assert "Add subscription" not in html


def test_it_runs_a_constant_number_of_queries(
    provider, provider_client, reseller, django_assert_max_num_queries
):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.SubscriptionFactory.create_batch(6, customer=customer)
    f.ActivityEventFactory.create_batch(6, organisation=provider, object_id=str(customer.uuid))
    with django_assert_max_num_queries(8):
        provider_client.get(_url(customer))


def test_it_speaks_japanese(provider, provider_client):
    customer = f.CustomerFactory(provider=provider)
    provider_client.post(reverse("set_language"), {"language": "ja"})
    html = provider_client.get(_url(customer)).content.decode()
    assert "サブスクリプションの追加" in html and "顧客" in html


def test_a_foreign_customer_is_a_404(provider, outsider_client, reseller_client):
    customer = f.CustomerFactory(provider=provider)
    assert outsider_client.get(_url(customer)).status_code == 404
    assert reseller_client.get(_url(customer)).status_code == 404


def test_every_role_may_view_it(provider, role_client):
    customer = f.CustomerFactory(provider=provider)
    for role in Role.values:
        assert role_client(role).get(_url(customer)).status_code == 200


def test_it_answers_get_only(provider, provider_client):
    customer = f.CustomerFactory(provider=provider)
    assert provider_client.post(_url(customer)).status_code == 405


def test_activity_names_the_organisation_concerned(provider, provider_client, reseller):
    customer = f.CustomerFactory(provider=provider)
    provider_client.post(
        reverse("customers:customer_change_reseller", args=[customer.uuid]),
        {"reseller": str(reseller.uuid)},
    )
    html = provider_client.get(_url(customer)).content.decode()
    assert "Associated reseller changed: Fabrikam Test Solutions" in html
