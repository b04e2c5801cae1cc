"""What the job benchmarks (renewals, statements, imports) share: a process's memory, read
from /proc, Django set up with the production settings against the load database, and a
real Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def status_kib(field: str, pid: int | str = "self") -> int:
    """A field of /proc/<pid>/status (VmRSS, VmHWM) in KiB: this process's by default."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> None:
    # Writing 5 resets the peak resident set size (VmHWM) to the current one.
    Path("/proc/self/clear_refs").write_text("5")


PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
    "ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "LOG_LEVEL": "WARNING",
}


def start_worker(broker: str) -> subprocess.Popen:
    """One Celery worker (one process, one task at a time) under the production settings."""
    env = {**os.environ, **PRODUCTION_ENV, "CELERY_BROKER_URL": broker}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-P", "solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def setup_production_django(broker: str = "") -> None:
    """Django with the production settings on the PostgreSQL database of generate_load_data.

    With ``broker``, tasks go to it (a real worker runs them); without, they run in this process.
    """
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database of generate_load_data")
    os.environ.update(PRODUCTION_ENV)
    os.environ.pop("CELERY_BROKER_URL", None)
    if broker:
        os.environ["CELERY_BROKER_URL"] = broker
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
