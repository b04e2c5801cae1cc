import pytest
from django.urls import reverse

from customers.models import Customer
from partners.models import Partnership
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_it_shows_the_subscription_and_its_history(
    provider_client, provider_admin, subscription, detail_url
):
    f.SubscriptionChangeFactory(
        subscription=subscription,
        actor=provider_admin,
        field="status",
        before="active",
        after="suspended",
    )
    html = provider_client.get(detail_url).content.decode()
    assert "Microsoft 365 Business Basic" in html and "Alpine Ski House" in html
    assert "Reseller (MPN ID)" in html and "Designated support contact" in html
    assert "History" in html and provider_admin.display_name in html
    assert "Suspended" in html
    # Every control of the provider, each form with its CSRF token.
    for label in ("Change licences", "Check ID", "Suspend", "Cancel subscription"):
        assert label in html
    assert html.count("csrfmiddlewaretoken") >= 6


def test_it_offers_the_provider_and_the_associated_reseller_as_support_contact(
    provider_client, subscription, detail_url, provider, reseller
):
    other = f.ResellerFactory(legal_name="Other Partner")
    f.PartnershipFactory(provider=provider, reseller=other)
    html = provider_client.get(detail_url).content.decode()
    assert f'value="{provider.uuid}"' in html and f'value="{reseller.uuid}"' in html
    assert f'value="{other.uuid}"' not in html


def test_it_looks_the_active_partners_location_ids_up_as_typed(provider_client, detail_url):
    html = provider_client.get(detail_url).content.decode()
    assert f'hx-get="{reverse("subscriptions:partner_locations")}"' in html
    assert 'list="partner-locations"' in html


def test_an_associated_reseller_sees_it_and_can_only_change_licences(reseller_client, detail_url):
    response = reseller_client.get(detail_url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Change licences" in html
    assert "Check ID" not in html and "Suspend" not in html
    assert 'name="support_contact"' not in html and 'name="location_partner_id"' not in html


def test_removing_the_partnership_leaves_the_resellers_rights(
    reseller_client, detail_url, provider, reseller
):
    Partnership.objects.filter(provider=provider, reseller=reseller).update(status="removed")
    assert reseller_client.get(detail_url).status_code == 200


def test_a_reseller_no_longer_associated_gets_a_404(reseller_client, customer, detail_url):
    Customer.objects.filter(pk=customer.pk).update(reseller=None)
    assert reseller_client.get(detail_url).status_code == 404


def test_a_foreign_provider_gets_a_404(outsider_client, detail_url):
    assert outsider_client.get(detail_url).status_code == 404


def test_an_unknown_id_is_a_404(provider_client):
    url = reverse(
        "subscriptions:subscription_detail", args=["6b1f8a43-5a53-4a5c-8d1e-8d1b8fbc1c11"]
    )
    assert provider_client.get(url).status_code == 404


def test_a_member_who_may_only_view_sees_no_controls(role_client, detail_url):
    html = role_client(Role.USER_ADMIN).get(detail_url).content.decode()
    assert "Reseller (MPN ID)" in html
    assert "Change licences" not in html and "Check ID" not in html


def test_a_cancelled_subscription_shows_no_controls(provider_client, subscription, detail_url):
    subscription.status = "cancelled"
    subscription.save()
    html = provider_client.get(detail_url).content.decode()
    assert "This subscription is cancelled and cannot be changed." in html
    assert "Change licences" not in html and "Check ID" not in html


def test_it_speaks_japanese(provider_client, detail_url):
    provider_client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    html = provider_client.get(detail_url).content.decode()
    assert "リセラー (MPN ID)" in html
    assert "指定のサポート連絡先" in html
    assert "送信" in html
