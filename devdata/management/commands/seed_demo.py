"""Demo data: two providers, their resellers, staff sign-ins, a catalogue, customers and subscriptions.

Idempotent: every row is looked up by its natural key first, so running it
twice leaves the same row counts.
"""

import random
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from billing.models import Charge
from customers.models import Customer
from overview import summaries as overview_summaries
from partners import agreement
from partners.models import Membership, Organisation, PartnerLocation, Partnership
from portal.audit import Verb, record
from portal.roles import Role
from portal.tokens import hash_token
from relationships.models import AdminRelationship, AdminRole
from subscriptions.models import (
    TERM_MONTHS,
    Offer,
    OfferTerm,
    Order,
    OrderLine,
    ScheduledChange,
    SeatAddition,
    Subscription,
)
from subscriptions.terms import term_end_for, term_last_day, term_zone, window_closes_at

PASSWORD = "Demo-Portal-2026"

OFFERS = [
    # name, sku, min, max, term, kind
    ("Microsoft 365 Business Basic", "CFQ7TTC0LH18", 1, 300, "monthly", "seats"),
    ("Microsoft 365 Business Standard", "CFQ7TTC0LDPB", 1, 300, "monthly", "seats"),
    ("Microsoft 365 Business Premium", "CFQ7TTC0LCHC", 1, 300, "annual", "seats"),
    ("Office 365 E3", "CFQ7TTC0LF8Q", 1, 10000, "annual", "seats"),
    ("Microsoft 365 E5", "CFQ7TTC0LFLZ", 1, 10000, "annual", "seats"),
    ("Exchange Online (Plan 1)", "CFQ7TTC0LH16", 1, 10000, "monthly", "seats"),
    ("Microsoft Teams Essentials", "CFQ7TTC0RM8K", 1, 300, "monthly", "seats"),
    ("Microsoft Defender for Business", "CFQ7TTC0LCHC-DFB", 1, 300, "annual", "seats"),
    ("Power BI Pro", "CFQ7TTC0L3PB", 1, 5000, "monthly", "seats"),
    ("Azure plan", "DZH318Z0BPS6", 1, 1, "monthly", "azure_plan"),
]

# The (term, billing frequency) pairs per offer billing term; the first is the default.
TERM_PAIRS = {
    "monthly": [("P1M", "monthly"), ("P1Y", "monthly"), ("P1Y", "annual")],
    "annual": [("P1Y", "annual"), ("P1Y", "monthly"), ("P3Y", "annual"), ("P3Y", "triennial")],
    "azure_plan": [("P1M", "monthly")],
}

# (offer SKU, SKU of the offer it upgrades to)
UPGRADES = [
    ("CFQ7TTC0LH18", "CFQ7TTC0LDPB"),  # Business Basic -> Business Standard
    ("CFQ7TTC0LDPB", "CFQ7TTC0LCHC"),  # Business Standard -> Business Premium
]
# Blue Yonder Inc, a Contoso Distribution customer associated with Fabrikam Solutions.
AZURE_CUSTOMER_DOMAIN = "blueyondercont.onmicrosoft.example"

PROVIDERS = [
    {
        "legal_name": "Contoso Distribution",
        "partner_id": "4100001",
        "location_id": "4100011",
        "domain": "contoso.example",
        "country": "US",
        "regions": "North America, Europe",
        "website": "https://contoso.example",
        "users": [
            ("admin", "Avery", "Admin", Role.GLOBAL_ADMIN),
            ("users", "Uma", "Users", Role.USER_ADMIN),
            ("agent", "Alex", "Agent", Role.ADMIN_AGENT),
            ("sales", "Sam", "Sales", Role.SALES_AGENT),
        ],
    },
    {
        "legal_name": "Northwind Cloud",
        "partner_id": "4200001",
        "location_id": "4200011",
        "domain": "northwind.example",
        "country": "JP",
        "regions": "Japan, Asia Pacific",
        "website": "https://northwind.example",
        "users": [("admin", "Naoko", "Admin", Role.GLOBAL_ADMIN)],
    },
]

RESELLERS = [
    # legal name, global id, location id, domain, country, partners, agreement accepted
    (
        "Fabrikam Solutions",
        "5100001",
        "5100011",
        "fabrikam.example",
        "US",
        ["Contoso Distribution"],
        True,
    ),
    (
        "Tailspin Toys IT",
        "5200001",
        "5200011",
        "tailspin.example",
        "GB",
        ["Contoso Distribution", "Northwind Cloud"],
        True,
    ),
    (
        "Adatum Consulting",
        "5300001",
        "5300011",
        "adatum.example",
        "DE",
        ["Contoso Distribution"],
        False,
    ),
    ("Litware Systems", "5400001", "5400011", "litware.example", "JP", ["Northwind Cloud"], True),
]

COMPANY_WORDS = [
    "Alpine",
    "Blue Yonder",
    "Coho",
    "Datum",
    "Easton",
    "Fourth Coffee",
    "Graphic",
    "Humongous",
    "Lamna",
    "Lucerne",
    "Margie",
    "Nod",
    "Proseware",
    "Relecloud",
    "Southridge",
    "Trey",
    "Wide World",
    "Wingtip",
    "Woodgrove",
    "Bellows",
]
SUFFIXES = ["Ltd", "Inc", "GmbH", "KK", "LLC"]
CITIES = [
    ("Seattle", "US", "98101"),
    ("London", "GB", "EC1A 1BB"),
    ("Berlin", "DE", "10115"),
    ("Tokyo", "JP", "100-0001"),
    ("Osaka", "JP", "530-0001"),
]


DEMO_ROLES = [
    "Directory Readers",
    "User Administrator",
    "License Administrator",
    "Helpdesk Administrator",
]


class Command(BaseCommand):
    help = "Create the demo organisations, sign-ins, catalogue, customers and subscriptions (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        rng = random.Random(2026)  # noqa: S311 - demo data, not a secret
        self.operator()
        offers = [self.offer(*row) for row in OFFERS]
        providers = {p["legal_name"]: self.provider(p) for p in PROVIDERS}
        resellers = {}
        for name, gid, lid, domain, country, partners, accepted in RESELLERS:
            reseller = self.organisation(
                kind=Organisation.Kind.RESELLER,
                legal_name=name,
                partner_id=gid,
                location_id=lid,
                domain=domain,
                country=country,
                accepted=accepted,
            )
            self.user(f"admin@{domain}", "Admin", name.split()[0], reseller, Role.GLOBAL_ADMIN)
            for provider_name in partners:
                provider = providers[provider_name]
                admin = Membership.objects.filter(
                    organisation=provider, role=Role.GLOBAL_ADMIN
                ).first()
                # Any status: the partnership the demo's handover removed stays removed.
                if not Partnership.objects.filter(provider=provider, reseller=reseller).exists():
                    partnership = Partnership.objects.create(
                        provider=provider, reseller=reseller, created_by=admin.user
                    )
                    # What accepting the invite records, so the demo's activity log has history.
                    for org in (provider, reseller):
                        record(
                            org=org,
                            actor=admin.user,
                            verb=Verb.PARTNERSHIP_CREATED,
                            obj=partnership,
                        )
            resellers[name] = reseller

        for provider in providers.values():
            partner_ids = Partnership.objects.filter(provider=provider, status="active").values(
                "reseller_id"
            )
            partnered = list(Organisation.objects.filter(pk__in=partner_ids).order_by("legal_name"))
            self.customers(provider, partnered, offers, rng)
        self.upgrade_paths()
        self.azure_plan_customer()
        self.renewal_examples()
        self.billing(providers, resellers, offers)
        self.finished_import(providers["Contoso Distribution"])
        self.reseller_relationship_request(
            providers["Contoso Distribution"], resellers["Fabrikam Solutions"]
        )
        self.finished_handover(providers["Northwind Cloud"], resellers["Tailspin Toys IT"])
        # The overview's summary rows, so the demo opens on its charts.
        overview_summaries.refresh()

        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/ with:")
        )
        rows = [
            ("admin@contoso.example", "Contoso Distribution", "Global admin"),
            ("users@contoso.example", "Contoso Distribution", "User management admin"),
            ("agent@contoso.example", "Contoso Distribution", "Admin agent"),
            ("sales@contoso.example", "Contoso Distribution", "Sales agent"),
            ("admin@northwind.example", "Northwind Cloud", "Global admin"),
            ("admin@fabrikam.example", "Fabrikam Solutions (reseller)", "Global admin"),
            ("admin@tailspin.example", "Tailspin Toys IT (reseller)", "Global admin"),
            ("admin@adatum.example", "Adatum Consulting (reseller)", "Global admin"),
            ("admin@litware.example", "Litware Systems (reseller)", "Global admin"),
            ("operator@portal.example", "platform operator", "Django admin at /admin/"),
        ]
        for email, org, role in rows:
            self.stdout.write(f"  {email:28} {org:32} {role}")
        self.stdout.write(f"  password for all: {PASSWORD}")

    def operator(self):
        User = get_user_model()
        user = User.objects.filter(email="operator@portal.example").first()
        if user is None:
            User.objects.create_superuser(
                username="operator@portal.example",
                email="operator@portal.example",
                password=PASSWORD,
                first_name="Platform",
                last_name="Operator",
            )

    def offer(self, name, sku, min_l, max_l, term, kind):
        offer, _ = Offer.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name,
                "min_licences": min_l,
                "max_licences": max_l,
                "billing_term": term,
                "kind": kind,
            },
        )
        pairs = TERM_PAIRS["azure_plan" if kind == "azure_plan" else term]
        for position, (term_, frequency) in enumerate(pairs):
            OfferTerm.objects.get_or_create(
                offer=offer,
                term=term_,
                billing_frequency=frequency,
                defaults={"position": position},
            )
        return offer

    def organisation(
        self,
        *,
        kind,
        legal_name,
        partner_id,
        location_id,
        domain,
        country,
        accepted=True,
        **profile,
    ):
        org, created = Organisation.objects.get_or_create(
            partner_id=partner_id,
            defaults={
                "kind": kind,
                "legal_name": legal_name,
                "contact_email": f"partners@{domain}",
                "country": country,
                # Demo sign-ins use a password alone; README: MFA explains turning it on.
                "require_mfa": False,
            },
        )
        if created:
            if accepted:
                org.agreement_accepted_at = timezone.now() - timedelta(days=200)
                org.agreement_version = agreement.CURRENT.version
            for key, value in profile.items():
                setattr(org, key, value)
            org.save()
        PartnerLocation.objects.get_or_create(
            location_partner_id=location_id,
            defaults={"organisation": org, "name": f"{legal_name} HQ", "country": country},
        )
        return org

    def provider(self, spec):
        org = self.organisation(
            kind=Organisation.Kind.PROVIDER,
            legal_name=spec["legal_name"],
            partner_id=spec["partner_id"],
            location_id=spec["location_id"],
            domain=spec["domain"],
            country=spec["country"],
            directory_listed=True,
            directory_name=spec["legal_name"],
            directory_regions=spec["regions"],
            directory_website=spec["website"],
            directory_contact=f"partners@{spec['domain']}",
            directory_description=f"{spec['legal_name']} serves indirect resellers in {spec['regions']}.",
        )
        for local, first, last, role in spec["users"]:
            self.user(f"{local}@{spec['domain']}", first, last, org, role)
        return org

    def user(self, email, first, last, org, role):
        User = get_user_model()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                username=email, email=email, password=PASSWORD, first_name=first, last_name=last
            )
        Membership.objects.get_or_create(user=user, defaults={"organisation": org, "role": role})
        return user

    def customers(self, provider, partnered, offers, rng):
        admin = (
            Membership.objects.filter(organisation=provider, role=Role.GLOBAL_ADMIN).first().user
        )
        seat_offers = [o for o in offers if o.kind == Offer.Kind.SEATS]
        tag = provider.legal_name.split()[0].lower()
        for i in range(20):
            word = COMPANY_WORDS[i]
            prefix = f"{word.lower().replace(' ', '')}{tag[:4]}"
            domain = f"{prefix}.onmicrosoft.example"
            if Customer.objects.filter(primary_domain=domain).exists():
                continue
            reseller = partnered[i % len(partnered)] if partnered and i % 4 != 3 else None
            city, country, postal = CITIES[i % len(CITIES)]
            customer = Customer.objects.create(
                provider=provider,
                reseller=reseller,
                company_name=f"{word} {SUFFIXES[i % len(SUFFIXES)]}",
                primary_domain=domain,
                street=f"{10 + i} Main Street",
                city=city,
                postal_code=postal,
                country=country,
                contact_first_name="Jordan",
                contact_last_name=word.split()[0],
                contact_email=f"it@{prefix}.example",
                contact_phone="+1 555 0100",
                admin_username=f"admin@{domain}",
                created_by=admin,
            )
            for org in filter(None, (provider, reseller)):
                record(org=org, actor=admin, verb=Verb.CUSTOMER_CREATED, obj=customer)
            self._admin_relationships(customer, provider, reseller, admin, i)
            location = reseller.locations.first() if reseller else None
            order = Order.objects.create(
                provider=provider,
                customer=customer,
                idempotency_key=self._key(domain),
                submitted_by=admin,
            )
            for j in range(3 if i < 10 else 2):
                offer = seat_offers[(i + j * 3) % len(seat_offers)]
                quantity = rng.randint(offer.min_licences, min(offer.max_licences, 250))
                line = OrderLine.objects.create(
                    order=order, offer=offer, quantity=quantity, reseller=reseller
                )
                pairs = TERM_PAIRS[offer.billing_term]
                term, frequency = pairs[(i + j) % len(pairs)]
                start, added = self._term_dates(term, rng, recent=(i + j) % 6 == 0)
                subscription = Subscription.objects.create(
                    provider=provider,
                    customer=customer,
                    offer=offer,
                    order_line=line,
                    quantity=quantity,
                    status="suspended" if (i + j) % 11 == 5 else "active",
                    reseller_location=location,
                    support_contact=reseller or provider,
                    term=term,
                    billing_frequency=frequency,
                    term_start=start,
                    term_end=term_end_for(start, term),
                )
                # A purchase made this week, or licences added two days ago: open windows.
                for at, seats in ((start, quantity), (added, 5)):
                    if at is not None and at > timezone.now() - timedelta(days=7):
                        SeatAddition.objects.create(
                            subscription=subscription,
                            seats=seats,
                            added_at=at,
                            window_closes_at=window_closes_at(at),
                        )
                if added is not None:
                    subscription.quantity += 5
                    subscription.save(update_fields=["quantity"])

    def billing(self, providers, resellers, offers):
        """Prices (Contoso in USD, Northwind in JPY), tiers, and two months of charges:
        last month's statements closed, this month's open."""
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
        from devdata.billing_load import FREQUENCY_MONTHS, MONTHLY_USD, last_month

        today = timezone.localdate()
        since = today.replace(day=1) - timedelta(days=365)
        for provider, currency, rate in (
            (providers["Contoso Distribution"], "USD", Decimal(1)),
            (providers["Northwind Cloud"], "JPY", Decimal(150)),
        ):
            if PriceListEntry.objects.filter(provider=provider).exists():
                return
            ProviderCurrency.objects.create(provider=provider, currency=currency)
            for index, offer in enumerate(offers):
                monthly = Decimal(MONTHLY_USD[index % len(MONTHLY_USD)]) * rate
                for term, frequency in TERM_PAIRS[
                    "azure_plan" if offer.kind == Offer.Kind.AZURE_PLAN else offer.billing_term
                ]:
                    price = (monthly * FREQUENCY_MONTHS[frequency]).quantize(
                        Decimal(1) if currency == "JPY" else Decimal("0.01")
                    )
                    PriceListEntry.objects.create(
                        provider=provider,
                        offer=offer,
                        term=term,
                        billing_frequency=frequency,
                        cost=(price * Decimal("0.82")).quantize(price),
                        reseller_price=price,
                        retail_price=(price * Decimal("1.2")).quantize(price),
                        effective_from=since,
                    )
            gold = Tier.objects.create(provider=provider, name="Gold", percent_off=Decimal(12))
            Tier.objects.create(provider=provider, name="Silver", percent_off=Decimal(6))
            entry = PriceListEntry.objects.filter(provider=provider, offer=offers[0]).first()
            TierPrice.objects.create(
                tier=gold,
                offer=offers[0],
                price=(entry.reseller_price * Decimal("0.85")).quantize(entry.reseller_price),
                effective_from=since,
            )
        contoso = providers["Contoso Distribution"]
        PartnershipTier.objects.create(
            provider=contoso,
            reseller=resellers["Fabrikam Solutions"],
            tier=Tier.objects.get(provider=contoso, name="Gold"),
        )
        ResellerPrice.objects.create(
            provider=contoso,
            reseller=resellers["Tailspin Toys IT"],
            offer=offers[1],
            price=Decimal("11.25"),
            effective_from=since,
        )
        previous = last_month(today)
        live = Subscription.objects.filter(status__in=["active", "suspended"]).select_related(
            "provider", "offer", "reseller_location__organisation"
        )
        for day in (previous, today.replace(day=1)):
            with transaction.atomic():
                charges = [
                    charge
                    for sub in live.order_by("id")
                    if (
                        charge := billing.build_charge(
                            subscription=sub,
                            kind=Charge.Kind.PERIOD,
                            quantity=sub.quantity,
                            on=day,
                            full_period=True,
                        )
                    )
                ]
                Charge.objects.bulk_create(billing.place_charges(charges))
            if day == previous:
                billing.statements_close_month(month=previous)

    def finished_import(self, provider):
        """One customers import, run to the end, with a row the preview refused (Imports page)."""
        from jobs import services as job_services
        from jobs.models import Job

        if Job.objects.for_org(provider).exists():
            return
        admin = Membership.objects.filter(organisation=provider, role=Role.GLOBAL_ADMIN).first()
        header = (
            "Company name,Primary domain,Street,City,Postal code,Country,"
            "Contact first name,Contact last name,Contact email,Offer SKU,Licences"
        )
        rows = [
            "Alpine Ski House,alpineskihouse,1 Ski Road,Denver,80201,US,Ann,Beebe,ann@alpine.example,,",
            "ブルーヤンダー株式会社,blueyonderjp,1-1 Marunouchi,Tokyo,100-0005,JP,Yuki,Tanaka,yuki@blueyonder.example,,",
            "Bad Row Ltd,x,,,,,,,not-an-email,,",
        ]
        raw = ("\r\n".join([header, *rows]) + "\r\n").encode()
        job = job_services.job_check_upload(
            org=provider,
            actor=admin.user,
            kind=Job.Kind.CUSTOMERS,
            file_name="new-customers.csv",
            raw=raw,
        )
        job_services.job_start(job=job, actor=admin.user)
        job_services.job_run(job_id=job.pk)

    def reseller_relationship_request(self, provider, reseller):
        """One pending reseller relationship request: its email, with the link, is in the dev mailbox."""
        from customers.models import ResellerRelationshipRequest
        from customers.services import (
            RelationshipRequestDetails,
            reseller_relationship_request_send,
        )

        domain = "adventureworks.onmicrosoft.example"
        if ResellerRelationshipRequest.objects.filter(primary_domain=domain).exists():
            return
        admin = Membership.objects.get(
            organisation=provider, user__email="admin@contoso.example"
        ).user
        reseller_relationship_request_send(
            provider=provider,
            reseller=reseller,
            actor=admin,
            actor_org=provider,
            details=RelationshipRequestDetails(
                company_name="Adventure Works Cycles",
                primary_domain=domain,
                contact_first_name="Mio",
                contact_last_name="Tanaka",
                contact_email="it@adventureworks.example",
                language="ja",
            ),
        )

    def finished_handover(self, provider, reseller):
        """The partnership's removal with a handover, run to the end (undoable for 7 days):
        its customers kept with the provider, one of them reassigned to another reseller."""
        from jobs import services as job_services
        from partners import handover as ho
        from partners.models import Handover

        if Handover.objects.for_org(provider).exists():
            return
        partnership = Partnership.objects.filter(
            provider=provider, reseller=reseller, status="active"
        ).first()
        if partnership is None:
            return
        admin = Membership.objects.filter(organisation=provider, role=Role.GLOBAL_ADMIN).first()
        handover = ho.handover_plan(
            partnership=partnership, actor=admin.user, decision=ho.Decision.PROVIDER
        )
        first = (
            Customer.objects.filter(provider=provider, reseller=reseller)
            .order_by("company_name")
            .first()
        )
        other = (
            PartnerLocation.objects.filter(
                organisation__in=Partnership.objects.filter(provider=provider, status="active")
                .exclude(reseller=reseller)
                .values("reseller_id"),
                organisation__agreement_accepted_at__isnull=False,
            )
            .order_by("location_partner_id")
            .first()
        )
        if first is not None and other is not None:
            ho.handover_set_decision(
                handover=handover,
                customer_id=first.uuid,
                decision=ho.Decision.REASSIGN,
                location_partner_id=other.location_partner_id,
                actor=admin.user,
            )
        ho.handover_start(handover=handover, actor=admin.user)
        job_services.job_run(job_id=handover.job_id)

    def upgrade_paths(self):
        """Business Basic upgrades to Standard, Standard to Premium."""
        skus = {sku for pair in UPGRADES for sku in pair}
        by_sku = {o.sku: o for o in Offer.objects.filter(sku__in=skus)}
        for sku, target in UPGRADES:
            by_sku[sku].upgrades_to.add(by_sku[target])

    def azure_plan_customer(self):
        """One Contoso customer, associated with Fabrikam, also holds an Azure plan."""
        customer = Customer.objects.select_related("provider", "reseller").get(
            primary_domain=AZURE_CUSTOMER_DOMAIN
        )
        offer = Offer.objects.get(kind=Offer.Kind.AZURE_PLAN)
        if Subscription.objects.filter(customer=customer, offer=offer).exists():
            return
        order = Order.objects.create(
            provider=customer.provider,
            customer=customer,
            idempotency_key=self._key(f"azure.{AZURE_CUSTOMER_DOMAIN}"),
            submitted_by=customer.created_by,
        )
        line = OrderLine.objects.create(
            order=order, offer=offer, quantity=1, reseller=customer.reseller
        )
        Subscription.objects.create(
            provider=customer.provider,
            customer=customer,
            offer=offer,
            order_line=line,
            quantity=1,
            reseller_location=customer.reseller.locations.first(),
            support_contact=customer.reseller,
            term_start=customer.created_at,
            term_end=term_end_for(customer.created_at, "P1M"),
        )

    @staticmethod
    def _term_dates(term, rng, *, recent):
        """A term start spread over the term (or within the last three days), and when
        licences were added (two days ago, for some), so the demo shows open windows."""
        now = timezone.now()
        if recent:
            return now - timedelta(hours=rng.randint(2, 72)), None
        days = TERM_MONTHS[term] * 30
        start = now - timedelta(days=rng.randint(3, days - 5), hours=rng.randint(0, 23))
        added = now - timedelta(days=2) if rng.random() < 0.2 else None
        return start, added

    def renewal_examples(self):
        """Contoso's first customer: one subscription renewing tomorrow, one with a change
        scheduled for its renewal, one with auto-renew off."""
        customer = (
            Customer.objects.filter(provider__legal_name="Contoso Distribution")
            .order_by("created_at", "id")
            .first()
        )
        subs = list(customer.subscriptions.filter(status="active").order_by("id")[:3])
        if len(subs) < 3 or ScheduledChange.objects.filter(subscription__in=subs).exists():
            return
        tomorrow, scheduled, ending = subs
        # A month's term whose last day is tomorrow: it renews at the midnight after.
        today = timezone.now().astimezone(term_zone()).date()
        start_day = next(
            today - timedelta(days=back)
            for back in range(27, 32)
            if term_last_day(today - timedelta(days=back), 1) == today + timedelta(days=1)
        )
        start = timezone.make_aware(
            timezone.datetime.combine(start_day, timezone.datetime.min.time()), term_zone()
        ) + timedelta(hours=10)
        tomorrow.term, tomorrow.billing_frequency = "P1M", "monthly"
        tomorrow.term_start, tomorrow.term_end = start, term_end_for(start, "P1M")
        tomorrow.save()
        admin = customer.created_by
        pair = scheduled.offer.terms.exclude(
            term=scheduled.term, billing_frequency=scheduled.billing_frequency
        ).first()
        change = ScheduledChange.objects.create(
            subscription=scheduled,
            quantity=scheduled.quantity + 5,
            offer=scheduled.offer,
            term=pair.term if pair else scheduled.term,
            billing_frequency=pair.billing_frequency if pair else scheduled.billing_frequency,
            created_by=admin,
        )
        record(
            org=customer.provider,
            actor=admin,
            verb=Verb.SUBSCRIPTION_CHANGE_SCHEDULED,
            obj=scheduled,
            after={"quantity": change.quantity, "term": change.term},
        )
        ending.auto_renew = False
        ending.save(update_fields=["auto_renew"])
        record(
            org=customer.provider,
            actor=admin,
            verb=Verb.SUBSCRIPTION_AUTO_RENEW_CHANGED,
            obj=ending,
            before={"auto_renew": "on"},
            after={"auto_renew": "off"},
        )

    def _admin_relationships(self, customer, provider, reseller, admin, i):
        """Relationships in every state: the first customers each get one of the rarer ones."""
        Status = AdminRelationship.Status
        now = timezone.now()
        roles = list(AdminRole.objects.filter(name_en__in=DEMO_ROLES))
        prefix = customer.primary_domain.split(".")[0]
        special = {
            0: (provider, Status.EXPIRING, 5),  # expiring in 5 days
            1: (provider, Status.APPROVAL_PENDING, None),
            2: (reseller, Status.CREATED, None),  # awaiting the reseller's consent
            3: (provider, Status.EXPIRED, -10),
            4: (provider, Status.TERMINATED, 200),
            5: (provider, Status.TERMINATION_REQUESTED, 300),
        }
        partner, status, days_left = special.get(i, (provider, Status.ACTIVE, 400 - i * 7))
        if partner is None:
            partner, status, days_left = provider, Status.ACTIVE, 400
        pending = status in AdminRelationship.PENDING_STATUSES
        relationship = AdminRelationship.objects.create(
            customer=customer,
            partner=partner,
            display_name=f"{prefix} admin access"[:50],
            duration_days=730 if days_left is None or days_left < 700 else 730,
            auto_extend=i % 5 == 4,
            status=status,
            created_by=admin,
            requested_at=None if status == Status.CREATED else now - timedelta(days=2),
            approved_at=None if pending else now - timedelta(days=730 - (days_left or 0)),
            approved_by="" if pending else customer.contact_email,
            ends_at=None if pending else now + timedelta(days=days_left),
            terminated_at=now - timedelta(days=1)
            if status in (Status.TERMINATED, Status.TERMINATION_REQUESTED)
            else None,
            terminated_by_name=admin.display_name
            if status in (Status.TERMINATED, Status.TERMINATION_REQUESTED)
            else "",
            approval_token_hash=hash_token(secrets.token_urlsafe(32)),
        )
        relationship.roles.set(roles)
        record(org=provider, actor=admin, verb=Verb.ADMIN_RELATIONSHIP_REQUESTED, obj=relationship)
        if reseller is not None and i not in special:
            reseller_rel = AdminRelationship.objects.create(
                customer=customer,
                partner=reseller,
                display_name=f"{prefix} reseller access"[:50],
                duration_days=365,
                status=Status.ACTIVE,
                created_by=admin,
                requested_at=now - timedelta(days=30),
                approved_at=now - timedelta(days=29),
                approved_by=customer.contact_email,
                ends_at=now + timedelta(days=336),
            )
            reseller_rel.roles.set(roles[:2])
            record(
                org=reseller, actor=admin, verb=Verb.ADMIN_RELATIONSHIP_APPROVED, obj=reseller_rel
            )

    @staticmethod
    def _key(domain):
        import uuid

        return uuid.uuid5(uuid.NAMESPACE_DNS, f"seed-order.{domain}")
