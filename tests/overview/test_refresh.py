"""The refresh's figures equal direct counts, over the demo data and a generated data set."""

import random
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from overview import summaries
from overview.models import Summary
from partners.models import Organisation, Partnership
from subscriptions.models import Subscription
from tests import factories as f
from tests.overview import direct

pytestmark = pytest.mark.django_db


def _assert_every_figure_is_a_direct_count():
    checked = 0
    for org in Organisation.objects.all():
        summary = Summary.objects.get(organisation=org)
        got = direct.values(summary)
        expected = direct.provider_figures(org) if org.is_provider else direct.reseller_figures(org)
        for key, value in expected.items():
            if key.endswith("_month"):
                assert Decimal(got[key]) == Decimal(value), (org.legal_name, key)
            else:
                assert got[key] == value, (org.legal_name, key, got[key], value)
        if org.is_provider:
            by_reseller = direct.customers_by_reseller(org)
            shown = {
                row["name"]: row["customers"] for row in summary.charts["customers_by_reseller"]
            }
            assert len(shown) == min(10, len(by_reseller))
            assert all(by_reseller[name] == n for name, n in shown.items())
            assert min(shown.values(), default=0) >= max(
                (n for name, n in by_reseller.items() if name not in shown), default=0
            )
        offers = direct.by_offer(Subscription.objects.for_org(org))
        shown = {row["name"]: row["licences"] for row in summary.charts["licences_by_offer"]}
        assert all(offers[name] == n for name, n in shown.items())
        assert len(shown) == min(10, len(offers))
        checked += 1
    return checked


def test_each_figure_equals_a_direct_count_over_the_demo_data():
    call_command("seed_demo", stdout=StringIO())  # seed_demo refreshes the summaries itself
    assert _assert_every_figure_is_a_direct_count() == Organisation.objects.count()
    contoso = Summary.objects.get(organisation__legal_name="Contoso Distribution")
    assert contoso.figures["active_resellers"]["value"] == 3
    assert contoso.figures["agreement_not_accepted"]["value"] == 1  # Adatum
    assert Decimal(contoso.figures["charges_month"]["value"]) > 0
    assert len(contoso.charts["resellers_by_month"]) == 12


def _generated_world(seed: int):
    """Providers, resellers (some removed, some without an agreement), customers with and
    without a reseller, subscriptions of every status, term ends around the 30-day line,
    admin relationships ending soon and later, pending and used requests."""
    rng = random.Random(seed)  # noqa: S311 - test data
    now = timezone.now()
    offers = [f.OfferFactory() for _ in range(12)]
    providers = [f.ProviderFactory() for _ in range(3)]
    resellers = [
        f.ResellerFactory(agreement_accepted_at=None if rng.random() < 0.3 else now)
        for _ in range(14)
    ]
    for provider in providers:
        for reseller in rng.sample(resellers, 9):
            partnership = f.PartnershipFactory(provider=provider, reseller=reseller)
            created = now - timedelta(days=rng.randint(0, 400))
            removed = rng.random() < 0.2
            Partnership.objects.filter(pk=partnership.pk).update(
                created_at=created,
                status="removed" if removed else "active",
                removed_at=created + timedelta(days=rng.randint(0, 30)) if removed else None,
            )
        for _ in range(rng.randint(0, 3)):
            f.PartnershipRequestFactory(
                provider=provider,
                expires_at=now + timedelta(days=rng.choice([-2, 5, 20])),
                status=rng.choice(["pending", "pending", "revoked"]),
            )
        for _ in range(25):
            reseller = rng.choice([None, *resellers])
            customer = f.CustomerFactory(provider=provider, reseller=reseller)
            for _ in range(rng.randint(0, 4)):
                start = now - timedelta(days=rng.randint(0, 300))
                f.SubscriptionFactory(
                    customer=customer,
                    offer=rng.choice(offers),
                    quantity=rng.randint(1, 50),
                    status=rng.choice(["active", "active", "suspended", "cancelled"]),
                    auto_renew=rng.random() < 0.8,
                    term_start=start,
                    term_end=now + timedelta(days=rng.randint(-3, 60)),
                    reseller_location=reseller.locations.first() if reseller else None,
                    purchase_window=False,
                )
            if rng.random() < 0.4:
                partner = rng.choice(resellers)
                f.AdminRelationshipFactory(
                    customer=customer,
                    partner=partner,
                    ends_at=now + timedelta(days=rng.choice([3, 29, 31, 200])),
                    status=rng.choice(["active", "active", "expired"]),
                )


@pytest.mark.parametrize("seed", [1, 2])
def test_each_figure_equals_a_direct_count_over_a_generated_data_set(seed):
    _generated_world(seed)
    summaries.refresh()
    assert _assert_every_figure_is_a_direct_count() == Organisation.objects.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the load generator needs COPY")
@pytest.mark.django_db(transaction=True)
def test_each_figure_equals_a_direct_count_over_generated_load_data():
    f.role_catalogue()
    call_command(
        "generate_load_data",
        providers=3,
        resellers=30,
        customers=200,
        subscriptions=600,
        events=10,
        reseller_admins=4,
        seed=7,
        stdout=StringIO(),
    )
    summaries.refresh()
    assert _assert_every_figure_is_a_direct_count() == Organisation.objects.count()


def test_a_refresh_twice_keeps_one_row_per_organisation_and_a_day_of_history(provider, reseller):
    summaries.refresh()
    summaries.refresh()
    assert Summary.objects.count() == 2
    assert len(Summary.objects.get(organisation=provider).history) == 1


def test_the_previous_licences_come_from_the_history_of_30_days_ago(provider):
    customer = f.CustomerFactory(provider=provider)
    f.SubscriptionFactory(customer=customer, quantity=5)
    month_ago = timezone.now() - timedelta(days=30)
    summaries.refresh(now=month_ago)
    f.SubscriptionFactory(customer=customer, quantity=7)
    summaries.refresh()
    licences = Summary.objects.get(organisation=provider).figures["active_licences"]
    assert licences == {"value": 12, "previous": 5}


def test_previous_counts_the_resellers_active_30_days_ago(provider):
    now = timezone.now()
    old = f.PartnershipFactory(provider=provider)
    Partnership.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=90))
    f.PartnershipFactory(provider=provider)  # new today
    gone = f.PartnershipFactory(provider=provider)
    Partnership.objects.filter(pk=gone.pk).update(
        created_at=now - timedelta(days=60), status="removed", removed_at=now - timedelta(days=3)
    )
    summaries.refresh()
    figure = Summary.objects.get(organisation=provider).figures["active_resellers"]
    assert figure == {"value": 2, "previous": 2}


def test_transacting_resellers_count_orders_and_licence_changes_of_30_days(provider, reseller):
    other = f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=other)
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.OrderLineFactory(order__customer=customer, reseller=reseller)
    subscription = f.SubscriptionFactory(
        customer=customer, reseller_location=other.locations.first()
    )
    change = f.SubscriptionChangeFactory(subscription=subscription, field="quantity")
    summaries.refresh()
    assert Summary.objects.get(organisation=provider).figures["transacting_resellers"]["value"] == 2
    type(change).objects.filter(pk=change.pk).update(created_at=timezone.now() - timedelta(days=45))
    summaries.refresh()
    figure = Summary.objects.get(organisation=provider).figures["transacting_resellers"]
    assert figure == {"value": 1, "previous": 1}


def test_the_beat_schedule_refreshes_every_15_minutes():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["refresh-overview"]
    assert entry["task"] == "overview.tasks.refresh_summaries"
    assert entry["schedule"] == timedelta(minutes=15)
