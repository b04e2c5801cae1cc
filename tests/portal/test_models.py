import pytest
from django.db import IntegrityError, transaction

from partners.models import Partnership
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_it_refuses_a_second_active_partnership_for_the_same_pair():
    p = f.PartnershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.PartnershipFactory(provider=p.provider, reseller=p.reseller)


def test_it_allows_partnering_again_after_a_removal():
    p = f.PartnershipFactory()
    p.status = Partnership.Status.REMOVED
    p.save()
    again = f.PartnershipFactory(provider=p.provider, reseller=p.reseller)
    assert Partnership.objects.filter(provider=p.provider, reseller=p.reseller).count() == 2
    assert again.status == "active"


@pytest.mark.parametrize("quantity", [0, -1])
def test_it_refuses_a_non_positive_subscription_quantity(quantity):
    sub = f.SubscriptionFactory()
    with pytest.raises((IntegrityError, ValueError)), transaction.atomic():
        type(sub).objects.filter(pk=sub.pk).update(quantity=quantity)


def test_it_refuses_a_non_positive_order_line_quantity():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.OrderLineFactory(quantity=0)


def test_it_refuses_a_duplicate_global_partner_id():
    f.ResellerFactory(partner_id="5551234")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ResellerFactory(partner_id="5551234")


def test_it_refuses_a_duplicate_location_partner_id():
    f.PartnerLocationFactory(location_partner_id="6661234")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.PartnerLocationFactory(location_partner_id="6661234")


def test_it_refuses_a_partner_id_with_letters():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.ResellerFactory(partner_id="12AB")


def test_it_refuses_a_duplicate_idempotency_key():
    order = f.OrderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.OrderFactory(customer=order.customer, idempotency_key=order.idempotency_key)


def test_it_refuses_two_pending_requests_for_one_address():
    req = f.PartnershipRequestFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.PartnershipRequestFactory(provider=req.provider, email=req.email)


def test_it_refuses_an_offer_whose_maximum_is_below_its_minimum():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.OfferFactory(min_licences=10, max_licences=5)


def test_it_refuses_an_unknown_subscription_status():
    sub = f.SubscriptionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(sub).objects.filter(pk=sub.pk).update(status="deleted")


def test_it_refuses_a_user_in_two_organisations():
    m = f.MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        f.MembershipFactory(user=m.user)
