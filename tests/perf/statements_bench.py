"""Closing one month's statements for the load data: time and memory (not part of the test run).

Runs ``statements_close_month`` (what Celery beat runs on the 1st) in this
process, under the production settings (DEBUG off: no query log kept in
memory), against the database of ``generate_load_data``, which charges every
live subscription of the million in last month. Prints the charges and
statements of the month, the wall time, the peak memory of the process
(``VmHWM``, reset just before the run) sampled after each batch to show it
stays flat, and the load average before and after: the machine is shared and
its speed varies. It then checks that the statements' totals add up to the
month's charges to the minor unit.

By default the whole run is one transaction rolled back at the end, so it can
be measured again; ``--commit`` keeps the statements closed (a second run then
closes nothing: the job is idempotent).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_load \\
        .venv/bin/python tests/perf/statements_bench.py [--batch-size 500] [--commit]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.job_process import reset_peak, setup_production_django, status_kib  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--commit", action="store_true", help="keep the statements closed")
    args = parser.parse_args()
    setup_production_django()
    from django.db import connection, transaction
    from django.db.models import Count, Sum
    from django.utils import timezone

    from billing import services
    from billing.models import Charge, Statement
    from devdata.billing_load import last_month

    month = last_month(timezone.localdate())
    charges = Charge.objects.filter(month=month).aggregate(n=Count("id"), total=Sum("amount"))
    open_statements = Statement.objects.filter(month=month, status="open").count()
    subscriptions = Charge.objects.filter(month=month).values("subscription_id").distinct()
    print(f"database: {connection.settings_dict['NAME']}, month {month:%Y-%m}")
    print(
        f"charges: {charges['n']:,} of {subscriptions.count():,} subscriptions; "
        f"open statements: {open_statements:,}"
    )
    batch = args.batch_size or services.CLOSE_BATCH_SIZE
    load_before = os.getloadavg()
    samples = []
    original = services._close_batch

    def sampled(**kwargs):
        closed = original(**kwargs)
        samples.append(status_kib("VmRSS"))
        return closed

    services._close_batch = sampled

    class Rollback(Exception):
        pass

    reset_peak()
    rss_before = status_kib("VmRSS")
    started = time.perf_counter()
    try:
        with transaction.atomic():
            run = services.statements_close_month(month=month, batch_size=batch)
            elapsed = time.perf_counter() - started
            # The last call of a run finds nothing left: it is not a batch.
            batches = max(len(samples) - 1, 0)
            closed = Statement.objects.filter(month=month, status="closed").aggregate(
                total=Sum("total"), lines=Sum("lines")
            )
            again = services.statements_close_month(month=month, batch_size=batch)
            if not args.commit:
                raise Rollback
    except Rollback:
        pass
    peak = status_kib("VmHWM")
    load_after = os.getloadavg()
    print(
        f"closed {run.statements:,} statements in {batches} batches of {batch}: "
        f"{elapsed:.1f} s ({charges['n'] / max(elapsed, 0.001):,.0f} charges a second); "
        f"a second run closed {again.statements}"
    )
    print(
        f"totals: statements {closed['total']} = charges {charges['total']}: "
        f"{'equal' if closed['total'] == charges['total'] else 'DIFFERENT'}; "
        f"lines {closed['lines']:,}"
    )
    if samples:
        print(
            f"memory: peak {peak / 1024:.0f} MiB resident ({(peak - rss_before) / 1024:+.0f} MiB "
            f"during the run); resident after the first batch {samples[0] / 1024:.0f} MiB, "
            f"after the last {samples[-1] / 1024:.0f} MiB"
        )
    print(
        "load average (1, 5, 15 min) before: "
        + ", ".join(f"{v:.2f}" for v in load_before)
        + "; after: "
        + ", ".join(f"{v:.2f}" for v in load_after)
        + f"; {os.cpu_count()} cores"
    )
    print("rolled back" if not args.commit else "committed")


if __name__ == "__main__":
    main()
