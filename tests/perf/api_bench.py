"""The API's list endpoints beside their pages, and 10,000 signed webhook deliveries
(not part of the test run).

Part 1 requests each pair — a page and the API endpoint answering the same rows —
in this process with Django's test client, under the production settings and
against the load database, alternating page and endpoint, and prints the mean
of the quickest quarter of each (steadier than a median on a shared machine)
and the SQL queries of one request.

Part 2 subscribes a webhook endpoint of the first provider to customer-created,
writes 10,000 activity events (500 per transaction, each writing its delivery
in the same transaction), and lets two Celery worker processes on Redis deliver
them to a receiver on loopback that checks every signature with the
standardwebhooks library. Timed from the first event written to the last
delivery received; counts deliveries lost, received twice and badly signed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_load \\
        .venv/bin/python tests/perf/api_bench.py [--requests 40] [--deliveries 10000]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the benchmark's settings and load data)

KEY_NAME = "benchmark key"


def pairs(provider, big_reseller):
    """(label, page URL, API URL) answering the same rows."""
    from api.pagination import _encode
    from subscriptions.models import Subscription

    deep = (
        Subscription.objects.filter(provider=provider)
        .order_by("-created_at", "-id")
        .values_list("created_at", "id")[1999 * 50 - 1]
    )
    token = _encode(list(deep))
    return [
        ("Customers, first 50", "/customers/", "/api/v1/customers?limit=50"),
        (
            "Customers of a reseller with 5,000",
            f"/customers/?reseller={big_reseller.uuid}",
            f"/api/v1/customers?limit=50&reseller_id={big_reseller.uuid}",
        ),
        ("Customers, search 'lol'", "/customers/?q=lol", "/api/v1/customers?limit=50&q=lol"),
        ("Subscriptions, first 50", "/subscriptions/", "/api/v1/subscriptions?limit=50"),
        (
            "Subscriptions, page 2,000 (a continuation token there)",
            "/subscriptions/?page=2000",
            f"/api/v1/subscriptions?limit=50&continuation_token={token}",
        ),
    ]


def time_lists(requests: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from api import services as api_services
    from api.models import ApiKey
    from partners.models import Organisation
    from portal.models import User
    from portal.roles import Role

    provider = Organisation.objects.get(partner_id=bench.PROVIDER_PARTNER_ID)
    big_reseller = Organisation.objects.get(partner_id=bench.BIG_RESELLER_PARTNER_ID)
    admin = User.objects.get(email=bench.PROVIDER_EMAIL)
    ApiKey.objects.filter(organisation=provider, name=KEY_NAME).delete()
    secret = api_services.api_key_create(
        org=provider,
        actor=admin,
        actor_role=Role.GLOBAL_ADMIN,
        name=KEY_NAME,
        role=Role.GLOBAL_ADMIN,
        scope="read",
    ).secret
    page_client = Client()
    page_client.force_login(admin)
    api_client = Client(headers={"Authorization": f"Bearer {secret}"})
    print("| Rows | page ms | API ms | page SQL | API SQL |")
    print("|---|---|---|---|---|")
    try:
        for label, page_url, api_url in pairs(provider, big_reseller):
            counts = []
            for client, url in ((page_client, page_url), (api_client, api_url)):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                counts.append(len(queries.captured_queries))
            samples = {"page": [], "api": []}
            for _ in range(5):
                page_client.get(page_url)
                api_client.get(api_url)
            for _ in range(requests):
                for kind, client, url in (
                    ("page", page_client, page_url),
                    ("api", api_client, api_url),
                ):
                    started = time.perf_counter()
                    client.get(url)
                    samples[kind].append(time.perf_counter() - started)
            quick = {
                k: 1000 * statistics.mean(sorted(v)[: max(1, len(v) // 4)])
                for k, v in samples.items()
            }
            print(
                f"| {label} | {quick['page']:.1f} | {quick['api']:.1f} "
                f"| {counts[0]} | {counts[1]} |"
            )
    finally:
        ApiKey.objects.filter(organisation=provider, name=KEY_NAME).delete()


class Receiver:
    def __init__(self):
        self.secret = ""
        self.ids: Counter = Counter()
        self.bad = 0
        self.last = 0.0
        self.lock = threading.Lock()


def start_receiver(state: Receiver):
    from standardwebhooks import Webhook

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                Webhook(state.secret).verify(body, headers)
                good = True
            except Exception:
                good = False
            with state.lock:
                state.ids[headers.get("webhook-id")] += 1
                state.bad += not good
                state.last = time.monotonic()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def deliver(env: dict, count: int, redis_url: str, timeout: float) -> None:
    from django.db import transaction

    from customers.models import Customer
    from partners.models import Organisation
    from portal import audit
    from portal.audit import Verb
    from portal.models import ActivityEvent
    from webhooks import services
    from webhooks.models import WebhookDelivery, WebhookSubscription

    state = Receiver()
    server = start_receiver(state)
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    worker_env = {
        **env,
        "CELERY_BROKER_URL": redis_url,
        "WEBHOOKS_ALLOW_HTTP": "1",
        "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "1",
    }
    subprocess.run(
        [str(bench.BIN / "celery"), "-A", "portal", "purge", "-f"],
        cwd=bench.ROOT,
        env=worker_env,
        capture_output=True,
        check=True,
    )
    worker = subprocess.Popen(
        [
            str(bench.BIN / "celery"),
            "-A",
            "portal",
            "worker",
            "-c",
            "2",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=bench.ROOT,
        env=worker_env,
    )
    from celery import current_app
    from django.conf import settings

    current_app.conf.broker_url = redis_url
    current_app.conf.task_always_eager = False
    settings.WEBHOOKS_ALLOW_HTTP = True
    provider = Organisation.objects.get(partner_id=bench.PROVIDER_PARTNER_ID)
    customer = Customer.objects.filter(provider=provider).order_by("pk").first()
    first_event = ActivityEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    hook = services.webhook_create(org=provider, url=url, events=["customer-created"], actor=None)
    state.secret = hook.secret
    try:
        bench.wait_for_workers(current_app, processes=2)
        started = time.monotonic()
        for batch in range(0, count, 500):
            with transaction.atomic():
                audit.record_many(
                    [
                        audit.build(
                            org=provider, actor=None, verb=Verb.CUSTOMER_CREATED, obj=customer
                        )
                        for _ in range(min(500, count - batch))
                    ]
                )
        written = time.monotonic()
        deadline = started + timeout
        while len(state.ids) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        finished = state.last
        time.sleep(3)  # a second copy would arrive after the last first one
        elapsed = finished - started
        deliveries = WebhookDelivery.objects.filter(subscription=hook)
        delivered = deliveries.filter(status="delivered").count()
        twice = sum(n - 1 for n in state.ids.values())
        print()
        print(
            f"Webhook deliveries: {count:,} events, load average {os.getloadavg()[0]:.2f} (1 min)"
        )
        print()
        print(
            "| Webhooks | events | received | lost | twice or more | bad signature "
            "| rows delivered | write s | end to end s | per second |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        print(
            f"| Redis + 2 Celery processes + loopback receiver | {count:,} | {len(state.ids):,} "
            f"| {count - len(state.ids):,} | {twice} | {state.bad} | {delivered:,} "
            f"| {written - started:.1f} | {elapsed:.1f} | {count / elapsed:.0f} |"
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        server.shutdown()
        WebhookSubscription.objects.filter(pk=hook.pk).delete()
        ActivityEvent.objects.filter(pk__gt=first_event or 0, organisation=provider).filter(
            verb__in=[Verb.CUSTOMER_CREATED, Verb.WEBHOOK_CREATED]
        ).delete()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--skip-lists", action="store_true")
    parser.add_argument("--skip-webhooks", action="store_true")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database of generate_load_data")
    env = bench.production_env(database_url, args.redis)
    env["API_RATE_LIMIT_PER_MINUTE"] = "1000000"
    os.chdir(bench.ROOT)
    sys.path.insert(0, str(bench.ROOT))
    subprocess.run(
        [bench.PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    bench.pages(env)  # sets the environment up and Django with it
    if not args.skip_lists:
        time_lists(args.requests)
    if not args.skip_webhooks:
        deliver(env, args.deliveries, args.redis, args.timeout)


if __name__ == "__main__":
    main()
