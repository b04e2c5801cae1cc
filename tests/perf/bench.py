"""Benchmark the portal's pages at distributor scale (not part of the test run).

Starts the portal under gunicorn with the production settings on loopback,
against the PostgreSQL database filled by ``manage.py generate_load_data``,
signs in as the first provider's admin, drives every page with wrk and prints
one table: requests/s, p50 and p99 latency, SQL queries per request and the
peak RSS of a gunicorn worker, with each page's throughput as a ratio to the
two reference pages (the base layout with no query of its own, measured again
for 10 s just before each page, and the Django admin changelist of the same
rows). Then it times the CSV export of ~100,000
subscriptions (and its peak memory against an export of ~1,000), and sends
10,000 partnership-request emails through Redis and two Celery worker
processes to a local SMTP sink, checking every message arrived exactly once:
the rows are written in bulk and handed over 100 per task, as the outbox relay
does, and timed from the first row written to the last message received.

    sudo apt-get install -y wrk
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_load \\
        .venv/bin/python tests/perf/bench.py            # 30 s per page, 16 connections
    ... tests/perf/bench.py --duration 5 --only customers   # a quick look at some pages
    ... tests/perf/bench.py --skip-invites --skip-export

The invite run writes 10,000 outbox rows (kind ``benchmark-invite``) and
deletes them afterwards.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PROVIDER_EMAIL = "admin@provider-1.load.example"
PASSWORD = "Load-Portal-2026"
SUPERUSER_EMAIL = "bench-superuser@load.example"
# The operator's authenticator app (the admin requires a second factor): a fixed secret.
SUPERUSER_TOTP_KEY = "3132333435363738393031323334353637383930"
PROVIDER_PARTNER_ID = "60000001"
BIG_RESELLER_PARTNER_ID = "70000001"
INVITE_KIND = "benchmark-invite"


def production_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of a production deployment, on loopback without TLS."""
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY="benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        # JIT compilation costs tens of milliseconds on list queries whose cost
        # estimate passes jit_above_cost, more than it ever saves on a page.
        DATABASE_URL=database_url
        + (
            ""
            if "jit" in database_url
            else ("&" if "?" in database_url else "?") + "options=-c%20jit%3Doff"
        ),
        CACHE_URL=redis_url,
        # Persistent connections, as a production deployment configures them.
        CONN_MAX_AGE="60",
        BENCHMARK_VIEWS="1",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on port {port} after {timeout} s")


# Memory of the gunicorn workers ----------------------------------------------


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss(pids: list[int]) -> None:
    """Reset each process's VmHWM to its current RSS (Linux clear_refs, value 5)."""
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb(pids: list[int]) -> float:
    return max(status_kb(pid, "VmHWM") for pid in pids) / 1024


# HTTP ------------------------------------------------------------------------


@dataclass
class Session:
    base: str
    cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def opener(self):
        return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.cookies if c.name == name)

    def header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    def sign_in(self, email: str, password: str, path: str = "/accounts/login/") -> None:
        opener = self.opener()
        opener.open(self.base + path).read()
        data = urllib.parse.urlencode(
            {
                "username": email,
                "password": password,
                "csrfmiddlewaretoken": self.cookie("csrftoken"),
                "next": "/",
            }
        ).encode()
        request = urllib.request.Request(
            self.base + path, data=data, headers={"Referer": self.base + path}
        )
        opener.open(request).read()
        if not any(c.name == "sessionid" for c in self.cookies):
            raise SystemExit(f"signing in as {email} failed")

    def verify(self, totp_key: str) -> None:
        """The second sign-in step, with the current code of the authenticator app ``totp_key``."""
        from binascii import unhexlify

        from django_otp.oath import totp

        code = f"{totp(unhexlify(totp_key)):06d}"
        path = "/accounts/verify/"
        data = urllib.parse.urlencode(
            {"code": code, "csrfmiddlewaretoken": self.cookie("csrftoken"), "next": "/"}
        ).encode()
        request = urllib.request.Request(
            self.base + path, data=data, headers={"Referer": self.base + path}
        )
        self.opener().open(request).read()

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        with self.opener().open(request) as response:
            return response.status, response.read()


# The pages -------------------------------------------------------------------


@dataclass
class Page:
    key: str
    label: str
    paths: list[str]  # a handful of objects of the same kind, requested in turn
    htmx: bool = False
    superuser: bool = False
    expect: str = (
        ""  # text every response must contain, so a benchmark never measures an error page
    )
    # Also measured with one connection: what a person typing into the search
    # waits when the 16 connections of the main measurement are not queued ahead.
    single: bool = False
    # Each request a first visit: the deep pages' remembered start keys are
    # forgotten before it (page_times.py only; wrk cannot).
    fresh: bool = False

    @property
    def path(self) -> str:
        return self.paths[0]


SAMPLES = 5  # objects (or search terms, or page numbers) per page
SEED = 21


def _terms(names: list[str], length: int, rng) -> list[str]:
    """``SAMPLES`` distinct lower-case search terms of ``length`` characters found in ``names``."""
    terms: list[str] = []
    while len(terms) < SAMPLES:
        name = rng.choice(names).lower()
        if length == 1:
            term = rng.choice([c for c in name if c.isalpha()] or ["a"])
        else:
            start = rng.randrange(max(1, len(name) - length + 1))
            term = name[start : start + length]
        if len(term) == length and term.strip() == term and term not in terms:
            terms.append(term)
    return terms


def ensure_history(subscriptions, actor, changes: int = 25) -> None:
    """Give each of ``subscriptions`` a history of ``changes`` entries (more than a page), as a
    subscription managed for a few years has; the load data has none."""
    from subscriptions.models import SubscriptionChange

    for subscription in subscriptions:
        if SubscriptionChange.objects.filter(subscription=subscription).count() >= changes:
            continue
        SubscriptionChange.objects.bulk_create(
            SubscriptionChange(
                subscription=subscription,
                actor=actor,
                field="quantity",
                before=str(10 + n),
                after=str(11 + n),
            )
            for n in range(changes)
        )


def pages(env: dict[str, str]) -> tuple[list[Page], dict]:
    """The pages to drive, found in the loaded data; and the export's URLs.

    The objects are the ones people open, drawn at random (a fixed seed, so two
    runs on the same data request the same URLs): active subscriptions with a
    reseller and a history, the customers with the most subscriptions, the
    largest resellers, search terms of 1, 2, 3 and 5 characters found in the
    names, and pages in the middle of the long lists.
    """
    import random

    import django

    os.environ.update(env)
    django.setup()
    from django.db.models import Count

    from customers.models import Customer
    from partners.models import Organisation, Partnership
    from portal.models import ActivityEvent, User
    from subscriptions.models import Subscription

    rng = random.Random(SEED)
    provider = Organisation.objects.get(partner_id=PROVIDER_PARTNER_ID)
    big_reseller = Organisation.objects.get(partner_id=BIG_RESELLER_PARTNER_ID)
    partnerships = Partnership.objects.filter(provider=provider, removed_at__isnull=True)
    last_reseller_page = math.ceil(partnerships.count() / 50)
    reseller_names = list(partnerships.values_list("reseller__legal_name", flat=True))
    customers = Customer.objects.filter(provider=provider)
    customer_count = customers.count()
    customer_names = list(customers.values_list("company_name", flat=True)[:20_000])
    last_customer_page = math.ceil(customer_count / 50)
    subscription_count = Subscription.objects.filter(provider=provider).count()
    # The customers with the most subscriptions, and the resellers with the most customers.
    busy_customers = list(
        customers.annotate(n=Count("subscriptions")).order_by("-n", "pk")[:SAMPLES]
    )
    large_resellers = list(
        partnerships.annotate(n=Count("reseller__associated_customers"))
        .order_by("-n", "pk")
        .values_list("uuid", flat=True)[:SAMPLES]
    )
    active = Subscription.objects.filter(
        provider=provider, status=Subscription.Status.ACTIVE, reseller_location__isnull=False
    )
    active_ids = list(active.order_by("pk").values_list("pk", flat=True)[:50_000])
    opened = list(
        Subscription.objects.filter(pk__in=rng.sample(active_ids, SAMPLES))
        .select_related("customer")
        .order_by("pk")
    )
    ensure_history(opened, User.objects.get(email=PROVIDER_EMAIL))
    first = Subscription.objects.filter(provider=provider).order_by("pk").first()
    small_reseller = (
        Subscription.objects.filter(provider=provider, reseller_location__isnull=False)
        .values("reseller_location__organisation__uuid")
        .annotate(n=Count("pk"))
        .filter(n__gte=900, n__lte=1100)
        .order_by("n")
        .first()
    )
    assert ActivityEvent.objects.filter(organisation=provider).exists()
    q = urllib.parse.quote

    def middle(count: int) -> list[str]:
        """Page numbers in the middle half of a list of ``count`` rows: the deepest offsets."""
        last = math.ceil(count / 50)
        return [str(n) for n in rng.sample(range(last // 4, 3 * last // 4), SAMPLES)]

    result = [
        Page("reference", "Reference: base layout, no query", ["/bench/reference/"]),
        Page(
            "admin",
            "Reference: admin changelist, provider's customers",
            [f"/admin/customers/customer/?provider__id__exact={provider.pk}"],
            superuser=True,
            expect="result_list",
        ),
        Page(
            "resellers", "Indirect resellers, page 1", ["/resellers/"], expect="Indirect resellers"
        ),
        *(
            Page(
                f"resellers-search-{length}",
                f"Indirect resellers, search, {length} character{'s' * (length > 1)}",
                [f"/resellers/?q={q(term)}" for term in _terms(reseller_names, length, rng)],
                htmx=True,
                expect='id="reseller-tables"',  # a term may match no reseller's start
                single=length == 2,
            )
            for length in (1, 2, 3, 5)
        ),
        Page(
            "resellers-last",
            f"Indirect resellers, last page ({last_reseller_page})",
            [f"/resellers/?page={last_reseller_page}"],
            expect="Indirect resellers",
        ),
        Page(
            "reseller-page",
            "Reseller page, the largest resellers",
            [f"/resellers/{uuid}/" for uuid in large_resellers],
            expect="<h1",
        ),
        Page("customers", "Customers, page 1", ["/customers/"], expect="Customers"),
        # The home page: figures and charts read from the provider's summary row.
        Page("overview", "Overview", ["/overview/"], expect="chart-customers_by_reseller"),
        Page(
            "customers-reseller",
            "Customers, filtered by a reseller with 5,000",
            [f"/customers/?reseller={big_reseller.uuid}"],
            expect="Customers",
        ),
        *(
            Page(
                f"customers-search-{length}",
                f"Customers, search as you type, {length} character{'s' * (length > 1)}",
                [f"/customers/?q={q(term)}" for term in _terms(customer_names, length, rng)],
                htmx=True,
                expect='id="customer-table"',
                single=length == 2,
            )
            for length in (1, 2, 3, 5)
        ),
        Page(
            "customers-deep",
            f"Customers, last page ({last_customer_page})",
            [f"/customers/?page={last_customer_page}"],
            expect="Customers",
        ),
        Page(
            "customers-middle",
            "Customers, a middle page, first visit",
            [f"/customers/?page={n}" for n in middle(customer_count)],
            expect="Customers",
            fresh=True,
        ),
        Page(
            "customers-filter-options",
            "Reseller filter's options, loaded after the page",
            ["/customers/reseller-options/"],
            htmx=True,
            expect="</option>",
        ),
        Page("subscriptions", "Subscriptions, page 1", ["/subscriptions/"], expect="<table"),
        Page(
            "subscriptions-deep",
            "Subscriptions, page 2,000",
            ["/subscriptions/?page=2000"],
            expect="<table",
        ),
        Page(
            "subscriptions-middle",
            "Subscriptions, a middle page, first visit",
            [f"/subscriptions/?page={n}" for n in middle(subscription_count)],
            expect="<table",
            fresh=True,
        ),
        Page(
            "customer-row",
            "Customers, expanded row, most subscriptions",
            [f"/customers/{c.uuid}/row/" for c in busy_customers],
            htmx=True,
            expect="<",
        ),
        Page(
            "customer",
            "Customer page, most subscriptions",
            [f"/customers/{c.uuid}/" for c in busy_customers],
            expect="<h1",
        ),
        Page(
            "subscription",
            "Subscription details, active, reseller, history",
            [f"/subscriptions/{s.uuid}/" for s in opened],
            expect="subscription-reseller",
        ),
        Page(
            "subscription-first",
            "Subscription details, the first by key",
            [f"/subscriptions/{first.uuid}/"],
            expect=first.customer.company_name,
        ),
        Page("activity", "Activity log", ["/activity/"], expect="<table"),
    ]
    export = {
        "small": f"/subscriptions/export.csv?reseller={small_reseller['reseller_location__organisation__uuid']}",
        "small_rows": small_reseller["n"],
        "large": "/subscriptions/export.csv?q=Business+Basic",
        "all": "/subscriptions/export.csv",
    }
    return result, export


def ensure_superuser() -> None:
    from portal.models import User

    user, _created = User.objects.get_or_create(
        username=SUPERUSER_EMAIL,
        defaults={"email": SUPERUSER_EMAIL, "is_staff": True, "is_superuser": True},
    )
    user.set_password(PASSWORD)
    user.is_staff = user.is_superuser = True
    user.save()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.update_or_create(
        user=user, name="bench", defaults={"key": SUPERUSER_TOTP_KEY, "confirmed": True}
    )


def count_queries(page: Page) -> int:
    """SQL queries one request of the page runs (the most of its objects), with Django's test
    client in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    email = SUPERUSER_EMAIL if page.superuser else PROVIDER_EMAIL
    user = User.objects.get(username=email)
    client.force_login(user)
    if page.superuser:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        session.pop("mfa.step", None)
        session.save()
    headers = {"HX-Request": "true"} if page.htmx else {}
    most = 0
    for path in page.paths:
        client.get(path, headers=headers)  # warm the per-process caches (translations, URLs)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, headers=headers)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, (path, response.status_code)
        most = max(most, len(queries))
    return most


# wrk -------------------------------------------------------------------------

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_latency(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNIT_MS[unit]


WRK_SCRIPT = """
paths = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format(nil, paths[i])
end
"""


def run_wrk(
    url: str, cookie: str, *, htmx: bool, duration: int, connections: int, paths=()
) -> dict:
    """wrk's figures for ``url``; with ``paths``, each connection requests them in turn."""
    import json
    import tempfile

    script = None
    if len(paths) > 1:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"Cookie: {cookie}",
    ]
    if htmx:
        command += ["-H", "HX-Request: true"]
    if script:
        command += ["-s", script.name]
    try:
        output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    finally:
        if script:
            os.unlink(script.name)
    latency = dict(re.findall(r"^\s*(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    if set(latency) != {"50", "99"}:
        raise SystemExit(f"no latency distribution from wrk:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": parse_latency(latency["50"]),
        "p99": parse_latency(latency["99"]),
        "errors": int(errors.group(1)) if errors else 0,
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }


# Gunicorn --------------------------------------------------------------------


class Gunicorn:
    def __init__(self, env: dict[str, str], workers: int):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "portal.wsgi",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={workers}",
                "--worker-class=sync",
                "--timeout=120",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_for_port(self.port)
        deadline = time.monotonic() + 20
        while len(self.workers()) < workers and time.monotonic() < deadline:
            time.sleep(0.2)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


# The table -------------------------------------------------------------------


def print_table(rows: list[dict], reference: dict, admin: dict) -> None:
    header = (
        f"| {'Page':<52} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'SQL':>3} "
        f"| {'RSS MB':>6} | {'ref req/s':>9} | {'÷ ref':>6} | {'÷ admin':>7} | {'load':>4} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
    for row in rows:
        ref = row.get("ref_rps") or reference["rps"]
        print(
            f"| {row['label']:<52} | {row['rps']:>7.1f} | {row['p50']:>7.1f} | {row['p99']:>7.1f} "
            f"| {row['queries']:>3} | {row['rss']:>6.1f} | {ref:>9.1f} | {row['rps'] / ref:>6.2f} "
            f"| {row['rps'] / admin['rps']:>7.2f} | {row['load']:>4.1f} |"
        )


def drain(session: Session, path: str, timeout: float = 30) -> None:
    """Wait until the workers are idle again: when wrk stops, the requests it
    leaves behind (the admin changelist's take seconds each) still run."""
    deadline, quick = time.monotonic() + timeout, 0
    while quick < 2 and time.monotonic() < deadline:
        started = time.monotonic()
        session.get(path)
        quick = quick + 1 if time.monotonic() - started < 0.1 else 0


def bench_pages(args, env, server: Gunicorn, page_list: list[Page]) -> None:
    provider = Session(server.base)
    provider.sign_in(PROVIDER_EMAIL, PASSWORD)
    superuser = Session(server.base)
    superuser.sign_in(SUPERUSER_EMAIL, PASSWORD)
    superuser.verify(SUPERUSER_TOTP_KEY)
    rows = []
    selected = [
        p
        for p in page_list
        if (
            not args.only
            or p.key in ("reference", "admin")
            or any(part in p.key for part in args.only.split(","))
        )
    ]
    reference = next(p for p in page_list if p.key == "reference")
    singles = []
    for page in selected:
        session = superuser if page.superuser else provider
        headers = {"HX-Request": "true"} if page.htmx else {}
        # The reference again, just before the page: the machine's speed drifts
        # over a run (other tenants of the host), and a ratio to a reference
        # measured minutes earlier would carry that drift.
        ref_rps = None
        if args.reference_every and page.key not in ("reference", "admin"):
            ref_rps = run_wrk(
                server.base + reference.path,
                provider.header(),
                htmx=False,
                duration=args.reference_every,
                connections=args.connections,
            )["rps"]
        for path in page.paths:
            status, body = session.get(path, headers)
            if status != 200 or page.expect.encode() not in body:
                raise SystemExit(f"{path} answered {status} without {page.expect!r}")
        queries = count_queries(page)
        workers = server.workers()
        reset_peak_rss(workers)
        result = run_wrk(
            server.base + page.path,
            session.header(),
            htmx=page.htmx,
            duration=args.duration,
            connections=args.connections,
            paths=page.paths,
        )
        if result["errors"]:
            raise SystemExit(f"{page.path}: {result['errors']} non-2xx responses under load")
        drain(provider, reference.path)
        if page.single:
            alone = run_wrk(
                server.base + page.path,
                session.header(),
                htmx=page.htmx,
                duration=min(args.duration, 10),
                connections=1,
                paths=page.paths,
            )
            singles.append({**alone, "label": page.label})
        rows.append(
            {
                **result,
                "label": page.label,
                "queries": queries,
                "rss": peak_rss_mb(workers),
                "ref_rps": ref_rps,
                "load": os.getloadavg()[0],
            }
        )
        print(
            f"  {page.label}: {result['rps']:.1f} req/s, p50 {result['p50']:.1f} ms, "
            f"p99 {result['p99']:.1f} ms, {queries} queries"
            + (f" (reference just before: {ref_rps:.1f} req/s)" if ref_rps else "")
            + f"; load average {os.getloadavg()[0]:.2f}",
            file=sys.stderr,
        )
    print()
    print_table(rows, rows[0], rows[1])
    if singles:
        print()
        print("| One connection (a person typing) | req/s | p50 ms | p99 ms |")
        print("|---|---|---|---|")
        for row in singles:
            print(f"| {row['label']} | {row['rps']:.1f} | {row['p50']:.1f} | {row['p99']:.1f} |")


def bench_export(server: Gunicorn, export: dict) -> None:
    provider = Session(server.base)
    provider.sign_in(PROVIDER_EMAIL, PASSWORD)
    print()
    print(
        "| CSV export | rows | seconds | MB | worker peak RSS MB | growth over idle MB "
        "| load average |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in ("small", "large", "all", "small", "large", "all"):
        workers = server.workers()
        idle = max(status_kb(pid, "VmRSS") for pid in workers) / 1024
        reset_peak_rss(workers)
        started = time.monotonic()
        status, body = provider.get(export[name])
        seconds = time.monotonic() - started
        assert status == 200
        rows = body.count(b"\n") - 1
        peak = peak_rss_mb(workers)
        print(
            f"| {name} | {rows:,} | {seconds:.2f} | {len(body) / 1e6:.1f} | {peak:.1f} "
            f"| {peak - idle:.1f} | {os.getloadavg()[0]:.2f} |"
        )


# Invites ---------------------------------------------------------------------


class CountingHandler:
    def __init__(self):
        self.received: dict[str, int] = {}
        self.lock = threading.Lock()
        self.last = 0.0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received[rcpt] = self.received.get(rcpt, 0) + 1
            self.last = time.monotonic()
        return "250 OK"


def wait_for_workers(app, processes: int, timeout: float = 60) -> None:
    """Wait until the worker answers a ping and its pool has ``processes`` processes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = app.control.inspect(timeout=1).stats() or {}
        if any(len(s.get("pool", {}).get("processes", [])) >= processes for s in stats.values()):
            return
        time.sleep(0.5)
    raise SystemExit(f"no Celery worker with {processes} processes after {timeout} s")


def bench_invites(env: dict[str, str], count: int, redis_url: str, timeout: int) -> None:
    from aiosmtpd.controller import Controller
    from django.db.models import Sum
    from django.template.loader import render_to_string

    from partners.models import Organisation
    from portal.models import OutboundEmail

    handler = CountingHandler()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    worker_env = {
        **env,
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
    }
    subprocess.run(
        [str(BIN / "celery"), "-A", "portal", "purge", "-f"],
        cwd=ROOT,
        env=worker_env,
        capture_output=True,
        check=True,
    )
    worker = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "portal",
            "worker",
            "-c",
            "2",
            "--loglevel=" + os.environ.get("BENCH_CELERY_LOGLEVEL", "WARNING"),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=worker_env,
    )
    os.environ["CELERY_BROKER_URL"] = redis_url
    from celery import current_app

    current_app.conf.broker_url = redis_url
    current_app.conf.task_always_eager = False
    from portal.emails import SEND_BATCH_SIZE, enqueue_send_batches

    provider = Organisation.objects.get(partner_id=PROVIDER_PARTNER_ID)
    OutboundEmail.objects.filter(kind=INVITE_KIND).delete()
    try:
        wait_for_workers(current_app, processes=2)
        subject = f"{provider.legal_name} invites you to become an indirect reseller"
        started = time.monotonic()
        rows = []
        for number in range(count):
            body = f"{provider.legal_name} invites you to become an indirect reseller.\n{number}\n"
            rows.append(
                OutboundEmail(
                    organisation=provider,
                    kind=INVITE_KIND,
                    to=f"reseller-{number}@invite.load.example",
                    subject=subject,
                    body_text=body,
                    body_html=render_to_string(
                        "emails/partnership-request-body.html", {"body": body, "provider": provider}
                    ),
                )
            )
        ids = [email.pk for email in OutboundEmail.objects.bulk_create(rows, batch_size=2000)]
        written = time.monotonic()
        # The same hand-over as the outbox relay: one send_outbound_emails task per batch.
        handed_over = enqueue_send_batches(ids)
        enqueued = time.monotonic()
        assert handed_over == count, f"only {handed_over} of {count} rows were enqueued"
        deadline = started + timeout
        while len(handler.received) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        finished = handler.last
        time.sleep(3)  # a duplicate would arrive after the last first copy
        elapsed = finished - started
        duplicates = sum(n - 1 for n in handler.received.values())
        sent = OutboundEmail.objects.filter(kind=INVITE_KIND, status="sent").count()
        attempts = OutboundEmail.objects.filter(kind=INVITE_KIND).aggregate(n=Sum("attempts"))["n"]
        print()
        print(
            f"Invite emails: {count:,} rows, {SEND_BATCH_SIZE} per task, "
            f"load average {os.getloadavg()[0]:.2f} (1 min)"
        )
        print()
        print(
            "| Invite emails | queued | received | twice or more | rows sent | attempts "
            "| write rows s | enqueue s | end to end s | per second |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        print(
            f"| Redis + 2 Celery processes + SMTP | {count:,} | {len(handler.received):,} "
            f"| {duplicates} | {sent:,} | {attempts:,} | {written - started:.1f} "
            f"| {enqueued - written:.2f} | {elapsed:.1f} | {count / elapsed:.0f} |"
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        controller.stop()
        OutboundEmail.objects.filter(kind=INVITE_KIND).delete()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=30, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (one per core)")
    parser.add_argument(
        "--only",
        default="",
        help="only the pages whose key contains this (or one of these, comma-separated)",
    )
    parser.add_argument(
        "--reference-every",
        type=int,
        default=10,
        help="seconds of the reference page measured just before each page (0: once, first)",
    )
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-invites", action="store_true")
    parser.add_argument("--invites", type=int, default=10_000)
    parser.add_argument(
        "--invite-timeout", type=int, default=300, help="seconds to wait for every email"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database of generate_load_data")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: sudo apt-get install -y wrk")
    env = production_env(database_url, args.redis)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    unapplied = subprocess.run([PYTHON, "manage.py", "migrate", "--check"], env=env)
    if unapplied.returncode:
        raise SystemExit("the load database has unapplied migrations: run manage.py migrate")
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, check=True)
    page_list, export = pages(env)
    ensure_superuser()
    print(
        f"machine: {os.cpu_count()} cores; gunicorn {args.workers} sync workers; "
        f"wrk {args.connections} connections, {args.duration} s per page",
        file=sys.stderr,
    )
    if not args.skip_pages:
        server = Gunicorn(env, args.workers)
        try:
            bench_pages(args, env, server, page_list)
        finally:
            server.stop()
    if not args.skip_export:
        # A fresh worker, so the export's memory is not hidden by what pages grew before.
        server = Gunicorn(env, 1)
        try:
            bench_export(server, export)
        finally:
            server.stop()
    if not args.skip_invites:
        bench_invites(env, args.invites, args.redis, args.invite_timeout)


if __name__ == "__main__":
    main()
