"""A 10,000-row customers import: validation and run time, memory (not part of the test run).

Builds a provider, its admin, a partnered reseller with a location and an
offer in the given PostgreSQL database (migrated), generates a customers CSV
of ``--rows`` rows (every row with a subscription, a third credited to the
reseller), checks it (``job_check_upload``: the preview) and runs it
(``job_run``, the worker's code, in this process: one worker). Prints the
wall times, rows per second, the peak memory (``VmHWM``) after each step and
the load average: the machine is shared and its speed varies.

Each customer's temporary admin password is hashed with the project's
password hasher (PBKDF2, about 0.5 s a password here), which alone makes
10,000 customers take over an hour. ``--fast-hasher`` measures the import
machinery with the test suite's hasher instead; say which one a figure used.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python tests/perf/import_bench.py [--rows 10000] [--fast-hasher] [--validate-only]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--fast-hasher", action="store_true")
    parser.add_argument(
        "--validate-only", action="store_true", help="check the file, do not run it"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a migrated PostgreSQL database")
    os.environ.update(
        DEBUG="0",
        SECRET_KEY="benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="portal.settings",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.fast_hasher:
        from django.conf import settings

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from jobs import services
    from jobs.models import Job
    from tests import factories as f

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
    raw = _csv(args.rows, offer.sku, location.location_partner_id, tag)
    print(f"load average before: {os.getloadavg()}")
    print(f"file: {args.rows} rows, {len(raw) / 1e6:.1f} MB; peak memory {_peak_mib():.0f} MiB")

    started = time.perf_counter()
    job = services.job_check_upload(
        org=provider, actor=admin, kind="customers", file_name="bench.csv", raw=raw
    )
    checked = time.perf_counter() - started
    print(f"validated: {job.valid} valid, {job.invalid} invalid in {checked:.1f} s; "
          f"peak memory {_peak_mib():.0f} MiB")  # fmt: skip

    if args.validate_only:
        return
    started = time.perf_counter()
    # Without a broker the task runs eagerly as the start commits: the worker's code, here.
    services.job_start(job=job, actor=admin)
    services.job_run(job_id=job.pk)  # a no-op once it is done
    ran = time.perf_counter() - started
    job = Job.objects.get(pk=job.pk)
    print(f"imported: {job.done} done, {job.failed} failed in {ran:.1f} s "
          f"({job.done / ran:.0f} rows/s); peak memory {_peak_mib():.0f} MiB")  # fmt: skip
    print(f"hasher: {'MD5 (test suite)' if args.fast_hasher else 'project default'}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
