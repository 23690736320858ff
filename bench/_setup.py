"""Shared set-up for the benchmarks: a throwaway SQLite database, migrated, and Django ready.

Every figure is a ratio against a baseline measured in the same run, because these
machines are noisy. Nothing here is asserted: the scripts print what they measure.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def django_setup(**env: str) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="charterops-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charterops.settings")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["CHARTEROPS_MEDIA_ROOT"] = str(tmp / "media")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return tmp


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def report(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n== {title}")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key.ljust(width)}  {value}")


median = statistics.median
