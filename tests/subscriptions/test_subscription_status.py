import pytest

from portal.models import ActivityEvent
from portal.roles import Role
from subscriptions.models import SubscriptionChange

pytestmark = pytest.mark.django_db


def _post(client, url, subscription):
    return client.post(url, {"version": subscription.version})


def test_it_suspends_reactivates_and_cancels(provider_client, subscription, action_url):
    for action, status in (
        ("suspend", "suspended"),
        ("reactivate", "active"),
        ("cancel", "cancelled"),
    ):
        assert _post(provider_client, action_url(action), subscription).status_code == 302
        subscription.refresh_from_db()
        assert subscription.status == status
    transitions = list(
        SubscriptionChange.objects.filter(field="status")
        .order_by("id")
        .values_list("before", "after")
    )
    assert transitions == [
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "cancelled"),
    ]
    verbs = set(ActivityEvent.objects.values_list("verb", flat=True))
    assert {"subscription.suspended", "subscription.reactivated", "subscription.cancelled"} <= verbs


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("active", "reactivate", "Only a suspended subscription can be reactivated."),
        ("suspended", "suspend", "Only an active subscription can be suspended."),
        ("cancelled", "reactivate", "A cancelled subscription cannot be changed."),
        ("cancelled", "cancel", "A cancelled subscription cannot be changed."),
        ("cancelled", "quantity", "A cancelled subscription cannot be changed."),
    ],
)
def test_it_refuses_invalid_transitions(
    provider_client, subscription, action_url, status, action, message
):
    subscription.status = status
    subscription.save()
    response = provider_client.post(action_url(action), {"version": 1, "quantity": 12})
    assert response.status_code == 400
    assert message in response.content.decode()
    subscription.refresh_from_db()
    assert (subscription.status, subscription.quantity) == (status, 10)
    assert not SubscriptionChange.objects.exists()


def test_cancel_asks_for_confirmation_first(provider_client, subscription, action_url):
    response = provider_client.get(action_url("cancel"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "A cancelled subscription cannot be changed or reactivated." in html
    assert "csrfmiddlewaretoken" in html
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_the_details_page_confirms_in_a_dialog(provider_client, detail_url):
    html = provider_client.get(detail_url).content.decode()
    assert 'data-dialog-open="#cancel-dialog"' in html and '<dialog id="cancel-dialog"' in html


def test_a_stale_version_saves_nothing(provider_client, subscription, action_url):
    response = provider_client.post(action_url("suspend"), {"version": 3})
    assert response.status_code == 409
    subscription.refresh_from_db()
    assert subscription.status == "active"


@pytest.mark.parametrize("action", ["suspend", "reactivate", "cancel"])
def test_only_the_providers_managers_may(
    action, role_client, reseller_client, outsider_client, subscription, action_url
):
    url = action_url(action)
    assert _post(role_client(Role.USER_ADMIN), url, subscription).status_code == 403
    assert _post(reseller_client, url, subscription).status_code == 404
    assert _post(outsider_client, url, subscription).status_code == 404
    subscription.refresh_from_db()
    assert subscription.status == "active"


@pytest.mark.parametrize("action", ["suspend", "reactivate"])
def test_it_needs_a_post(action, provider_client, action_url):
    assert provider_client.get(action_url(action)).status_code == 405


def test_a_reseller_gets_no_cancel_confirmation(reseller_client, action_url):
    assert reseller_client.get(action_url("cancel")).status_code == 404
