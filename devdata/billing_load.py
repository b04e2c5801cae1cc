"""Prices and one month of charges for the load data (``generate_load_data``).

Every provider bills in a currency (every fifth one in JPY), has a price for
each offer in each term and billing frequency (from a year ago, and a
scheduled change in a month for some), three tiers (Gold with a fixed price
of the first offer), most partnerships a tier and a few resellers their own
price. Every live subscription has last month's billing-period charge and
one in ten a seat addition, each priced by ``billing.pricing.pick`` (the rule
the portal charges by) and placed on its open statement: last month is ready
to be closed.
"""

from __future__ import annotations

import calendar
from collections import namedtuple
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

from billing.models import (
    Charge,
    PartnershipTier,
    PriceListEntry,
    ProviderCurrency,
    ResellerPrice,
    Statement,
    Tier,
    TierPrice,
)
from billing.money import line_amount, prorate, quantize
from billing.pricing import pick

# A list price per licence and month in USD, per offer in OFFERS order.
MONTHLY_USD = ["6.00", "12.50", "22.00", "23.00", "57.00", "4.00", "4.00", "3.00", "10.00", "0"]
FREQUENCY_MONTHS = {"monthly": 1, "annual": 12, "triennial": 36}
TIERS = [("Gold", Decimal("12")), ("Silver", Decimal("7")), ("Bronze", Decimal("3"))]
TIERED_SHARE = 0.6
OWN_PRICE_SHARE = 0.02
SEAT_ADDITION_SHARE = 0.10
CHUNK = 100_000

Entry = namedtuple("Entry", "cost reseller_price retail_price")
TierRow = namedtuple("TierRow", "percent_off")


def last_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


class BillingLoad:
    def __init__(self, loader):
        self.loader = loader
        self.rng = loader.rng

    def run(self):
        self.prices()
        self.charges()

    def currency(self, provider) -> str:
        return "JPY" if self.loader.provider_ids.index(provider) % 5 == 4 else "USD"

    def prices(self):
        loader, rng = self.loader, self.rng
        since = loader.now.date() - timedelta(days=365)
        later = loader.now.date() + timedelta(days=30)
        self.entries, self.tier_of, self.fixed, self.own = {}, {}, {}, {}
        first = loader.next_id(ProviderCurrency)
        loader.copy(
            ProviderCurrency,
            ["id", "provider", "currency"],
            [(first + n, p, self.currency(p)) for n, p in enumerate(loader.provider_ids)],
        )
        entry_rows, next_id = [], loader.next_id(PriceListEntry)
        for provider in loader.provider_ids:
            currency = self.currency(provider)
            rate = Decimal(150) if currency == "JPY" else Decimal(1)
            for index, (offer_id, *_rest) in enumerate(loader.offer_rows):
                monthly = Decimal(MONTHLY_USD[index % len(MONTHLY_USD)]) * rate
                for term, frequency in loader.offer_pairs[offer_id]:
                    months = FREQUENCY_MONTHS[frequency]
                    reseller = quantize(monthly * months, currency)
                    cost = quantize(reseller * Decimal("0.82"), currency)
                    retail = quantize(reseller * Decimal("1.2"), currency)
                    self.entries[provider, offer_id, term, frequency] = Entry(
                        cost, reseller, retail
                    )
                    entry_rows.append(
                        (next_id, loader.uuid(), provider, offer_id, term, frequency)
                        + (cost, reseller, retail, since, loader.now)
                    )
                    next_id += 1
                    if rng.random() < 0.1:
                        raised = quantize(reseller * Decimal("1.05"), currency)
                        entry_rows.append(
                            (next_id, loader.uuid(), provider, offer_id, term, frequency)
                            + (cost, raised, retail, later, loader.now)
                        )
                        next_id += 1
        loader.copy(
            PriceListEntry,
            ["id", "uuid", "provider", "offer", "term", "billing_frequency"]
            + ["cost", "reseller_price", "retail_price", "effective_from", "created_at"],
            entry_rows,
        )
        tier_rows, tier_ids, tier_id = [], {}, loader.next_id(Tier)
        price_rows, price_id = [], loader.next_id(TierPrice)
        first_offer = loader.offer_rows[0][0]
        for provider in loader.provider_ids:
            for name, percent in TIERS:
                tier_rows.append((tier_id, loader.uuid(), provider, name, percent))
                tier_ids[provider, name] = (tier_id, TierRow(percent))
                if name == "Gold":
                    entry = self.entries[provider, first_offer, *loader.offer_pairs[first_offer][0]]
                    fixed = quantize(
                        entry.reseller_price * Decimal("0.85"), self.currency(provider)
                    )
                    price_rows.append((price_id, tier_id, first_offer, fixed, since, loader.now))
                    self.fixed[tier_id, first_offer] = fixed
                    price_id += 1
                tier_id += 1
        loader.copy(Tier, ["id", "uuid", "provider", "name", "percent_off"], tier_rows)
        loader.copy(
            TierPrice,
            ["id", "tier", "offer", "price", "effective_from", "created_at"],
            price_rows,
        )
        member_rows, own_rows = [], []
        member_id, own_id = loader.next_id(PartnershipTier), loader.next_id(ResellerPrice)
        for provider, reseller in sorted(loader.active_since):
            if rng.random() < TIERED_SHARE:
                name = rng.choice(TIERS)[0]
                tier_id, tier = tier_ids[provider, name]
                member_rows.append((member_id, provider, reseller, tier_id))
                self.tier_of[provider, reseller] = (tier_id, tier)
                member_id += 1
            if rng.random() < OWN_PRICE_SHARE:
                entry = self.entries[provider, first_offer, *loader.offer_pairs[first_offer][0]]
                price = quantize(entry.reseller_price * Decimal("0.8"), self.currency(provider))
                own_rows.append(
                    (own_id, loader.uuid(), provider, reseller, first_offer, price, since)
                    + (loader.now,)
                )
                self.own[provider, reseller, first_offer] = price
                own_id += 1
        loader.copy(PartnershipTier, ["id", "provider", "reseller", "tier"], member_rows)
        loader.copy(
            ResellerPrice,
            ["id", "uuid", "provider", "reseller", "offer", "price", "effective_from"]
            + ["created_at"],
            own_rows,
        )

    def price(self, provider, reseller, offer, term, frequency):
        tier_id, tier = self.tier_of.get((provider, reseller), (None, None))
        return pick(
            entry=self.entries[provider, offer, term, frequency],
            own=self.own.get((provider, reseller, offer)),
            tier=tier,
            tier_fixed=self.fixed.get((tier_id, offer)),
            currency=self.currency(provider),
        )

    def charges(self):
        """Last month's charges of every live subscription, streamed from the database."""
        loader, rng = self.loader, self.rng
        month = last_month(loader.now.date())
        month_days = calendar.monthrange(month.year, month.month)[1]
        statements = {}  # (provider, reseller) -> statement id
        first_statement = loader.next_id(Statement)
        first_charge = loader.next_id(Charge)
        query = (
            "SELECT s.id, s.provider_id, s.customer_id, s.offer_id, s.quantity, s.term,"
            " s.billing_frequency, l.organisation_id, l.location_partner_id"
            " FROM subscriptions_subscription s"
            " LEFT JOIN partners_partnerlocation l ON l.id = s.reseller_location_id"
            " WHERE s.status IN ('active', 'suspended') AND s.id > %s ORDER BY s.id LIMIT %s"
        )
        columns = (
            ["id", "uuid", "provider", "subscription", "customer", "reseller", "location_mpn_id"]
            + ["kind", "offer", "term", "billing_frequency", "quantity", "unit_price"]
            + ["unit_cost", "days", "period_days", "amount", "cost", "margin", "currency"]
            + ["charged_on", "statement", "month", "created_at"]
        )
        after, number = 0, 0
        # A chunk of subscriptions is read, then its charges copied: a COPY cannot run
        # while a cursor is still reading from the same connection.
        while True:
            with connection.cursor() as cursor:
                cursor.execute(query, [after, CHUNK])
                chunk = cursor.fetchall()
            if not chunk:
                break
            after = chunk[-1][0]
            rows = []
            for sub, provider, customer, offer, quantity, term, frequency, reseller, mpn in chunk:
                price = self.price(provider, reseller, offer, term, frequency)
                currency = price.currency
                statement = statements.setdefault(
                    (provider, reseller), first_statement + len(statements)
                )
                charges = [("period", quantity, 0, month + timedelta(days=sub % month_days))]
                if rng.random() < SEAT_ADDITION_SHARE:
                    first_day = sub % month_days
                    charges.append(
                        ("seats_added", 1 + sub % 5, first_day, month + timedelta(days=first_day))
                    )
                for kind, count, first_day, day in charges:
                    full = line_amount(
                        unit_price=price.unit_price, quantity=count, currency=currency
                    )
                    full_cost = line_amount(
                        unit_price=price.unit_cost, quantity=count, currency=currency
                    )
                    span = {
                        "start_day": first_day,
                        "end_day": month_days,
                        "period_days": month_days,
                    }
                    amount = prorate(full=full, currency=currency, **span)
                    cost = prorate(full=full_cost, currency=currency, **span)
                    rows.append(
                        (first_charge + number, loader.uuid(), provider, sub, customer, reseller)
                        + (mpn or "", kind, offer, term, frequency, count, price.unit_price)
                        + (price.unit_cost, month_days - first_day, month_days, amount, cost)
                        + (amount - cost, currency, day, statement, month, loader.now)
                    )
                    number += 1
            loader.copy(Charge, columns, rows)
        loader.copy(
            Statement,
            ["id", "uuid", "provider", "reseller", "month", "currency", "status"],
            [
                (
                    statement_id,
                    loader.uuid(),
                    provider,
                    reseller,
                    month,
                    self.currency(provider),
                    "open",
                )
                for (provider, reseller), statement_id in statements.items()
            ],
        )
