import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers import services as customer_services
from customers.models import ResellerRelationshipRequest
from partners import handover
from relationships.models import AccessAssignment, AdminRelationship, AdminRelationshipNotice
from subscriptions.models import RenewalReminder, ScheduledChange
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    user = f.UserFactory(is_staff=True, is_superuser=True)
    return f.sign_in_verified(client, user)


@pytest.fixture
def one_of_each():
    sub = f.SubscriptionFactory(customer=f.CustomerFactory(reseller=f.ResellerFactory()))
    f.SubscriptionChangeFactory(subscription=sub)
    f.OrderLineFactory(order=f.OrderFactory(customer=sub.customer))
    f.PartnershipRequestFactory(provider=sub.provider)
    partnership = f.PartnershipFactory(provider=sub.provider, reseller=sub.customer.reseller)
    member = f.MembershipFactory(organisation=sub.provider)
    handover.handover_plan(partnership=partnership, actor=member.user, decision="leave")
    f.ActivityEventFactory(organisation=sub.provider)
    f.OutboundEmailFactory()
    f.StaffInvitationFactory(organisation=sub.provider)
    f.TenantOwnerGrantFactory(customer=sub.customer)
    f.OfferTermFactory(offer=sub.offer)
    ScheduledChange.objects.create(
        subscription=sub, quantity=12, offer=sub.offer, term="P1Y", billing_frequency="annual"
    )
    RenewalReminder.objects.create(
        subscription=sub, term_end=sub.term_end, days_before=7, sent_at=sub.term_start
    )
    _billing(sub)
    relationship = f.AdminRelationshipFactory(
        customer=sub.customer, approval_token_hash="a1b2c3-secret-approval-hash"
    )
    group = f.SecurityGroupFactory(organisation=sub.provider)
    AccessAssignment.objects.create(relationship=relationship, group=group)
    AdminRelationshipNotice.objects.create(
        relationship=relationship, days_before=30, ends_at=relationship.ends_at
    )
    f.RelationshipTemplateFactory(organisation=sub.provider)
    f.ResellerRelationshipRequestFactory(
        provider=sub.provider,
        reseller=sub.customer.reseller,
        token_hash="d4e5f6-secret-request-hash",
    )
    customer_services._keep_setup_information(
        customer=sub.customer, user=f.UserFactory(), password="Sealed-Secret-Password"
    )


def _billing(sub):
    import datetime as dt
    from decimal import Decimal

    from billing import services as billing
    from billing.models import (
        PartnershipTier,
        PriceListEntry,
        ProviderCurrency,
        ResellerPrice,
        Tier,
        TierPrice,
    )

    reseller = sub.customer.reseller
    ProviderCurrency.objects.create(provider=sub.provider, currency="JPY")
    PriceListEntry.objects.create(
        provider=sub.provider,
        offer=sub.offer,
        term="P1M",
        billing_frequency="monthly",
        cost=Decimal(100),
        reseller_price=Decimal(120),
        retail_price=Decimal(150),
        effective_from=dt.date(2026, 1, 1),
    )
    tier = Tier.objects.create(provider=sub.provider, name="Gold", percent_off=Decimal(5))
    TierPrice.objects.create(
        tier=tier, offer=sub.offer, price=Decimal(110), effective_from=dt.date(2026, 1, 1)
    )
    PartnershipTier.objects.create(provider=sub.provider, reseller=reseller, tier=tier)
    ResellerPrice.objects.create(
        provider=sub.provider,
        reseller=reseller,
        offer=sub.offer,
        price=Decimal(105),
        effective_from=dt.date(2026, 1, 1),
    )
    billing.charge_record(subscription=sub, kind="purchase", quantity=1, full_period=True)


MODELS = [
    m
    for m in admin.site._registry
    if m._meta.app_label
    in {"portal", "partners", "customers", "subscriptions", "relationships", "billing"}
]


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_changelist_and_change_page_render(operator_client, one_of_each, model):
    meta = model._meta
    response = operator_client.get(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"), {"q": "a"}
    )
    assert response.status_code == 200
    obj = model.objects.first()
    response = operator_client.get(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    )
    assert response.status_code == 200


def test_secrets_are_never_shown(operator_client, one_of_each):
    from customers.models import Customer, SetupInformation
    from partners.models import PartnershipRequest

    req = PartnershipRequest.objects.first()
    response = operator_client.get(
        reverse("admin:partners_partnershiprequest_change", args=[req.pk])
    )
    assert req.token_hash not in response.content.decode()
    held = SetupInformation.objects.get()
    response = operator_client.get(
        reverse("admin:customers_setupinformation_change", args=[held.pk])
    )
    assert held.sealed_password not in response.content.decode()
    customer = Customer.objects.first()
    customer.admin_password_hash = "pbkdf2_sha256$secret-hash-value"
    customer.save()
    response = operator_client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert "secret-hash-value" not in response.content.decode()
    relationship = AdminRelationship.objects.first()
    response = operator_client.get(
        reverse("admin:relationships_adminrelationship_change", args=[relationship.pk])
    )
    assert response.status_code == 200
    assert "a1b2c3-secret-approval-hash" not in response.content.decode()
    relationship_request = ResellerRelationshipRequest.objects.get()
    response = operator_client.get(
        reverse(
            "admin:customers_resellerrelationshiprequest_change", args=[relationship_request.pk]
        )
    )
    assert response.status_code == 200
    assert "d4e5f6-secret-request-hash" not in response.content.decode()


def test_every_model_is_registered():
    from django.apps import apps

    ours = [
        m
        for m in apps.get_models()
        if m._meta.app_label
        in {"portal", "partners", "customers", "subscriptions", "relationships"}
    ]
    assert set(ours) <= set(admin.site._registry)


BIG_CHANGELISTS = ["customer", "subscription", "activityevent", "outboundemail", "organisation"]


@pytest.mark.parametrize("model_name", BIG_CHANGELISTS)
def test_big_changelists_count_no_whole_table_and_order_by_the_key(model_name):
    model_admin = next(
        ma for m, ma in admin.site._registry.items() if m._meta.model_name == model_name
    )
    assert model_admin.show_full_result_count is False
    assert model_admin.ordering == ["-pk"]


def test_the_customers_changelist_does_not_count_the_whole_table(operator_client):
    f.CustomerFactory.create_batch(3)
    with CaptureQueriesContext(connection) as queries:
        response = operator_client.get(reverse("admin:customers_customer_changelist"), {"q": "C"})
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    # One count of the filtered result; none of the whole table.
    assert all("WHERE" in sql.upper() for sql in counts), counts


def test_an_organisation_with_partnerships_or_customers_cannot_be_deleted(operator_client):
    provider = f.ProviderFactory()
    reseller = f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=reseller)
    lonely = f.ProviderFactory()
    f.CustomerFactory(provider=lonely)
    unused = f.ProviderFactory()
    for org in (provider, reseller, lonely):
        change = reverse("admin:partners_organisation_change", args=[org.pk])
        html = operator_client.get(change).content.decode()
        assert "cannot be deleted" in html
        assert reverse("admin:partners_organisation_delete", args=[org.pk]) not in html
        delete = reverse("admin:partners_organisation_delete", args=[org.pk])
        assert operator_client.post(delete, {"post": "yes"}).status_code == 403
        assert type(org).objects.filter(pk=org.pk).exists()
    delete = reverse("admin:partners_organisation_delete", args=[unused.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 302
    assert not type(unused).objects.filter(pk=unused.pk).exists()
