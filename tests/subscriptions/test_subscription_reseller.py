import pytest

from customers.models import Customer
from partners.models import Organisation, Partnership
from portal.models import ActivityEvent
from portal.roles import Role
from subscriptions.models import SubscriptionChange
from tests import factories as f

pytestmark = pytest.mark.django_db


def _post(client, url, subscription, value):
    return client.post(url, {"location_partner_id": value, "version": subscription.version})


def test_it_credits_a_partners_location_and_keeps_the_history(
    provider_client, provider_admin, subscription, action_url, reseller_location
):
    response = _post(
        provider_client, action_url("reseller"), subscription, reseller_location.location_partner_id
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.reseller_location == reseller_location
    assert subscription.version == 2
    change = SubscriptionChange.objects.get(subscription=subscription, field="reseller")
    assert change.actor == provider_admin and change.before == ""
    assert change.after.startswith(reseller_location.location_partner_id)
    assert ActivityEvent.objects.filter(verb="subscription.reseller_changed").exists()
    assert "Reseller (MPN ID) saved." in provider_client.get(response.url).content.decode()


def test_it_changes_and_clears_the_reseller(
    provider_client, provider, subscription, action_url, reseller_location
):
    other = f.ResellerFactory(legal_name="Tailspin")
    f.PartnershipFactory(provider=provider, reseller=other)
    subscription.reseller_location = reseller_location
    subscription.save()
    other_id = other.locations.get().location_partner_id
    assert _post(provider_client, action_url("reseller"), subscription, other_id).status_code == 302
    subscription.refresh_from_db()
    assert _post(provider_client, action_url("reseller"), subscription, "").status_code == 302
    subscription.refresh_from_db()
    assert subscription.reseller_location is None
    changes = list(
        SubscriptionChange.objects.filter(field="reseller")
        .order_by("id")
        .values_list("before", "after")
    )
    assert [c[1].split(" ")[0] for c in changes] == [other_id, ""]
    assert changes[0][0].startswith(reseller_location.location_partner_id)


def _refused(client, url, subscription, value, message):
    response = _post(client, url, subscription, value)
    assert response.status_code == 400
    assert message in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.reseller_location is None and subscription.version == 1
    assert not SubscriptionChange.objects.filter(field="reseller").exists()


def test_it_refuses_an_id_that_is_not_digits(provider_client, subscription, action_url):
    _refused(
        provider_client,
        action_url("reseller"),
        subscription,
        "12-34",
        "Enter the location partner ID using digits only.",
    )


def test_it_refuses_an_unknown_id(provider_client, subscription, action_url):
    _refused(
        provider_client,
        action_url("reseller"),
        subscription,
        "999999999",
        "No partner location has the ID 999999999.",
    )


def test_it_refuses_the_global_partner_id(provider_client, subscription, action_url, reseller):
    _refused(
        provider_client,
        action_url("reseller"),
        subscription,
        reseller.partner_id,
        "This is the global partner ID; use the ID of the reseller&#x27;s location account.",
    )


def test_it_refuses_a_reseller_that_is_not_a_partner(provider_client, subscription, action_url):
    stranger = f.ResellerFactory(legal_name="Stranger Reseller")
    _refused(
        provider_client,
        action_url("reseller"),
        subscription,
        stranger.locations.get().location_partner_id,
        "This ID belongs to a reseller that is not partnered with your organisation.",
    )


def test_it_refuses_a_reseller_whose_partnership_was_removed(
    provider_client, provider, subscription, action_url, reseller, reseller_location
):
    Partnership.objects.filter(provider=provider, reseller=reseller).update(status="removed")
    _refused(
        provider_client,
        action_url("reseller"),
        subscription,
        reseller_location.location_partner_id,
        "The partnership with Fabrikam Test Solutions was removed",
    )


def test_it_refuses_a_deauthorised_reseller(
    provider_client, subscription, action_url, reseller, reseller_location
):
    Organisation.objects.filter(pk=reseller.pk).update(status="deauthorised")
    _refused(
        provider_client,
        action_url("reseller"),
        subscription,
        reseller_location.location_partner_id,
        "Fabrikam Test Solutions is deauthorised and cannot be credited.",
    )


def test_it_refuses_a_reseller_without_an_accepted_agreement(
    provider_client, subscription, action_url, reseller, reseller_location
):
    Organisation.objects.filter(pk=reseller.pk).update(agreement_accepted_at=None)
    _refused(
        provider_client,
        action_url("reseller"),
        subscription,
        reseller_location.location_partner_id,
        "Fabrikam Test Solutions has not accepted the partner agreement yet",
    )


def test_it_refuses_a_providers_location(provider_client, provider, subscription, action_url):
    location = f.PartnerLocationFactory(organisation=provider)
    _refused(
        provider_client,
        action_url("reseller"),
        subscription,
        location.location_partner_id,
        "This ID belongs to an indirect provider, not to a reseller.",
    )


def test_a_stale_version_saves_nothing(
    provider_client, subscription, action_url, reseller_location
):
    response = provider_client.post(
        action_url("reseller"),
        {
            "location_partner_id": reseller_location.location_partner_id,
            "version": subscription.version + 1,
        },
    )
    assert response.status_code == 409
    assert "This subscription was changed by someone else; reload" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.reseller_location is None


def test_a_reseller_cannot_change_it(reseller_client, subscription, action_url, reseller_location):
    response = _post(
        reseller_client, action_url("reseller"), subscription, reseller_location.location_partner_id
    )
    assert response.status_code == 404
    subscription.refresh_from_db()
    assert subscription.reseller_location is None


def test_a_reseller_no_longer_associated_gets_a_404(
    reseller_client, customer, subscription, action_url
):
    Customer.objects.filter(pk=customer.pk).update(reseller=None)
    assert _post(reseller_client, action_url("reseller"), subscription, "").status_code == 404


def test_it_needs_the_right_and_a_post(role_client, outsider_client, subscription, action_url):
    url = action_url("reseller")
    assert _post(role_client(Role.USER_ADMIN), url, subscription, "").status_code == 403
    assert _post(outsider_client, url, subscription, "").status_code == 404
    assert role_client(Role.GLOBAL_ADMIN).get(url).status_code == 405


def test_a_cancelled_subscription_cannot_be_changed(
    provider_client, subscription, action_url, reseller_location
):
    subscription.status = "cancelled"
    subscription.save()
    response = _post(
        provider_client, action_url("reseller"), subscription, reseller_location.location_partner_id
    )
    assert response.status_code == 400
    assert "A cancelled subscription cannot be changed." in response.content.decode()
