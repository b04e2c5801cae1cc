"""The load data's prices and last month's charges: priced by the portal's rule, ready to close."""

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from billing import pricing, services
from billing.models import Charge, PartnershipTier, PriceListEntry, Statement
from devdata.billing_load import last_month
from subscriptions.models import Subscription
from tests.devdata.test_generate_load_data import generate

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the load generator writes with PostgreSQL COPY"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_every_live_subscription_has_last_months_charge_at_its_resolved_price():
    generate()
    month = last_month(timezone.localdate())
    live = Subscription.objects.filter(status__in=["active", "suspended"])
    assert PriceListEntry.objects.exists() and PartnershipTier.objects.exists()
    assert set(
        Charge.objects.filter(kind="period").values_list("subscription_id", flat=True)
    ) == set(live.values_list("id", flat=True))
    for charge in Charge.objects.select_related("subscription", "offer")[:200]:
        price = pricing.resolve_price(
            provider=charge.provider,
            reseller=charge.reseller,
            offer=charge.offer,
            term=charge.term,
            billing_frequency=charge.billing_frequency,
            on=charge.charged_on,
        )
        assert (charge.unit_price, charge.unit_cost) == (price.unit_price, price.unit_cost)
        assert charge.month == month == charge.statement.month

    run = services.statements_close_month(month=month)
    assert run.statements == Statement.objects.count()
    closed = Statement.objects.aggregate(total=Sum("total"))["total"]
    assert closed == Charge.objects.aggregate(total=Sum("amount"))["total"]
    assert services.statements_close_month(month=month).statements == 0
