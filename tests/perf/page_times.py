"""Where one request's time goes, page by page (not part of the test run).

Each benchmark page (tests/perf/bench.py) is requested one at a time in this
process with Django's test client, under the production settings and against
the load database, and its time split into waiting for PostgreSQL (the
driver's execute and fetch calls), rendering templates (less the queries they
run) and the rest of Python (middleware, forms, building queries and rows).
Prints the mean of the quickest quarter of the requests, which is steadier
than a median on a shared machine: per object when a page has several (the
requests go to each in turn), then the mean over its objects and the slowest
object's, the ratio to the reference page, the largest response and the load
average (1 min) when the page was done. A "first visit" page forgets where the
deep pages start before each request (see portal/listing.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_load \\
        .venv/bin/python tests/perf/page_times.py [--requests 60] [--redis URL] [page key ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the benchmark's settings and pages)


class Clock:
    """Seconds spent in wrapped callables, by name."""

    def __init__(self):
        self.spent = {"db": 0.0, "templates": 0.0}
        self.inside = set()

    def wrap(self, owner, name, bucket):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            if bucket in self.inside:  # a template rendered by a template: counted once
                return original(*args, **kwargs)
            self.inside.add(bucket)
            started, db = time.perf_counter(), self.spent["db"]
            try:
                return original(*args, **kwargs)
            finally:
                self.inside.discard(bucket)
                spent = time.perf_counter() - started
                if bucket != "db":  # queries run while rendering count as PostgreSQL
                    spent -= self.spent["db"] - db
                self.spent[bucket] += spent

        setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("keys", nargs="*", help="only these pages (bench.py's keys)")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database of generate_load_data")
    env = bench.production_env(database_url, args.redis)
    os.chdir(bench.ROOT)
    sys.path.insert(0, str(bench.ROOT))
    page_list, _export = bench.pages(env)  # sets the environment up and Django with it

    import psycopg
    from django.template import backends
    from django.template.backends import jinja2  # noqa: F401 (loads backends.jinja2)
    from django.test import Client

    from portal.models import User

    clock = Clock()
    for cursor in (psycopg.Cursor, psycopg.ClientCursor):
        for name in ("execute", "fetchone", "fetchmany", "fetchall"):
            if name in cursor.__dict__:
                clock.wrap(cursor, name, "db")
    # Django's templates and the Jinja2 fragments of the long tables and filter widgets.
    clock.wrap(backends.django.Template, "render", "templates")
    clock.wrap(backends.jinja2.Template, "render", "templates")

    from django.core.cache import cache

    def forget_deep_pages():
        """Forget where the deep pages start (portal.listing), as a minute without visits does."""
        client = cache._cache.get_client()
        keys = list(client.scan_iter(match="*list-start:*"))
        if keys:
            client.delete(*keys)

    client = Client()
    client.force_login(User.objects.get(email=bench.PROVIDER_EMAIL))
    print(f"load average at the start: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    print(
        "| Request | total ms | ÷ ref | slowest object ms | PostgreSQL | templates | Python "
        "| largest KB | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    reference = None
    for page in page_list:
        if page.superuser or (args.keys and page.key not in args.keys + ["reference"]):
            continue
        headers = {"HX-Request": "true"} if page.htmx else {}
        for path in page.paths:
            for _warm in range(2 if page.fresh else 5):
                client.get(path, headers=headers)
        by_path = {path: [] for path in page.paths}
        largest = 0
        for number in range(args.requests):
            path = page.paths[number % len(page.paths)]
            if page.fresh:
                forget_deep_pages()
            clock.spent = {"db": 0.0, "templates": 0.0}
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            total = time.perf_counter() - started
            assert response.status_code == 200, (path, response.status_code)
            largest = max(largest, len(response.content))
            by_path[path].append((total, clock.spent["db"], clock.spent["templates"]))
        # Per object, the mean of its quickest quarter; the page's figure is the mean of its
        # objects' (each object weighs the same), beside the slowest object's.
        figures = []
        for samples in by_path.values():
            samples.sort()
            quickest = samples[: max(1, len(samples) // 4)]
            figures.append([1000 * statistics.mean(s[i] for s in quickest) for i in range(3)])
        total, db, templates = (statistics.mean(f[i] for f in figures) for i in range(3))
        slowest = max(f[0] for f in figures)
        if reference is None:
            reference = total
        print(
            f"| {page.label} | {total:.1f} | {total / reference:.1f} | {slowest:.1f} "
            f"| {db:.1f} | {templates:.1f} | {total - db - templates:.1f} "
            f"| {largest / 1024:.0f} | {os.getloadavg()[0]:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
