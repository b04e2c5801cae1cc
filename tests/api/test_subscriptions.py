"""GET/PATCH /api/v1/subscriptions and POST /api/v1/orders."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import ActivityEvent
from subscriptions.models import Subscription
from tests import factories as f


@pytest.fixture
def subscription(provider, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    return f.SubscriptionFactory(
        customer=customer, quantity=10, reseller_location=reseller.locations.first()
    )


def _url(sub):
    return f"/api/v1/subscriptions/{sub.uuid}"


def test_it_gets_a_subscription_with_its_terms_and_version(subscription, admin_api):
    response = admin_api.get(_url(subscription))

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == subscription.version
    assert response["ETag"] == f'"{subscription.version}"'
    assert body["term"] == subscription.term
    assert body["billing_frequency"] == subscription.billing_frequency
    assert body["auto_renew"] is True
    assert body["term_start"].endswith("Z") and body["term_end"].endswith("Z")
    assert body["renewal_label"].startswith("Renews on")


def test_it_filters_by_status_reseller_id_and_renewal(provider, subscription, admin_api):
    other = f.SubscriptionFactory(customer=subscription.customer, status="suspended")
    location_id = subscription.reseller_location.location_partner_id

    by_status = admin_api.get("/api/v1/subscriptions", status="suspended").json()["items"]
    by_reseller = admin_api.get("/api/v1/subscriptions", reseller_partner_id=location_id).json()
    soon = (subscription.term_end + timedelta(days=1)).date().isoformat()
    past = (timezone.now() - timedelta(days=1)).date().isoformat()
    renewing = admin_api.get("/api/v1/subscriptions", renews_before=soon).json()["items"]
    none = admin_api.get("/api/v1/subscriptions", renews_before=past).json()["items"]

    assert [s["id"] for s in by_status] == [str(other.uuid)]
    assert str(subscription.uuid) in [s["id"] for s in by_reseller["items"]]
    assert str(subscription.uuid) in [s["id"] for s in renewing]
    assert none == []


def test_patch_needs_the_version_in_if_match(subscription, admin_api):
    response = admin_api.patch(_url(subscription), {"quantity": 12})

    assert response.status_code == 428
    assert response.json()["type"] == "/api/v1/problems/precondition-required"


def test_patch_with_a_stale_version_answers_412_and_changes_nothing(subscription, admin_api):
    stale = subscription.version
    Subscription.objects.filter(pk=subscription.pk).update(version=stale + 1)

    response = admin_api.patch(
        _url(subscription), {"quantity": 12}, headers={"If-Match": f'"{stale}"'}
    )

    assert response.status_code == 412
    assert response.json()["type"] == "/api/v1/problems/precondition-failed"
    subscription.refresh_from_db()
    assert subscription.quantity == 10


def test_patch_changes_the_licence_count_through_the_terms_rules(subscription, admin_api):
    response = admin_api.patch(
        _url(subscription), {"quantity": 12}, headers={"If-Match": f'"{subscription.version}"'}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["quantity"] == 12
    assert body["version"] == subscription.version + 1
    event = ActivityEvent.objects.get(verb="subscription.quantity_changed")
    assert event.actor_label.startswith("API key")


def test_a_decrease_after_the_window_is_refused_with_the_services_message(subscription, admin_api):
    subscription.seat_additions.update(window_closes_at=timezone.now() - timedelta(hours=1))

    response = admin_api.patch(
        _url(subscription), {"quantity": 5}, headers={"If-Match": f'"{subscription.version}"'}
    )

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "/api/v1/problems/refused"
    assert "Schedule the new licence count for the renewal" in body["detail"]


def test_patch_suspends_and_changes_the_support_contact(reseller, subscription, admin_api):
    version = subscription.version

    response = admin_api.patch(
        _url(subscription),
        {"status": "suspended", "support_contact_id": str(reseller.uuid)},
        headers={"If-Match": str(version)},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "suspended"
    assert body["support_contact"]["id"] == str(reseller.uuid)
    assert body["version"] == version + 2


def test_patch_credits_a_reseller_location_or_none(subscription, admin_api):
    response = admin_api.patch(
        _url(subscription),
        {"reseller_partner_id": ""},
        headers={"If-Match": str(subscription.version)},
    )

    assert response.status_code == 200
    assert response.json()["reseller_partner_id"] is None


def test_an_unknown_reseller_id_is_a_validation_problem(subscription, admin_api):
    response = admin_api.patch(
        _url(subscription),
        {"reseller_partner_id": "99999999"},
        headers={"If-Match": str(subscription.version)},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "location_partner_id"


def test_it_orders_a_subscription_once_per_idempotency_key(provider, subscription, admin_api):
    offer = f.OfferFactory(min_licences=1, max_licences=50)
    body = {
        "customer_id": str(subscription.customer.uuid),
        "offer_id": str(offer.uuid),
        "quantity": 3,
    }
    headers = {"Idempotency-Key": "order-1"}

    first = admin_api.post("/api/v1/orders", body, headers=headers)
    again = admin_api.post("/api/v1/orders", body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Subscription.objects.filter(offer=offer).count() == 1
