"""Distributor-scale load data for the performance benchmark, written with PostgreSQL COPY.

The default run builds 20 providers, 10,000 resellers (one location each,
partnerships spread across providers, about 10% removed), 200,000 customers,
1,000,000 subscriptions and 100,000 activity events, plus staff sign-ins.
Orders are not generated: no benchmarked page reads them, and a
subscription's order line is optional.

Shape the benchmark relies on:
- provider 1 is "big": it owns about 25% of the customers (and of the
  resellers' partnerships);
- reseller 1 is partnered with provider 1 only and holds exactly 2.5% of all
  customers (5,000 by default);
- Microsoft 365 Business Basic is the most common offer (~40%), so provider 1
  has about 100,000 subscriptions of it.
- Terms: 5% of the subscriptions are asked for monthly (P1M), 80% one-year,
  15% three-year, each in one of its offer's (term, billing frequency) pairs
  (an offer not sold in that term takes one year: 4.6% P1M, 91.4% P1Y, 4.0%
  P3Y by default), the current term started at a uniformly random point of
  its length before today: term ends fall on every day of the coming year,
  about 3,850 live ones (0.4%) a day, what the renewal job renews in a day.
  One in ten has auto-renew off; 3% of the live ones have a change scheduled for the renewal.

Sign-ins (password ``Load-Portal-2026``): admin@provider-<n>.load.example
(Global admin of provider n), users@ / agent@ / sales@provider-1.load.example
(the other roles of provider 1), admin@reseller-<n>.load.example (Global admin
of reseller n, for the first --reseller-admins resellers).

Everything happens in one transaction. The big tables are loaded without
their secondary indexes and foreign keys, which are recreated afterwards: the
database validates every row then, and the run takes about 1.5 minutes on two
cores instead of 3.5–6 with per-row index and foreign-key maintenance.

The same --seed gives the same rows; timestamps are relative to the start of
the current UTC day and spread over the three years before it.
"""

import random
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

from billing.models import Charge
from customers.models import Customer
from devdata.billing_load import BillingLoad
from devdata.management.commands.seed_demo import OFFERS, TERM_PAIRS
from partners.models import Membership, Organisation, PartnerLocation, Partnership
from portal.audit import Verb
from portal.models import ActivityEvent
from portal.roles import Role
from relationships.models import AdminRelationship
from subscriptions.models import Offer, OfferTerm, ScheduledChange, Subscription
from subscriptions.terms import term_end_for

PASSWORD = "Load-Portal-2026"
EMAIL_DOMAIN = "load.example"
SPAN = timedelta(days=3 * 365)
SPAN_SECONDS = SPAN.total_seconds()

# Digits-only partner IDs: the first two digits say what the ID is, so global
# and location IDs of providers and resellers can never collide.
PROVIDER_GLOBAL, PROVIDER_LOCATION = "60", "61"
RESELLER_GLOBAL, RESELLER_LOCATION = "70", "71"
MAX_ORGS_PER_KIND = 999_999

BIG_PROVIDER_SHARE = 0.25
BIG_RESELLER_SHARE = 0.025
ASSOCIATED_SHARE = 0.70
REMOVED_SHARE = 0.10
# The big tables: loaded without their secondary indexes and foreign keys, which are
# rebuilt (and so checked) afterwards, far faster than maintained row by row.
BULK_MODELS = [Customer, AdminRelationship, Subscription, ScheduledChange, Charge, ActivityEvent]
# Migrated-style admin access: what every generated relationship holds.
LOAD_ROLES = [
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",  # Directory Readers
    "fe930be7-5e62-47db-91af-98c3a49a38b1",  # User Administrator
    "4d6ac14f-3453-41d0-bef9-a3e0c569773a",  # License Administrator
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",  # Helpdesk Administrator
]
# Relative frequency of each offer, in OFFERS order: the small-business suites dominate.
OFFER_WEIGHTS = [40, 20, 12, 8, 4, 6, 4, 3, 2, 1]
STATUS_WEIGHTS = [("active", 90), ("suspended", 6), ("cancelled", 4)]
# Share of subscriptions asked for per term: about 0.4% of all terms end on a given day.
TERM_WEIGHTS = [("P1M", 5), ("P1Y", 80), ("P3Y", 15)]
# Days a term's start is spread over: the longest the term can be (a term that has
# ended by then is followed by the next one, as the renewal job would have done).
TERM_SPREAD_DAYS = {"P1M": 31, "P1Y": 366, "P3Y": 3 * 365 + 1}
AUTO_RENEW_OFF_SHARE = 0.10
SCHEDULED_CHANGE_SHARE = 0.03

# Consonant–vowel syllables make pronounceable company names with many distinct prefixes.
SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
# fmt: off
CUSTOMER_TRADES = [
    "Architects", "Bakery", "Capital", "Clinic", "Consulting", "Dental", "Design", "Energy",
    "Engineering", "Foods", "Health", "Hotels", "Labs", "Legal", "Logistics", "Media", "Motors",
    "Retail", "Studio", "Textiles", "Travel",
]
RESELLER_TRADES = ["IT", "Cloud", "Tech", "Networks", "Digital", "Computing", "Systems"]
COMPANY_SUFFIXES = ["Ltd", "Inc", "GmbH", "KK", "LLC", "SAS", "BV", "Pty Ltd", "AB", "Oy"]
FIRST_NAMES = [
    "Aiko", "Alex", "Amara", "Ben", "Carla", "Dana", "Eli", "Emma", "Finn", "Hana", "Hiro",
    "Ines", "Jonas", "Kai", "Lara", "Leo", "Maya", "Mia", "Noah", "Nora", "Omar", "Pia", "Ravi",
    "Sara", "Sven", "Taro", "Uma", "Yuki", "Zoe",
]
LAST_NAMES = [
    "Andersen", "Bauer", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hayashi", "Ito",
    "Jensen", "Kato", "Larsen", "Meyer", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Sato",
    "Schmidt", "Tanaka", "Vogel", "Walker", "Yamamoto", "Zhang",
]
# fmt: on
STREETS = ["Main Street", "High Street", "Station Road", "Park Avenue", "Harbour Way", "Mill Lane"]
CITIES = [
    # city, country, postal code, language
    ("Seattle", "US", "98101", "en"),
    ("New York", "US", "10001", "en"),
    ("London", "GB", "EC1A 1BB", "en"),
    ("Manchester", "GB", "M1 1AE", "en"),
    ("Berlin", "DE", "10115", "en"),
    ("Munich", "DE", "80331", "en"),
    ("Paris", "FR", "75001", "en"),
    ("Amsterdam", "NL", "1012 JS", "en"),
    ("Stockholm", "SE", "111 20", "en"),
    ("Madrid", "ES", "28013", "en"),
    ("Sydney", "AU", "2000", "en"),
    ("Toronto", "CA", "M5H 2N2", "en"),
    ("Tokyo", "JP", "100-0001", "ja"),
    ("Osaka", "JP", "530-0001", "ja"),
    ("Nagoya", "JP", "450-0002", "ja"),
]
# The activity a provider's log shows most, then a reseller's; (verb, object type).
PROVIDER_VERBS = [
    (Verb.SUBSCRIPTION_QUANTITY_CHANGED, "subscription"),
    (Verb.SUBSCRIPTION_CREATED, "subscription"),
    (Verb.ORDER_SUBMITTED, "customer"),
    (Verb.CUSTOMER_CREATED, "customer"),
    (Verb.CUSTOMER_RESELLER_CHANGED, "customer"),
    (Verb.SUBSCRIPTION_SUPPORT_CONTACT_CHANGED, "subscription"),
    (Verb.PARTNERSHIP_REQUEST_SENT, "partnershiprequest"),
    (Verb.PARTNERSHIP_CREATED, "partnership"),
    (Verb.PARTNERSHIP_REMOVED, "partnership"),
    (Verb.MEMBERSHIP_ROLE_CHANGED, "membership"),
]
RESELLER_VERBS = [
    (Verb.PARTNERSHIP_REQUEST_ACCEPTED, "partnershiprequest"),
    (Verb.STAFF_INVITATION_SENT, "staffinvitation"),
    (Verb.MEMBERSHIP_ROLE_CHANGED, "membership"),
    (Verb.USER_PASSWORD_CHANGED, "user"),
]


class Command(BaseCommand):
    help = (
        "Generate distributor-scale load data into PostgreSQL with COPY "
        "(20 providers, 10,000 resellers, 200,000 customers, 1,000,000 subscriptions by default)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--providers", type=int, default=20)
        parser.add_argument("--resellers", type=int, default=10_000)
        parser.add_argument("--customers", type=int, default=200_000)
        parser.add_argument("--subscriptions", type=int, default=1_000_000)
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument(
            "--reseller-admins",
            type=int,
            default=300,
            help="How many resellers (the first ones) get a Global admin sign-in.",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the organisation, customer, subscription and activity tables first.",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_load_data writes with PostgreSQL COPY and refuses to run on "
                f"{connection.vendor}. Point DATABASE_URL at PostgreSQL, e.g. "
                "DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_load"
            )
        sizes = {
            key: options[key]
            for key in (
                "providers",
                "resellers",
                "customers",
                "subscriptions",
                "events",
                "reseller_admins",
            )
        }
        if sizes["providers"] < 1 or sizes["resellers"] < 1:
            raise CommandError("--providers and --resellers must be at least 1.")
        if max(sizes["providers"], sizes["resellers"]) > MAX_ORGS_PER_KIND:
            raise CommandError(f"At most {MAX_ORGS_PER_KIND:,} providers and resellers each.")
        if min(sizes.values()) < 0:
            raise CommandError("Sizes cannot be negative.")
        if sizes["subscriptions"] and not sizes["customers"]:
            raise CommandError("Subscriptions need customers: give --customers too.")

        started = time.monotonic()
        with transaction.atomic():
            if options["reset"]:
                self.reset()
            elif Organisation.objects.exists() or load_users().exists():
                raise CommandError(
                    "The database already holds organisations or load-data sign-ins; "
                    "run with --reset to replace them."
                )
            rng = random.Random(options["seed"])  # noqa: S311 - repeatable load data, not a secret
            loader = LoadData(rng=rng, out=self.stdout, **sizes)
            with connection.cursor() as cursor:
                # Check the small tables' foreign keys per statement rather than queue
                # them to the commit, and give the index rebuilds room to sort.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            with self.indexes_rebuilt_after(BULK_MODELS):
                loader.run()
            self.reset_sequences(loader.written_models)
        self.analyze(loader.written_models)
        self.stdout.write(
            self.style.SUCCESS(f"Load data ready in {time.monotonic() - started:.1f} s.")
        )
        loader.write_summary()

    def reset(self):
        """Empty every table the generator writes, and everything hanging off them."""
        models = [
            *apps.get_app_config("billing").get_models(),
            *apps.get_app_config("partners").get_models(),
            *apps.get_app_config("customers").get_models(),
            *apps.get_app_config("subscriptions").get_models(),
            apps.get_model("portal", "ActivityEvent"),
            apps.get_model("portal", "OutboundEmail"),
        ]
        tables = SQL(", ").join(Identifier(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables))
        # Through the ORM, so rows other apps keep about these users follow them.
        load_users().delete()
        self.stdout.write("Emptied the generated tables.")

    @contextmanager
    def indexes_rebuilt_after(self, models):
        """Drop the tables' foreign keys, unique constraints and other indexes; recreate them after.

        Recreating a foreign key or a unique constraint validates every row, so
        the data is checked exactly as if the constraints had stayed.
        """
        dropped = []
        with connection.cursor() as cursor:
            for model in models:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
                    [table],
                )
                constraints = cursor.fetchall()
                cursor.execute(
                    "SELECT relname, pg_get_indexdef(indexrelid)"
                    " FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid"
                    " WHERE indrelid = %s::regclass AND NOT indisprimary AND indexrelid NOT IN"
                    " (SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass)"
                    " ORDER BY relname",
                    [table, table],
                )
                indexes = cursor.fetchall()
                for name, _definition in constraints:
                    cursor.execute(
                        SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                            Identifier(table), Identifier(name)
                        )
                    )
                for name, _definition in indexes:
                    cursor.execute(SQL("DROP INDEX {}").format(Identifier(name)))
                dropped.append((table, constraints, indexes))
        yield
        started = time.monotonic()
        with connection.cursor() as cursor:
            for table, constraints, indexes in dropped:
                for _name, definition in indexes:
                    cursor.execute(definition)
                # Unique constraints before foreign keys: a foreign key may point at one.
                for name, definition in sorted(constraints, key=lambda c: c[1].startswith("F")):
                    cursor.execute(
                        SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                            Identifier(table), Identifier(name), SQL(definition)
                        )
                    )
        self.stdout.write(
            f"Rebuilt indexes and checked constraints in {time.monotonic() - started:.1f} s."
        )

    def reset_sequences(self, models):
        """Point each identity sequence past the explicit ids COPY wrote."""
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)

    def analyze(self, models):
        """Fresh statistics and visibility maps, so the planner sees the real sizes at once."""
        started = time.monotonic()
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(SQL("VACUUM (ANALYZE) {}").format(Identifier(model._meta.db_table)))
        self.stdout.write(f"VACUUM (ANALYZE) in {time.monotonic() - started:.1f} s.")


def load_users():
    return get_user_model().objects.filter(email__endswith=f".{EMAIL_DOMAIN}")


class LoadData:
    """Builds the data set in dependency order, each table in one COPY."""

    def __init__(
        self, *, rng, out, providers, resellers, customers, subscriptions, events, reseller_admins
    ):
        self.rng = rng
        self.out = out
        self.n_providers = providers
        self.n_resellers = resellers
        self.n_customers = customers
        self.n_subscriptions = subscriptions
        self.n_events = events
        self.n_reseller_admins = min(reseller_admins, resellers)
        self.now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.start = self.now - SPAN
        self.written_models = []
        self.counts = {}

    def run(self):
        self.offers()
        self.organisations()
        self.users()
        self.partnerships()
        self.customers()
        self.subscriptions()
        BillingLoad(self).run()
        self.events()

    # -- helpers -------------------------------------------------------------------------

    def uuid(self):
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def moment(self, after=None):
        """A time between ``after`` (default: three years ago) and the start of today."""
        after = after or self.start
        span = (self.now - after).total_seconds()
        return after + timedelta(seconds=self.rng.random() * span)

    def next_id(self, model):
        with connection.cursor() as cursor:
            cursor.execute(
                SQL("SELECT COALESCE(MAX({}), 0) + 1 FROM {}").format(
                    Identifier(model._meta.pk.column), Identifier(model._meta.db_table)
                )
            )
            return cursor.fetchone()[0]

    def company_stem(self):
        count = 2 if self.rng.random() < 0.6 else 3
        return "".join(self.rng.choice(SYLLABLES) for _ in range(count)).capitalize()

    def copy(self, model, names, rows):
        """COPY ``rows`` (tuples in ``names`` order) into ``model``'s table.

        Columns not named get the field's constant default, so a field added
        later with a default needs no change here.
        """
        started = time.monotonic()
        meta = model._meta
        fields = [meta.get_field(name) for name in names]
        extra_fields, extra_values = [], []
        for field in meta.concrete_fields:
            if field.name in names or field.db_default is not NOT_PROVIDED:
                continue
            if field.has_default() and callable(field.default):
                if field.null:
                    continue
                raise CommandError(f"{meta.label}.{field.name} needs a value from the generator.")
            extra_fields.append(field)
            extra_values.append(field.get_db_prep_save(field.get_default(), connection))
        columns = SQL(", ").join(Identifier(f.column) for f in fields + extra_fields)
        statement = SQL("COPY {} ({}) FROM STDIN").format(Identifier(meta.db_table), columns)
        extra = tuple(extra_values)
        count = 0
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row + extra)
                count += 1
        if model not in self.written_models:
            self.written_models.append(model)
        self.counts[meta.label] = self.counts.get(meta.label, 0) + count
        self.out.write(
            f"  {meta.label:28} {count:>10,} rows in {time.monotonic() - started:6.1f} s"
        )

    # -- tables --------------------------------------------------------------------------

    def offers(self):
        first = self.next_id(Offer)
        self.offer_rows = []
        rows = []
        self.offer_pairs = {}
        for i, (name, sku, min_l, max_l, term, kind) in enumerate(OFFERS):
            self.offer_rows.append((first + i, min_l, max_l, name))
            rows.append(
                (first + i, self.uuid(), name, sku, kind, min_l, max_l, term, True, self.start)
            )
            self.offer_pairs[first + i] = TERM_PAIRS["azure_plan" if kind == "azure_plan" else term]
        self.copy(
            Offer,
            [
                "id",
                "uuid",
                "name",
                "sku",
                "kind",
                "min_licences",
                "max_licences",
                "billing_term",
                "is_active",
                "created_at",
            ],
            rows,
        )
        first_term = self.next_id(OfferTerm)
        term_rows = [
            (offer_id, term, frequency, position)
            for offer_id, pairs in self.offer_pairs.items()
            for position, (term, frequency) in enumerate(pairs)
        ]
        self.copy(
            OfferTerm,
            ["id", "offer", "term", "billing_frequency", "position"],
            [(first_term + n, *row) for n, row in enumerate(term_rows)],
        )

    def organisations(self):
        rng = self.rng
        first_org = self.next_id(Organisation)
        first_location = self.next_id(PartnerLocation)
        self.provider_ids = [first_org + i for i in range(self.n_providers)]
        self.reseller_ids = [first_org + self.n_providers + i for i in range(self.n_resellers)]
        self.org_created = {}
        self.org_name = {}
        self.location_of = {}
        orgs, locations = [], []
        for n, org_id in enumerate(self.provider_ids, start=1):
            # Providers are the oldest tenants: all enrolled in the first month.
            created = self.start + timedelta(seconds=rng.random() * 30 * 86400)
            self.org_created[org_id] = created
            name = f"{self.company_stem()} Distribution"
            self.org_name[org_id] = name
            city, country, _postal, _lang = rng.choice(CITIES)
            domain = f"provider-{n}.{EMAIL_DOMAIN}"
            orgs.append(
                (
                    org_id,
                    self.uuid(),
                    Organisation.Kind.PROVIDER,
                    name,
                    f"{PROVIDER_GLOBAL}{n:06d}",
                    f"partners@{domain}",
                    country,
                    "active",
                    created,
                    created,
                    True,
                    name,
                    f"{city} and surrounding regions",
                    f"https://{domain}",
                    f"partners@{domain}",
                    f"{name} serves indirect resellers from {city}.",
                    False,
                )
            )
            locations.append(self.location_row(first_location + n - 1, org_id, name, n, created))
        for n, org_id in enumerate(self.reseller_ids, start=1):
            created = self.moment()
            self.org_created[org_id] = created
            name = (
                f"{self.company_stem()} {rng.choice(RESELLER_TRADES)} "
                f"{rng.choice(COMPANY_SUFFIXES)}"
            )
            self.org_name[org_id] = name
            accepted = created + timedelta(days=rng.randint(0, 20)) if rng.random() < 0.95 else None
            orgs.append(
                (
                    org_id,
                    self.uuid(),
                    Organisation.Kind.RESELLER,
                    name,
                    f"{RESELLER_GLOBAL}{n:06d}",
                    f"partners@reseller-{n}.{EMAIL_DOMAIN}",
                    rng.choice(CITIES)[1],
                    "active",
                    min(accepted, self.now) if accepted else None,
                    created,
                    False,
                    "",
                    "",
                    "",
                    "",
                    "",
                    False,
                )
            )
            location_id = first_location + self.n_providers + n - 1
            self.location_of[org_id] = location_id
            locations.append(
                self.location_row(location_id, org_id, name, n, created, reseller=True)
            )
        self.copy(
            Organisation,
            [
                "id",
                "uuid",
                "kind",
                "legal_name",
                "partner_id",
                "contact_email",
                "country",
                "status",
                "agreement_accepted_at",
                "created_at",
                "directory_listed",
                "directory_name",
                "directory_regions",
                "directory_website",
                "directory_contact",
                "directory_description",
                # Benchmark users sign in with a password alone.
                "require_mfa",
            ],
            orgs,
        )
        self.copy(
            PartnerLocation,
            ["id", "uuid", "organisation", "name", "location_partner_id", "country", "created_at"],
            locations,
        )

    def location_row(self, location_id, org_id, name, n, created, reseller=False):
        prefix = RESELLER_LOCATION if reseller else PROVIDER_LOCATION
        city, country, _postal, _lang = self.rng.choice(CITIES)
        return (
            location_id,
            self.uuid(),
            org_id,
            f"{name} – {city}",
            f"{prefix}{n:06d}",
            country,
            created,
        )

    def users(self):
        rng = self.rng
        salt = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(22))
        password = make_password(PASSWORD, salt=salt)
        User = get_user_model()
        next_user = self.next_id(User)
        next_membership = self.next_id(Membership)
        self.admin_of = {}
        self.sign_ins = []
        users, memberships = [], []

        def add(email, org_id, role):
            nonlocal next_user, next_membership
            joined = self.org_created[org_id]
            users.append(
                (
                    next_user,
                    password,
                    False,
                    email,
                    rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES),
                    False,
                    True,
                    joined,
                    email,
                    False,
                )
            )
            memberships.append((next_membership, self.uuid(), next_user, org_id, role, joined))
            if role == Role.GLOBAL_ADMIN:
                self.admin_of[org_id] = next_user
            next_user += 1
            next_membership += 1

        for n, org_id in enumerate(self.provider_ids, start=1):
            add(f"admin@provider-{n}.{EMAIL_DOMAIN}", org_id, Role.GLOBAL_ADMIN)
        big_provider = self.provider_ids[0]
        for local, role in (
            ("users", Role.USER_ADMIN),
            ("agent", Role.ADMIN_AGENT),
            ("sales", Role.SALES_AGENT),
        ):
            add(f"{local}@provider-1.{EMAIL_DOMAIN}", big_provider, role)
        for n, org_id in enumerate(self.reseller_ids[: self.n_reseller_admins], start=1):
            add(f"admin@reseller-{n}.{EMAIL_DOMAIN}", org_id, Role.GLOBAL_ADMIN)
        self.copy(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "is_staff",
                "is_active",
                "date_joined",
                "email",
                "must_change_password",
            ],
            users,
        )
        self.copy(
            Membership, ["id", "uuid", "user", "organisation", "role", "created_at"], memberships
        )

    def provider_weights(self):
        """Provider 1 carries a quarter of the weight, and at least twice any other provider's."""
        others = self.n_providers - 1
        if not others:
            return [1.0]
        big = max(BIG_PROVIDER_SHARE / (1 - BIG_PROVIDER_SHARE) * others, 2.0)
        return [big] + [1.0] * others

    def partnerships(self):
        """1–3 providers per reseller; ~10% of them removed, a third of those renewed later."""
        rng = self.rng
        big_provider, big_reseller = self.provider_ids[0], self.reseller_ids[0]
        cum_weights = list(accumulate(self.provider_weights()))
        next_id = self.next_id(Partnership)
        # (provider, reseller) -> when the active partnership began; customers come after it.
        self.active_since = {}
        rows = []
        for reseller in self.reseller_ids:
            if reseller == big_reseller:
                providers = {big_provider}
            else:
                wanted = min(rng.choices((1, 2, 3), weights=(70, 22, 8))[0], self.n_providers)
                providers = set()
                while len(providers) < wanted:
                    providers.add(rng.choices(self.provider_ids, cum_weights=cum_weights)[0])
            for provider in sorted(providers):
                created = self.moment(self.org_created[reseller])
                admin = self.admin_of[provider]
                if reseller != big_reseller and rng.random() < REMOVED_SHARE:
                    removed = self.moment(created)
                    rows.append(
                        (next_id, self.uuid(), provider, reseller, "removed", created, admin)
                        + (removed, admin)
                    )
                    next_id += 1
                    if rng.random() >= 1 / 3:
                        continue
                    created = self.moment(removed)
                rows.append(
                    (next_id, self.uuid(), provider, reseller, "active", created, admin)
                    + (None, None)
                )
                next_id += 1
                self.active_since[provider, reseller] = created
        self.copy(
            Partnership,
            [
                "id",
                "uuid",
                "provider",
                "reseller",
                "status",
                "created_at",
                "created_by",
                "removed_at",
                "removed_by",
            ],
            rows,
        )

    def customers(self):
        rng = self.rng
        n = self.n_customers
        big_provider, big_reseller = self.provider_ids[0], self.reseller_ids[0]
        partners_of = {provider: [] for provider in self.provider_ids}
        for provider, reseller in self.active_since:
            if reseller != big_reseller:
                partners_of[provider].append(reseller)
        # A heavy tail: a few resellers bring many customers, most bring a handful.
        partner_weights = {
            provider: list(accumulate(rng.paretovariate(1.5) for _ in resellers))
            for provider, resellers in partners_of.items()
        }
        owners = rng.choices(
            self.provider_ids, cum_weights=list(accumulate(self.provider_weights())), k=n
        )
        big_positions = [i for i, owner in enumerate(owners) if owner == big_provider]
        big_count = min(round(n * BIG_RESELLER_SHARE), len(big_positions))
        if (big_provider, big_reseller) not in self.active_since:
            big_count = 0
        big_customers = set(rng.sample(big_positions, big_count))
        self.big_reseller_customers = big_count

        first_id = self.next_id(Customer)
        next_admin = self.next_id(AdminRelationship)
        # Kept for the subscriptions and events: per customer, in id order.
        self.customer_provider = owners
        self.customer_reseller = []
        self.customer_created = []
        self.customer_uuid = []
        self.customer_name = []
        self.customers_of = {provider: [] for provider in self.provider_ids}
        rows, admins = [], []
        for i, provider in enumerate(owners):
            customer_id = first_id + i
            if i in big_customers:
                reseller = big_reseller
            elif partners_of[provider] and rng.random() < ASSOCIATED_SHARE:
                reseller = rng.choices(
                    partners_of[provider], cum_weights=partner_weights[provider]
                )[0]
            else:
                reseller = None
            since = (
                self.active_since[provider, reseller] if reseller else self.org_created[provider]
            )
            created = self.moment(since)
            stem = self.company_stem()
            name = f"{stem} {rng.choice(CUSTOMER_TRADES)} {rng.choice(COMPANY_SUFFIXES)}"
            # Letters, then the customer's number: unique, and within the 3–27 character rule.
            prefix = f"{stem.lower()[:18]}{i + 1}"
            domain = f"{prefix}.onmicrosoft.example"
            city, country, postal, language = rng.choice(CITIES)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            customer_uuid = self.uuid()
            rows.append(
                (
                    customer_id,
                    customer_uuid,
                    provider,
                    reseller,
                    name,
                    domain,
                    f"{rng.randint(1, 400)} {rng.choice(STREETS)}",
                    city,
                    postal,
                    country,
                    first,
                    last,
                    f"{first.lower()}.{last.lower()}@{prefix}.example",
                    f"+1 555 {rng.randint(1000, 9999)}",
                    language,
                    f"admin@{domain}",
                    self.admin_of[provider],
                    created,
                )
            )
            admin = self.admin_of[provider]
            for partner, label in ((provider, "Admin access"), (reseller, "Reseller access")):
                if partner is None:
                    continue
                admins.append(
                    (
                        next_admin,
                        self.uuid(),
                        customer_id,
                        partner,
                        f"{label} {customer_id}",
                        730,
                        "active",
                        admin,
                        created,
                        created,
                        created,
                        self.now + timedelta(days=730),
                    )
                )
                next_admin += 1
            self.customer_reseller.append(reseller)
            self.customer_created.append(created)
            self.customer_uuid.append(customer_uuid)
            self.customer_name.append(name)
            self.customers_of[provider].append(i)
        self.first_customer_id = first_id
        self.copy(
            Customer,
            [
                "id",
                "uuid",
                "provider",
                "reseller",
                "company_name",
                "primary_domain",
                "street",
                "city",
                "postal_code",
                "country",
                "contact_first_name",
                "contact_last_name",
                "contact_email",
                "contact_phone",
                "language",
                "admin_username",
                "created_by",
                "created_at",
            ],
            rows,
        )
        self.copy(
            AdminRelationship,
            [
                "id",
                "uuid",
                "customer",
                "partner",
                "display_name",
                "duration_days",
                "status",
                "created_by",
                "created_at",
                "requested_at",
                "approved_at",
                "ends_at",
            ],
            admins,
        )
        through = AdminRelationship.roles.through
        first_role_row = self.next_id(through)
        self.copy(
            through,
            ["id", "adminrelationship", "adminrole"],
            (
                (first_role_row + n * len(LOAD_ROLES) + k, row[0], role)
                for n, row in enumerate(admins)
                for k, role in enumerate(LOAD_ROLES)
            ),
        )

    def subscriptions(self):
        self.sampled_subscriptions = []
        if not self.n_subscriptions:
            return
        rng = self.rng
        n_customers = self.n_customers
        # Customers differ in size: a few hold many subscriptions, most hold a few.
        customer_weights = list(accumulate(rng.lognormvariate(0, 0.8) for _ in range(n_customers)))
        picks = rng.choices(
            range(n_customers), cum_weights=customer_weights, k=self.n_subscriptions
        )
        offer_cum = list(accumulate(OFFER_WEIGHTS[: len(self.offer_rows)]))
        statuses = [status for status, _ in STATUS_WEIGHTS]
        status_cum = list(accumulate(weight for _, weight in STATUS_WEIGHTS))
        # Events refer to a sample of subscriptions rather than keeping a million in memory.
        sample_every = max(1, self.n_subscriptions // 50_000)
        first_id = self.next_id(Subscription)
        term_names = [term for term, _ in TERM_WEIGHTS]
        term_cum = list(accumulate(weight for _, weight in TERM_WEIGHTS))
        self.scheduled_rows = []

        def term_of(offer_id, status, quantity, max_l, subscription_id):
            """A term pair of the offer, the current term's dates, auto-renew."""
            pairs = self.offer_pairs[offer_id]
            wanted = rng.choices(term_names, cum_weights=term_cum)[0]
            # An offer not sold in the wanted term (no monthly-billed offer runs three
            # years) takes its one-year pair: the year stays the common term.
            matching = [pair for pair in pairs if pair[0] == wanted] or [
                pair for pair in pairs if pair[0] == "P1Y"
            ]
            term, frequency = rng.choice(matching or pairs)
            spread = TERM_SPREAD_DAYS[term] * 86_400
            start = self.now - timedelta(seconds=rng.random() * spread)
            end = term_end_for(start, term)
            while end <= self.now:
                start, end = end, term_end_for(end, term)
            live = status in ("active", "suspended")
            if live and rng.random() < SCHEDULED_CHANGE_SHARE:
                self.scheduled_rows.append(
                    (subscription_id, offer_id, min(max_l, quantity + 5), term, frequency)
                )
            return term, frequency, start, end, rng.random() >= AUTO_RENEW_OFF_SHARE

        def rows():
            for number, i in enumerate(picks):
                provider = self.customer_provider[i]
                reseller = self.customer_reseller[i]
                offer_id, min_l, max_l, offer_name = rng.choices(
                    self.offer_rows, cum_weights=offer_cum
                )[0]
                quantity = max(min_l, min(max_l, int(rng.lognormvariate(2.3, 1.1))))
                status = rng.choices(statuses, cum_weights=status_cum)[0]
                created = self.moment(self.customer_created[i])
                updated = created if status == "active" else self.moment(created)
                support = reseller if reseller and rng.random() < 0.8 else provider
                subscription_uuid = self.uuid()
                term, frequency, start, end, auto_renew = term_of(
                    offer_id, status, quantity, max_l, first_id + number
                )
                if number % sample_every == 0:
                    self.sampled_subscriptions.append(
                        (provider, subscription_uuid, f"{offer_name} × {quantity}", quantity)
                    )
                yield (
                    first_id + number,
                    subscription_uuid,
                    provider,
                    self.first_customer_id + i,
                    offer_id,
                    quantity,
                    status,
                    self.location_of.get(reseller),
                    support,
                    1 if status == "active" else 2,
                    created,
                    updated,
                    term,
                    frequency,
                    start,
                    end,
                    auto_renew,
                )

        self.copy(
            Subscription,
            [
                "id",
                "uuid",
                "provider",
                "customer",
                "offer",
                "quantity",
                "status",
                "reseller_location",
                "support_contact",
                "version",
                "created_at",
                "updated_at",
                "term",
                "billing_frequency",
                "term_start",
                "term_end",
                "auto_renew",
            ],
            rows(),
        )
        first_change = self.next_id(ScheduledChange)
        self.copy(
            ScheduledChange,
            [
                "id",
                "uuid",
                "subscription",
                "offer",
                "quantity",
                "term",
                "billing_frequency",
                "status",
                "created_at",
                "updated_at",
            ],
            (
                (first_change + n, self.uuid(), *row, "pending", self.now, self.now)
                for n, row in enumerate(self.scheduled_rows)
            ),
        )

    def events(self):
        """Mostly providers' activity (weighted like their size), a fifth by signed-in resellers."""
        if not self.n_events:
            return
        rng = self.rng
        provider_cum = list(accumulate(self.provider_weights()))
        active_resellers = self.reseller_ids[: self.n_reseller_admins]
        subscriptions_of = {provider: [] for provider in self.provider_ids}
        for sampled in self.sampled_subscriptions:
            subscriptions_of[sampled[0]].append(sampled)
        first_id = self.next_id(ActivityEvent)

        def rows():
            for number in range(self.n_events):
                if active_resellers and rng.random() < 0.2:
                    org = rng.choice(active_resellers)
                    verb, object_type = rng.choice(RESELLER_VERBS)
                    target = (object_type, str(self.uuid()), self.org_name[org], None, None)
                else:
                    org = rng.choices(self.provider_ids, cum_weights=provider_cum)[0]
                    verb, object_type = rng.choice(PROVIDER_VERBS)
                    target = self.provider_event_target(
                        org, verb, object_type, subscriptions_of[org]
                    )
                # Denser towards today, like a real log: half of the events in the last ~9 months.
                created = self.now - timedelta(seconds=SPAN_SECONDS * rng.random() ** 2)
                ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                yield (
                    first_id + number,
                    self.uuid(),
                    org,
                    self.admin_of.get(org),
                    verb,
                    *target,
                    ip,
                    created,
                )

        self.copy(
            ActivityEvent,
            [
                "id",
                "uuid",
                "organisation",
                "actor",
                "verb",
                "object_type",
                "object_id",
                "object_repr",
                "before",
                "after",
                "ip_address",
                "created_at",
            ],
            rows(),
        )

    def provider_event_target(self, org, verb, object_type, subscriptions):
        """(object type, object id, object repr, before, after) of a provider's event."""
        rng = self.rng
        if object_type == "subscription" and subscriptions:
            _provider, sub_uuid, sub_repr, quantity = rng.choice(subscriptions)
            if verb == Verb.SUBSCRIPTION_QUANTITY_CHANGED:
                before = Jsonb({"quantity": quantity})
                after = Jsonb({"quantity": quantity + rng.randint(1, 20)})
                return object_type, str(sub_uuid), sub_repr, before, after
            return object_type, str(sub_uuid), sub_repr, None, None
        if object_type in ("customer", "subscription", "order") and self.customers_of[org]:
            i = rng.choice(self.customers_of[org])
            if verb == Verb.ORDER_SUBMITTED:
                after = Jsonb({"customer": str(self.customer_uuid[i]), "lines": rng.randint(1, 3)})
                repr_ = f"Order for {self.customer_name[i]}"
                return "order", str(self.uuid()), repr_, None, after
            return "customer", str(self.customer_uuid[i]), self.customer_name[i], None, None
        if object_type in ("partnership", "partnershiprequest"):
            return (
                object_type,
                str(self.uuid()),
                self.org_name[rng.choice(self.reseller_ids)],
                None,
                None,
            )
        return "membership", str(self.uuid()), self.org_name[org], None, None

    def write_summary(self):
        out = self.out
        out.write("Rows written:")
        for label, count in self.counts.items():
            out.write(f"  {label:28} {count:>10,}")
        out.write(
            f"Big provider: provider 1 (partner ID {PROVIDER_GLOBAL}000001, "
            f"admin@provider-1.{EMAIL_DOMAIN}), {len(self.customers_of[self.provider_ids[0]]):,} "
            "customers."
        )
        out.write(
            f"Big reseller: reseller 1 (partner ID {RESELLER_GLOBAL}000001, "
            f"admin@reseller-1.{EMAIL_DOMAIN}), {self.big_reseller_customers:,} customers "
            "of provider 1."
        )
        out.write(f"Password for every sign-in: {PASSWORD}")
