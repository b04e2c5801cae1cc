"""Prices and statements in the browser, in English and Japanese: the provider sets a tier
price, adds licences to a reseller's subscription; the reseller sees its price and the
charge on its current statement; the month closes; the statement's CSV and PDF download
and show the same total as the page.

The live server runs in this process, so time-machine moves its clock too; the closing
job runs here at the instant beat would run it.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine

from billing.models import (
    Charge,
    PartnershipTier,
    PriceListEntry,
    ProviderCurrency,
    Statement,
    Tier,
)
from billing.tasks import close_statements
from portal.roles import Role
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {
        "save_price": "Save price",
        "change": "Change licences",
        "seats_added": "Licences added",
        "closed": "Closed",
        "download": "Download CSV",
        "total": "Total",
    },
    "ja": {
        "save_price": "価格を保存",
        "change": "ライセンス数の変更",
        "seats_added": "追加したライセンス",
        "closed": "締め済み",
        "download": "CSV のダウンロード",
        "total": "合計",
    },
}


@pytest.fixture
def world(live_server):
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    admin = f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    ).user
    reseller_admin = f.MembershipFactory(
        organisation=reseller, role=Role.GLOBAL_ADMIN, user__email="admin@fabrikam.example"
    ).user
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Coho Winery")
    offer = f.OfferFactory(name="Microsoft 365 E3")
    ProviderCurrency.objects.create(provider=provider, currency="USD")
    PriceListEntry.objects.create(
        provider=provider,
        offer=offer,
        term="P1M",
        billing_frequency="monthly",
        cost=Decimal("20.00"),
        reseller_price=Decimal("30.00"),
        retail_price=Decimal("36.00"),
        effective_from=dt.date(2020, 1, 1),
    )
    tier = Tier.objects.create(provider=provider, name="Gold", percent_off=Decimal("10"))
    PartnershipTier.objects.create(provider=provider, reseller=reseller, tier=tier)
    return admin, reseller_admin, customer, offer, tier


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_tier_price_seats_statement_close_and_files(page, shot, world, lang):
    text = TEXT[lang]
    admin, reseller_admin, customer, offer, tier = world
    for user in (admin, reseller_admin):
        user.language = lang
        user.save()
    # The 10th of a month at noon: the month has 21 days left and closes on the 1st.
    start = dt.datetime.now(dt.UTC).replace(day=10, hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=True) as traveller:
        subscription = f.SubscriptionFactory(
            customer=customer,
            offer=offer,
            quantity=10,
            reseller_location=customer.reseller.locations.get(),
            support_contact=customer.reseller,
        )
        sign_in(page, "admin@contoso.example", f.PASSWORD)
        switch_language(page, lang)

        # Set the Gold tier's fixed price of the offer.
        page.goto(f"/billing/tiers/{tier.uuid}/")
        form = page.locator("form.card")
        form.locator("select[name=offer]").select_option(str(offer.uuid))
        form.locator("input[name=price]").fill("25.50")
        form.locator("input[name=effective_from]").fill(start.date().isoformat())
        form.get_by_role("button", name=text["save_price"]).click()
        page.wait_for_load_state()
        assert "25.50" in page.inner_text("#tier-prices")

        # Add two licences to the reseller's subscription.
        page.goto("/billing/prices/")
        assert_accessible(page, f"price list ({lang})")
        page.goto(f"/subscriptions/{subscription.uuid}/")
        assert "25.50 USD" in page.inner_text("#subscription-unit-price")
        assert "20.00 USD" in page.inner_text("#subscription-unit-cost")
        page.locator("#quantity-quantity").fill("12")
        page.get_by_role("button", name=text["change"]).click()
        page.wait_for_load_state()
        charge = Charge.objects.get(kind="seats_added")
        assert charge.unit_price == Decimal("25.50")
        amount = charge.amount.quantize(Decimal("0.01"))  # 2 × 25.50, the whole period left

        # The reseller sees its price (never the cost) and the charge on its statement.
        page.context.clear_cookies()
        sign_in(page, "admin@fabrikam.example", f.PASSWORD)
        switch_language(page, lang)
        page.goto("/billing/prices/")
        prices = page.inner_text("main")
        assert "25.50 USD" in prices and "20.00" not in prices and "Gold" not in prices
        page.goto("/billing/statements/")
        page.locator("#statements a").first.click()
        page.wait_for_load_state()
        lines = page.inner_text("#statement-lines")
        assert text["seats_added"] in lines and str(amount) in lines
        assert_accessible(page, f"open statement ({lang})")
        shot(page, f"statement-open-{lang}")

        # The 1st of next month: the job closes the month.
        next_month = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1, hour=0)
        traveller.move_to(next_month + dt.timedelta(minutes=5))
        assert close_statements() == 1
        statement = Statement.objects.get()
        assert statement.is_closed and statement.total == charge.amount

        page.context.clear_cookies()
        sign_in(page, "admin@fabrikam.example", f.PASSWORD)
        switch_language(page, lang)
        page.goto(f"/billing/statements/{statement.uuid}/")
        assert text["closed"] in page.inner_text("main")
        shown_total = page.inner_text("#statement-total")
        assert shown_total == f"{amount:,} USD"
        page.goto("/billing/statements/")
        assert_accessible(page, f"statements ({lang})")
        page.goto(f"/billing/statements/{statement.uuid}/")
        shot(page, f"statement-closed-{lang}")

        with page.expect_download() as download:
            page.get_by_role("link", name=text["download"]).click()
        body = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[-1][-2:] == [text["total"], str(amount)]

        pdf = page.request.get(f"/billing/statements/{statement.uuid}/statement.pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        assert f"/Subject ({shown_total})".encode() in pdf.body()
