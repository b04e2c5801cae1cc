"""The renewal job on one day's share of the load data: time and memory (not part of the test run).

Runs ``subscriptions_renew_due`` in this process, under the production
settings (DEBUG off: no query log kept in memory) against the database of
``generate_load_data``, with ``now`` at the midnight that ends today, so it
renews (or expires) every live subscription whose term ends by then: about
4,000 of the million. Prints how many, the wall time, the time per batch, the
peak memory of the process (``VmHWM``, reset just before the run) and the load
average before and after: the machine is shared and its speed varies.

By default the whole run is one transaction that is rolled back at the end,
so the load database can be measured again (each batch is then a savepoint,
not a commit: a commit's flush of a few hundred rows is a few milliseconds).
``--commit`` keeps the renewals, as the hourly job does.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_load \\
        .venv/bin/python tests/perf/renewal_bench.py [--batch-size 500] [--commit]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.job_process import reset_peak, setup_production_django, status_kib  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--commit", action="store_true", help="keep the renewals")
    args = parser.parse_args()
    setup_production_django()
    from django.db import connection, transaction

    from subscriptions import services
    from subscriptions.models import Subscription
    from subscriptions.selectors import LIVE_STATUSES

    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    due = Subscription.objects.filter(status__in=LIVE_STATUSES, term_end__lte=now)
    total = Subscription.objects.count()
    expected = due.count()
    with_change = due.filter(scheduled_changes__status="pending").count()
    print(f"database: {connection.settings_dict['NAME']}, {total:,} subscriptions")
    print(
        f"due by {now:%Y-%m-%d %H:%M} UTC: {expected:,} ({with_change:,} with a scheduled change)"
    )
    batch = args.batch_size or services.RENEWAL_BATCH_SIZE
    load_before = os.getloadavg()

    class Rollback(Exception):
        pass

    reset_peak()
    rss_before = status_kib("VmRSS")
    started = time.perf_counter()
    try:
        with transaction.atomic():
            run = services.subscriptions_renew_due(now=now, batch_size=batch)
            elapsed = time.perf_counter() - started
            left = due.count()
            if not args.commit:
                raise Rollback
    except Rollback:
        pass
    peak = status_kib("VmHWM")
    load_after = os.getloadavg()
    print(
        f"renewed {run.renewed:,}, expired {run.expired:,} in {run.batches} batches of "
        f"{batch}: {elapsed:.1f} s ({elapsed / max(run.batches, 1):.2f} s a batch, "
        f"{(run.renewed + run.expired) / elapsed:,.0f} a second); left due: {left}"
    )
    print(
        f"memory: peak {peak / 1024:.0f} MiB resident ({(peak - rss_before) / 1024:+.0f} MiB "
        "during the run)"
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
