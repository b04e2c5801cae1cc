"""Objects of organisation B are invisible to organisation A through the scoping mechanism."""

import pytest
from django.http import Http404

from customers.models import Customer
from partners.models import (
    Membership,
    Organisation,
    PartnerLocation,
    Partnership,
    PartnershipRequest,
)
from portal.models import ActivityEvent, OutboundEmail
from portal.tenancy import get_for_org
from relationships.models import AdminRelationship, RelationshipTemplate, SecurityGroup
from subscriptions.models import Order, Subscription, SubscriptionChange
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a, b = f.ProviderFactory(), f.ProviderFactory()
    ra, rb = f.ResellerFactory(), f.ResellerFactory()
    f.PartnershipFactory(provider=a, reseller=ra)
    f.PartnershipFactory(provider=b, reseller=rb)
    sub_b = f.SubscriptionFactory(customer=f.CustomerFactory(provider=b, reseller=rb))
    f.SubscriptionChangeFactory(subscription=sub_b)
    f.OrderFactory(customer=sub_b.customer)
    f.AdminRelationshipFactory(customer=sub_b.customer, partner=rb)
    f.SecurityGroupFactory(organisation=b)
    f.RelationshipTemplateFactory(organisation=b)
    f.PartnershipRequestFactory(provider=b)
    f.MembershipFactory(organisation=b)
    f.ActivityEventFactory(organisation=b)
    f.OutboundEmailFactory(organisation=b)
    sub_a = f.SubscriptionFactory(customer=f.CustomerFactory(provider=a, reseller=ra))
    return {"a": a, "b": b, "ra": ra, "rb": rb, "sub_a": sub_a, "sub_b": sub_b}


TENANT_MODELS = [
    (Customer, lambda w: w["sub_b"].customer),
    (AdminRelationship, lambda w: AdminRelationship.objects.get(customer__provider=w["b"])),
    (SecurityGroup, lambda w: SecurityGroup.objects.get(organisation=w["b"])),
    (RelationshipTemplate, lambda w: RelationshipTemplate.objects.get(organisation=w["b"])),
    (Subscription, lambda w: w["sub_b"]),
    (SubscriptionChange, lambda w: SubscriptionChange.objects.get(subscription=w["sub_b"])),
    (Order, lambda w: Order.objects.get(customer=w["sub_b"].customer)),
    (PartnershipRequest, lambda w: PartnershipRequest.objects.get(provider=w["b"])),
    (Partnership, lambda w: Partnership.objects.get(provider=w["b"])),
    (Membership, lambda w: Membership.objects.get(organisation=w["b"])),
    (PartnerLocation, lambda w: PartnerLocation.objects.get(organisation=w["rb"])),
    (ActivityEvent, lambda w: ActivityEvent.objects.get(organisation=w["b"])),
    (OutboundEmail, lambda w: OutboundEmail.objects.get(organisation=w["b"])),
    (Organisation, lambda w: w["rb"]),
]


@pytest.mark.parametrize(
    ("model", "foreign"), TENANT_MODELS, ids=[m.__name__ for m, _ in TENANT_MODELS]
)
@pytest.mark.parametrize("viewer", ["a", "ra"])
def test_it_hides_foreign_rows(world, model, foreign, viewer):
    obj = foreign(world)
    assert model.objects.filter(pk=obj.pk).exists()
    assert not model.objects.for_org(world[viewer]).filter(pk=obj.pk).exists()
    with pytest.raises(Http404):
        get_for_org(model, world[viewer], pk=obj.pk)


def test_a_provider_sees_its_own_customers_and_subscriptions(world):
    assert list(Subscription.objects.for_org(world["a"])) == [world["sub_a"]]
    assert list(Customer.objects.for_org(world["a"])) == [world["sub_a"].customer]


def test_a_reseller_sees_the_customers_it_administers(world):
    assert list(Customer.objects.for_org(world["ra"])) == [world["sub_a"].customer]
    assert list(Subscription.objects.for_org(world["ra"])) == [world["sub_a"]]


def test_a_reseller_loses_sight_when_no_longer_associated(world):
    Customer.objects.filter(reseller=world["ra"]).update(reseller=None)
    assert not Customer.objects.for_org(world["ra"]).exists()


def test_a_former_reseller_sees_the_customer_while_its_relationship_is_live(world):
    customer = world["sub_a"].customer
    relationship = f.AdminRelationshipFactory(customer=customer, partner=world["ra"])
    Customer.objects.filter(pk=customer.pk).update(reseller=None)
    assert list(Customer.objects.for_org(world["ra"])) == [customer]
    relationship.status = AdminRelationship.Status.EXPIRED
    relationship.save()
    assert not Customer.objects.for_org(world["ra"]).exists()


def test_no_organisation_sees_nothing(world):
    assert not Customer.objects.for_org(None).exists()


def test_a_malformed_id_is_a_404(world):
    with pytest.raises(Http404):
        get_for_org(Customer, world["a"], uuid="not-a-uuid")
