"""Reliability drill: a mixed workload on two web processes and two Celery workers while
dependencies fail, then a count of what was answered, written and mailed (not part of the
test run).

It starts, on loopback, a Redis of its own (a free port; it can be stopped without
touching anyone else's), an SMTP sink, two gunicorn processes with the production
settings, two Celery workers and Celery beat, all on a PostgreSQL database of its own
(created, migrated and filled with the demo data). Client threads then sign in as the
demo provider's staff and, for ``--duration`` seconds, open list pages, search, change
licence counts and send partnership requests, spreading requests over both web
processes as a proxy would (a request refused at connect goes to the other one).
Meanwhile, on a schedule:

- PostgreSQL: every connection of the portal to its database is terminated
  (``pg_terminate_backend``), twice, five seconds apart;
- Redis (cache and broker): stopped for 30 s, then started again, empty;
- Celery: one worker is killed (SIGKILL) right after a burst of partnership
  requests, and started again 10 s later;
- web: one of the two gunicorn processes is stopped, and started again 15 s later.

At the end it waits until the outbox has sent every email, then prints: requests by
status; writes answered as done against writes found in the database (they must be
equal); emails requested, sent and received (none lost; duplicates are counted and
carry the same Message-ID, so receivers can drop them); and, per fault, the time until
requests succeeded again.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python tests/reliability/drill.py --duration 180
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import email
import html.parser
import http.cookiejar
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.bench import Gunicorn, free_port, production_env, wait_for_port  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "Demo-Portal-2026"
STAFF = ["admin@contoso.example", "agent@contoso.example", "sales@contoso.example"]
DRILL_DOMAIN = "drill.example"


# The services the drill owns ---------------------------------------------------


class Redis:
    """A Redis of the drill's own on a free port, which it may stop and start."""

    def __init__(self):
        self.port = free_port()
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


class Sink:
    """An SMTP server counting every message by its Message-ID."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.lock = threading.Lock()
        self.by_id: collections.Counter[str] = collections.Counter()
        self.recipients: collections.Counter[str] = collections.Counter()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content)
        key = message.get("Message-ID") or f"{message['To']}|{message['Subject']}"
        with self.lock:
            self.by_id[key] += 1
            for rcpt in envelope.rcpt_tos:
                self.recipients[rcpt.lower()] += 1
        return "250 OK"


class Celery:
    def __init__(self, env: dict[str, str], name: str, *args: str):
        self.env, self.name, self.args = env, name, args
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            [str(BIN / "celery"), "-A", "portal", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self):
        """SIGKILL the whole worker (main process and pool), as an OOM kill or a lost node would."""
        for pid in _descendants(self.process.pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        path = Path(f"/proc/{todo[0]}/task/{todo[0]}/children")
        todo.pop(0)
        if path.exists():
            kids = [int(p) for p in path.read_text().split()]
            found += kids
            todo += kids
    return found


# The clients ---------------------------------------------------------------------


class FormParser(html.parser.HTMLParser):
    """The fields of every form in a page: {action: {name: value}}."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._form = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(attrs.get("action") or "", {})
        elif self._form is not None and tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form[attrs["name"]] = attrs.get("value") or ""
        elif self._form is not None and tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._form[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms_of(body: bytes) -> dict[str, dict[str, str]]:
    parser = FormParser()
    parser.feed(body.decode("utf-8", "replace"))
    return parser.forms


def form_with(body: bytes, field_name: str) -> tuple[str, dict[str, str]] | None:
    """The (action, fields) of the page's form that has ``field_name``."""
    return next(((a, f) for a, f in forms_of(body).items() if field_name in f), None)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Log:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list = field(default_factory=list)  # (t, kind, status)
    done: collections.Counter = field(default_factory=collections.Counter)
    refused: collections.Counter = field(default_factory=collections.Counter)
    first_event: int = 0  # activity events up to this id are the demo data's

    def add(self, t, kind, status):
        with self.lock:
            self.requests.append((t, kind, status))


class Client:
    """One person's browser: a cookie jar, requests spread over the web processes."""

    def __init__(self, ports: list[int], log: Log, started: float, user: str, seed: int):
        self.ports, self.log, self.started, self.user = ports, log, started, user
        self.random = random.Random(seed)
        self.new_browser()

    def new_browser(self):
        """No cookies: the next sign-in starts a new session."""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
        )

    def request(self, kind: str, path: str, data: dict | None = None) -> tuple[object, bytes]:
        ports = self.ports[:]
        self.random.shuffle(ports)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        for attempt, port in enumerate(ports):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body)  # noqa: S310
            if data is not None:
                request.add_header("Referer", f"http://127.0.0.1:{port}{path}")
            try:
                with self.opener.open(request, timeout=30) as response:
                    status, content = response.status, response.read()
            except urllib.error.HTTPError as error:
                status, content = error.code, error.read()
            except (ConnectionRefusedError, urllib.error.URLError) as error:
                refused = isinstance(getattr(error, "reason", error), ConnectionRefusedError)
                if refused and attempt + 1 < len(ports):
                    continue  # never reached a server: a proxy tries the next one
                status, content = "connection error", b""
            except OSError:
                status, content = "connection error", b""
            self.log.add(time.monotonic() - self.started, kind, status)
            return status, content
        return "connection error", b""

    def sign_in(self) -> bool:
        status, page = self.request("sign-in page", "/accounts/login/")
        found = form_with(page, "password") if status == 200 else None
        if found is None:
            return False
        action, form = found
        form.update(username=self.user, password=PASSWORD)
        status, _ = self.request("sign-in", action or "/accounts/login/", form)
        return status == 302

    def browse(self):
        term = self.random.choice(["", "", "c", "co", "fab", "tail", "lo"])
        path = self.random.choice(["/customers/", "/subscriptions/", "/resellers/"])
        self.request("list page" if not term else "search", f"{path}?q={term}")

    def change_licences(self, subscription: str):
        status, page = self.request("subscription details", f"/subscriptions/{subscription}/")
        if status != 200:
            return
        found = form_with(page, "quantity")
        if found is None:
            return
        action, form = found
        form["quantity"] = str(int(form["quantity"] or 1) + self.random.choice([1, 1, -1]))
        status, _ = self.request("licence change", action, form)
        with self.log.lock:
            (self.log.done if status == 302 else self.log.refused)["licence change", status] += 1

    def request_partnership(self, number: int):
        status, page = self.request("partnership request form", "/resellers/requests/new/")
        if status != 200:
            return
        found = form_with(page, "email")
        if found is None:
            return
        action, form = found
        address = f"reseller-{number}@{DRILL_DOMAIN}"
        form["email"] = address
        status, draft = self.request("partnership request", action, form)
        sends = {a: f for a, f in forms_of(draft).items() if a.endswith("/send/")}
        if status != 200 or not sends:
            with self.log.lock:
                self.log.refused["partnership request", status] += 1
            return
        action, fields = next(iter(sends.items()))
        status, answer = self.request("partnership request sent", action, fields)
        sent = status == 200 and b'role="status"' in answer and address.encode() in answer
        with self.log.lock:
            if sent:
                self.log.done["partnership request", address] += 1
            else:
                self.log.refused["partnership request", status] += 1


# The drill ---------------------------------------------------------------------------


def psql(database_url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if cursor.description else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=180)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database", default="portal_drill")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per process")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urllib.parse.urlsplit(admin_url)
    database_url = urllib.parse.urlunsplit(parts._replace(path="/" + args.database))
    psql(admin_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    psql(admin_url, f'CREATE DATABASE "{args.database}"')

    redis, sink = Redis(), Sink()
    env = production_env(database_url, redis.url(1))
    env.update(
        CELERY_BROKER_URL=redis.url(0),
        EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
        # Short relay delays, so that the drill's few minutes see the relay at work.
        OUTBOX_RELAY_AFTER_SECONDS="10",
        OUTBOX_RELAY_LOST_AFTER_SECONDS="60",
        LOG_LEVEL="WARNING",
        # The drill sends far more requests than a provider's staff in an hour.
        PARTNERSHIP_REQUESTS_PER_HOUR="100000",
    )
    env.pop("BENCHMARK_VIEWS", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    subscriptions = [
        row[0]
        for row in psql(
            database_url,
            "SELECT s.uuid FROM subscriptions_subscription s"
            " JOIN customers_customer c ON c.id = s.customer_id"
            " JOIN partners_organisation o ON o.id = c.provider_id"
            " WHERE o.legal_name LIKE 'Contoso%' AND s.status = 'active'",
        )
    ]

    webs = [Gunicorn(env, args.web_workers), Gunicorn(env, args.web_workers)]
    ports = [web.port for web in webs]
    workers = [
        Celery(env, "worker-1", "worker", "-c", "2", "-n", "drill1@%h", "--without-gossip"),
        Celery(env, "worker-2", "worker", "-c", "2", "-n", "drill2@%h", "--without-gossip"),
    ]
    beat_schedule = Path(f"/tmp/drill-beat-{os.getpid()}")  # noqa: S108
    beat = Celery(env, "beat", "beat", "--schedule", str(beat_schedule))

    log = Log()
    log.first_event = psql(database_url, "SELECT coalesce(max(id), 0) FROM portal_activityevent")[
        0
    ][0]
    started = time.monotonic()
    stop = threading.Event()
    numbers = iter(range(1, 10**9))
    number_lock = threading.Lock()
    faults: list[tuple[str, float, float]] = []  # (name, start, restored)

    def next_number():
        with number_lock:
            return next(numbers)

    def client_loop(index: int):
        client = Client(ports, log, started, STAFF[index % len(STAFF)], seed=index)
        signed_in = client.sign_in()
        while not stop.is_set():
            if not signed_in:
                signed_in = client.sign_in()
                time.sleep(0.2)
                continue
            roll = client.random.random()
            if roll < 0.55:
                client.browse()
            elif roll < 0.75 and subscriptions:
                client.change_licences(client.random.choice(subscriptions))
            elif roll < 0.85 and "sales" not in client.user:
                client.request_partnership(next_number())
            elif roll < 0.9:
                client.new_browser()  # a fresh sign-in now and then
                signed_in = client.sign_in()
            else:
                client.browse()

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()

    def at(seconds: float):
        time.sleep(max(0.0, started + seconds - time.monotonic()))

    def now():
        return time.monotonic() - started

    scale = args.duration / 180
    terminate = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE datname = '{args.database}' AND pid <> pg_backend_pid()"
    )
    at(20 * scale)
    t0 = now()
    psql(admin_url, terminate)
    at(25 * scale)
    psql(admin_url, terminate)
    faults.append(("PostgreSQL: every connection terminated, twice", t0, now()))

    at(45 * scale)
    t0 = now()
    redis.stop()
    time.sleep(30)
    redis.start()
    faults.append(("Redis stopped for 30 s", t0, now()))

    at(95 * scale)

    def burst(seed: int):
        """Partnership requests right before the kill, so the worker dies mid-batch."""
        client = Client(ports, log, started, STAFF[0], seed=seed)
        if client.sign_in():
            for _ in range(8):
                client.request_partnership(next_number())

    bursts = [threading.Thread(target=burst, args=(1000 + i,)) for i in range(3)]
    for thread in bursts:
        thread.start()
    t0 = now()
    time.sleep(1.0)
    workers[0].kill()
    for thread in bursts:
        thread.join(timeout=60)
    time.sleep(max(0.0, t0 + 11 - now()))
    workers[0].start()
    faults.append(("Celery worker killed (SIGKILL), started 10 s later", t0, now()))

    at(125 * scale)
    t0 = now()
    webs[0].stop()
    time.sleep(15)
    webs[0] = Gunicorn(env, args.web_workers)
    ports[0] = webs[0].port  # the proxy learns the restarted process's address
    faults.append(("one of two web processes stopped, started 15 s later", t0, now()))

    at(args.duration)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    # Every email the portal accepted to send must arrive: wait for the outbox.
    drain_started = time.monotonic()
    queued = None
    while time.monotonic() - drain_started < 300:
        queued = psql(
            database_url, "SELECT count(*) FROM portal_outboundemail WHERE status = 'queued'"
        )[0][0]
        if queued == 0:
            break
        time.sleep(2)
    drained = time.monotonic() - drain_started
    time.sleep(2)

    for process in [*workers, beat]:
        process.stop()
    for web in webs:
        web.stop()
    beat_schedule.unlink(missing_ok=True)

    report(log, faults, database_url, sink, queued, drained, args)
    redis.stop()
    sink.controller.stop()
    return 0


def report(log: Log, faults, database_url, sink: Sink, queued, drained, args) -> None:
    statuses = collections.Counter(status for _, _, status in log.requests)
    print(f"\n## Drill: {args.duration} s, {args.clients} clients, {len(log.requests)} requests")
    columns = sorted(statuses, key=str)
    print("\n| request | " + " | ".join(str(c) for c in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for kind in sorted({kind for _, kind, _ in log.requests}):
        counts = collections.Counter(status for _, k, status in log.requests if k == kind)
        print(f"| {kind} | " + " | ".join(str(counts.get(c, 0)) for c in columns) + " |")
    print("| all | " + " | ".join(str(statuses[c]) for c in columns) + " |")

    answered_requests = {key[1] for key in log.done if key[0] == "partnership request"}
    stored_requests = {
        row[0]
        for row in psql(
            database_url,
            "SELECT email FROM partners_partnershiprequest"
            f" WHERE email LIKE '%@{DRILL_DOMAIN}' AND sent_at IS NOT NULL",
        )
    }
    answered_licences = sum(v for k, v in log.done.items() if k[0] == "licence change")
    stored_licences = psql(
        database_url,
        "SELECT count(*) FROM portal_activityevent"
        f" WHERE verb = 'subscription.quantity_changed' AND id > {log.first_event}",
    )[0][0]
    emails = psql(
        database_url,
        "SELECT status, count(*) FROM portal_outboundemail"
        f" WHERE \"to\" LIKE '%@{DRILL_DOMAIN}' GROUP BY status",
    )
    received = {r: n for r, n in sink.recipients.items() if r.endswith("@" + DRILL_DOMAIN)}
    duplicates = sum(n - 1 for n in sink.by_id.values() if n > 1)
    print("\n| writes | answered done | in the database |\n|---|---|---|")
    print(f"| partnership requests sent | {len(answered_requests)} | {len(stored_requests)} |")
    print(f"| licence changes | {answered_licences} | {stored_licences} |")
    refused = collections.Counter()
    for (kind, status), count in log.refused.items():
        refused[kind, status] += count
    if refused:
        print("\nRefused or failed writes (answered, not done):")
        for (kind, status), count in sorted(refused.items(), key=str):
            print(f"- {kind}: {status} × {count}")
    lost_requests = sorted(answered_requests - stored_requests)
    print("\n| emails | count |\n|---|---|")
    print(f"| requested (outbox rows) | {sum(n for _, n in emails)} |")
    for status, count in emails:
        print(f"| outbox {status} | {count} |")
    print(f"| recipients reached | {len(received)} of {len(stored_requests)} |")
    print(f"| messages received twice or more (same Message-ID) | {duplicates} |")
    print(f"| still queued after {drained:.0f} s of draining | {queued} |")
    print("\n| fault | at s | restored at s | first error s | requests OK again after s |")
    print("|---|---|---|---|---|")
    for index, (name, start, restored) in enumerate(faults):
        until = faults[index + 1][1] if index + 1 < len(faults) else restored + 60
        errors = [
            t
            for t, _, status in log.requests
            if start <= t < until and (not isinstance(status, int) or status >= 500)
        ]
        last_error = max(errors) if errors else None
        recovered = 0.0 if last_error is None else max(0.0, last_error - restored)
        first = f"{min(errors) - start:.1f}" if errors else "none"
        print(f"| {name} | {start:.0f} | {restored:.0f} | {first} | {recovered:.1f} |")
    if lost_requests:
        print("\nLOST (answered done, not stored):", lost_requests[:20])
    missing = sorted(stored_requests - set(received))
    if missing:
        print("\nEMAILS NOT RECEIVED:", missing[:20])


if __name__ == "__main__":
    sys.exit(main())
