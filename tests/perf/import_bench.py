"""A 10,000-row customers import: validation and run time, memory (not part of the test run).

Builds a provider, its admin, a partnered reseller with a location and a
priced offer in the given PostgreSQL database (migrated), generates a
customers CSV of ``--rows`` rows (every row with a subscription, so a
purchase charge; a third credited to the reseller), checks it
(``job_check_upload``: the preview) in this process and runs it as production does: ``job_start`` queues the task on the broker and
one real Celery worker (one process, ``-P solo``, production settings and
password hashers) applies it, while this process polls the job's progress.
Prints the wall times, rows per second, this process's peak memory after
the check, the worker's resident memory when the run starts and ends (and
its peak), and the load average: the machine is shared and its speed varies.

``--in-process`` runs the job here instead (``job_run``, no broker needed).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python tests/perf/import_bench.py [--rows 10000] [--validate-only] [--in-process]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.job_process import (  # noqa: E402
    setup_production_django,
    start_worker,
    status_kib,
)


def _csv(rows: int, sku: str, location_id: str, tag: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["Company name", "Primary domain", "Street", "City", "Postal code", "Country",
         "Contact first name", "Contact last name", "Contact email", "Language",
         "Reseller location ID", "Offer SKU", "Licences"]
    )  # fmt: skip
    for n in range(rows):
        writer.writerow(
            [f"Bench {tag} {n}", f"b{tag}{n:06d}", f"{n} Main Street", "Seattle", "98052", "US",
             "Ada", "Lovelace", f"ada{n}@example.com", "en",
             location_id if n % 3 == 0 else "", sku, str(1 + n % 20)]
        )  # fmt: skip
    return out.getvalue().encode()


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--validate-only", action="store_true", help="check the file, do not run it"
    )
    parser.add_argument("--in-process", action="store_true", help="run the job in this process")
    args = parser.parse_args()
    broker = "" if args.in_process else os.environ.get("CELERY_BROKER_URL", "")
    if not broker and not (args.in_process or args.validate_only):
        raise SystemExit("set CELERY_BROKER_URL (a Redis database for the worker) or --in-process")
    setup_production_django(broker=broker)
    from django.conf import settings

    from billing.models import Charge, PriceListEntry
    from jobs import services
    from jobs.models import Job
    from tests import factories as f

    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average before: {_load()}")
    print(f"password hasher: {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[-1]}")
    tag = uuid.uuid4().hex[:6]
    # A second run in the same database: factory sequences start where no row is yet.
    start = random.SystemRandom().randint(1_000, 900_000)
    for factory in (f.OrganisationFactory, f.PartnerLocationFactory, f.UserFactory):
        factory.reset_sequence(start)
    provider = f.ProviderFactory(legal_name=f"Bench provider {tag}")
    admin = f.MembershipFactory(organisation=provider).user
    reseller = f.ResellerFactory(legal_name=f"Bench reseller {tag}", location=False)
    location = f.PartnerLocationFactory(organisation=reseller)
    f.PartnershipFactory(provider=provider, reseller=reseller)
    offer = f.OfferFactory(name=f"Bench offer {tag}", sku=f"BENCH-{tag}")
    # Priced, so each subscription is charged on its reseller's (or the provider's) statement.
    PriceListEntry.objects.create(
        provider=provider, offer=offer, term="P1M", billing_frequency="monthly",
        cost=Decimal("8.00"), reseller_price=Decimal("10.00"), retail_price=Decimal("12.00"),
        effective_from=date(2020, 1, 1),
    )  # fmt: skip
    raw = _csv(args.rows, offer.sku, location.location_partner_id, tag)
    print(f"file: {args.rows} rows, {len(raw) / 1e6:.1f} MB")

    started = time.perf_counter()
    job = services.job_check_upload(
        org=provider, actor=admin, kind="customers", file_name="bench.csv", raw=raw
    )
    checked = time.perf_counter() - started
    print(f"validated: {job.valid} valid, {job.invalid} invalid in {checked:.1f} s "
          f"({job.total / checked:.0f} rows/s); peak memory {_mib(status_kib('VmHWM'))}; "
          f"load average {_load()}")  # fmt: skip
    if args.validate_only:
        return

    if args.in_process:
        started = time.perf_counter()
        services.job_start(job=job, actor=admin)  # without a broker the task runs here
        ran = time.perf_counter() - started
        job = Job.objects.get(pk=job.pk)
        print(f"imported in this process: {job.done} done, {job.failed} failed in {ran:.1f} s "
              f"({job.done / ran:.0f} rows/s); peak memory {_mib(status_kib('VmHWM'))}")  # fmt: skip
        print(f"load average after: {_load()}")
        return

    from portal.celery import app

    app.control.purge()  # nothing else in this broker database runs first
    worker = start_worker(broker)
    try:
        _wait_for_worker(app)
        rss_start = status_kib("VmRSS", worker.pid)
        started = time.perf_counter()
        services.job_start(job=job, actor=admin)
        rss_max = rss_start
        while True:
            time.sleep(0.5)
            rss_max = max(rss_max, status_kib("VmRSS", worker.pid))
            job = Job.objects.get(pk=job.pk)
            if job.status in (Job.Status.DONE, Job.Status.CANCELLED):
                break
            if worker.poll() is not None:
                raise SystemExit("the worker stopped")
        ran = time.perf_counter() - started
        rss_end = status_kib("VmRSS", worker.pid)
        peak = status_kib("VmHWM", worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    charges = Charge.objects.filter(provider=provider).count()
    print(f"imported by one worker: {job.done} done, {job.failed} failed in {ran:.1f} s "
          f"({job.done / ran:.0f} rows/s); {charges} purchase charges")  # fmt: skip
    print(f"worker memory: {_mib(rss_start)} at the start, {_mib(rss_end)} at the end "
          f"(largest seen {_mib(rss_max)}, peak {_mib(peak)})")  # fmt: skip
    print(f"load average after: {_load()}")


def _wait_for_worker(app, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    raise SystemExit("no worker answered")


if __name__ == "__main__":
    main()
