"""generate_load_data at a tiny size: row counts, model constraints, an ORM that still inserts."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone

from customers.models import Customer
from partners.models import Membership, Organisation, PartnerLocation, Partnership
from portal import audit
from portal.models import ActivityEvent, User
from portal.roles import Role
from relationships.models import AdminRelationship
from subscriptions.models import Offer, Subscription
from tests import factories as f

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the load generator writes with PostgreSQL COPY"
)
TINY = {
    "providers": 3,
    "resellers": 30,
    "customers": 200,
    "subscriptions": 600,
    "events": 100,
    "reseller_admins": 4,
}
PASSWORD = "Load-Portal-2026"


def generate(**options):
    # These tests are transactional: the flush after the previous one took the role
    # catalogue its migration seeded, which every generated relationship refers to.
    f.role_catalogue()
    out = StringIO()
    call_command("generate_load_data", stdout=out, **{**TINY, "seed": 7, **options})
    return out.getvalue()


def snapshot():
    """What the same seed must reproduce: identities, names and relations."""
    return (
        list(Organisation.objects.order_by("id").values_list("uuid", "legal_name", "partner_id")),
        list(
            Customer.objects.order_by("id").values_list(
                "uuid", "company_name", "primary_domain", "provider_id", "reseller_id"
            )
        ),
        list(
            Subscription.objects.order_by("id").values_list(
                "uuid", "customer_id", "offer__sku", "quantity", "status"
            )
        ),
    )


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_generates_the_requested_sizes_with_sign_ins():
    output = generate()

    assert Organisation.objects.providers().count() == 3
    assert Organisation.objects.resellers().count() == 30
    assert PartnerLocation.objects.count() == 33
    assert Customer.objects.count() == 200
    assert Subscription.objects.count() == 600
    assert ActivityEvent.objects.count() == 100
    assert Offer.objects.count() == 10
    # A Global admin per provider, the three other roles at provider 1, four reseller admins.
    assert Membership.objects.count() == 3 + 3 + 4
    admin = User.objects.get(email="admin@provider-2.load.example")
    assert admin.check_password(PASSWORD)
    assert admin.membership.role == Role.GLOBAL_ADMIN
    assert admin.membership.organisation.partner_id == "60000002"
    assert User.objects.get(email="admin@reseller-4.load.example").check_password(PASSWORD)
    assert not User.objects.filter(email="admin@reseller-5.load.example").exists()
    assert "Big reseller: reseller 1 (partner ID 70000001" in output


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_satisfies_the_partnership_and_customer_rules():
    generate()

    duplicated_active = (
        Partnership.objects.active()
        .values("provider", "reseller")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicated_active.exists()
    assert Partnership.objects.filter(status="removed", removed_at__isnull=False).exists()

    active_pair = Partnership.objects.active().filter(
        provider=OuterRef("provider"), reseller=OuterRef("reseller")
    )
    with_reseller = Customer.objects.filter(reseller__isnull=False)
    assert with_reseller.exists()
    assert not with_reseller.filter(~Exists(active_pair)).exists()

    provider_admin = AdminRelationship.objects.live().filter(
        customer=OuterRef("pk"), partner=OuterRef("provider")
    )
    reseller_admin = AdminRelationship.objects.live().filter(
        customer=OuterRef("pk"), partner=OuterRef("reseller")
    )
    assert not Customer.objects.filter(~Exists(provider_admin)).exists()
    assert not with_reseller.filter(~Exists(reseller_admin)).exists()

    ids = list(Organisation.objects.values_list("partner_id", flat=True)) + list(
        PartnerLocation.objects.values_list("location_partner_id", flat=True)
    )
    assert len(ids) == len(set(ids))
    assert all(partner_id.isdigit() for partner_id in ids)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_makes_provider_one_big_with_a_reseller_holding_its_share():
    generate()

    big_provider = Organisation.objects.get(partner_id="60000001")
    big_reseller = Organisation.objects.get(partner_id="70000001")
    assert list(
        Partnership.objects.filter(reseller=big_reseller).values_list("provider", flat=True)
    ) == [big_provider.pk]
    # 2.5% of the customers, all of them provider 1's.
    assert Customer.objects.filter(reseller=big_reseller, provider=big_provider).count() == 5
    per_provider = Customer.objects.values("provider").annotate(n=Count("id")).order_by("-n")
    assert per_provider[0]["provider"] == big_provider.pk
    assert per_provider[0]["n"] > per_provider[1]["n"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_keeps_subscriptions_consistent_with_their_customers():
    generate()

    subscriptions = Subscription.objects.all()
    assert not subscriptions.exclude(provider=F("customer__provider")).exists()
    assert not subscriptions.filter(quantity__lt=F("offer__min_licences")).exists()
    assert not subscriptions.filter(quantity__gt=F("offer__max_licences")).exists()
    assert not subscriptions.filter(created_at__lt=F("customer__created_at")).exists()
    credited = subscriptions.filter(reseller_location__isnull=False)
    assert credited.exists()
    assert not credited.exclude(reseller_location__organisation=F("customer__reseller")).exists()
    assert not subscriptions.filter(
        customer__reseller__isnull=False, reseller_location__isnull=True
    ).exists()
    assert (
        not subscriptions.exclude(support_contact=F("provider"))
        .exclude(support_contact=F("customer__reseller"))
        .exists()
    )
    assert subscriptions.filter(status="active").count() > subscriptions.count() // 2

    three_years_ago = timezone.now() - timedelta(days=3 * 365 + 1)
    for model in (Customer, Subscription, ActivityEvent):
        assert not model.objects.filter(created_at__lt=three_years_ago).exists()
        assert not model.objects.filter(created_at__gt=timezone.now()).exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_leaves_sequences_where_the_orm_can_insert_again():
    generate()

    reseller = f.ResellerFactory()
    provider = Organisation.objects.get(partner_id="60000001")
    user = f.UserFactory()
    f.MembershipFactory(user=user, organisation=provider)
    f.PartnershipFactory(provider=provider, reseller=reseller)
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    for partner in (provider, reseller):  # and their rows of roles
        # A name of its own: the factory's numbered one may be a load-data name already.
        f.AdminRelationshipFactory(
            customer=customer, partner=partner, display_name=f"Sequence check {partner.pk}"
        )
    subscription = f.SubscriptionFactory(
        provider=provider, customer=customer, offer=Offer.objects.first()
    )
    audit.record(org=provider, actor=user, verb="subscription.created", obj=subscription)
    f.OfferFactory()

    assert Customer.objects.count() == 201
    assert Subscription.objects.count() == 601
    assert ActivityEvent.objects.count() == 101
    assert AdminRelationship.objects.filter(customer=customer).count() == 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_repeats_the_same_rows_for_the_same_seed_and_keeps_other_users():
    operator = f.UserFactory(email="operator@portal.example", is_superuser=True)
    generate()
    first = snapshot()

    with pytest.raises(CommandError, match="--reset"):
        generate()
    generate(reset=True)

    assert snapshot() == first
    assert User.objects.filter(pk=operator.pk).exists()
    assert Membership.objects.count() == 3 + 3 + 4


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the refusal elsewhere")
@pytest.mark.django_db
def test_it_refuses_to_run_on_another_database():
    with pytest.raises(CommandError, match="refuses to run on sqlite"):
        generate()

    assert not Organisation.objects.exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_gives_every_subscription_a_term_of_its_offer_spread_across_the_year():
    from subscriptions.models import OfferTerm, ScheduledChange

    generate(subscriptions=3000)
    subscriptions = Subscription.objects.all()
    now = timezone.now()
    assert not subscriptions.filter(term_end__lte=now - timedelta(days=1)).exists()
    assert not subscriptions.filter(term_start__gt=now).exists()
    sold_in = Exists(
        OfferTerm.objects.filter(
            offer=OuterRef("offer"),
            term=OuterRef("term"),
            billing_frequency=OuterRef("billing_frequency"),
        )
    )
    assert not subscriptions.exclude(sold_in).exists()
    shares = {
        term: subscriptions.filter(term=term).count() / 3000 for term in ("P1M", "P1Y", "P3Y")
    }
    assert 0.02 < shares["P1M"] < 0.10 and shares["P1Y"] > 0.6 and shares["P3Y"] > 0.03
    # Term ends fall across the year, months apart.
    ends = sorted(subscriptions.values_list("term_end", flat=True))
    assert ends[-1] - ends[0] > timedelta(days=300)
    in_a_month = subscriptions.filter(term_end__lte=now + timedelta(days=30)).count()
    assert 0.05 < in_a_month / 3000 < 0.25
    assert 0.05 < subscriptions.filter(auto_renew=False).count() / 3000 < 0.15
    changes = ScheduledChange.objects.filter(status="pending")
    assert 30 < changes.count() < 200
    assert not changes.exclude(subscription__status__in=["active", "suspended"]).exists()
