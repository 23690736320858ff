"""Shared by the benchmarks: throwaway SQLite databases, Django set-up, ports, timing and printing.

Nothing here is asserted; the scripts print what they measure. Tasks run in-process
(no broker), email goes to the locmem backend, guest pages to a temp MEDIA_ROOT:
no outside service is needed.
"""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "charterops.settings",
            # WAL without fsync per commit: a throwaway database measures the code, not this disk.
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}?init_command="
            + quote("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"),
            "CHARTEROPS_MEDIA_ROOT": str(tmp / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "ERROR",
            # DEBUG off: no per-query log; no HTTPS redirect for the in-process client.
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            # Debug off needs a real key and base URL; admin pages render without `collectstatic`.
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "CHARTEROPS_BASE_URL": "http://127.0.0.1:8000",
            "DJANGO_STATIC_MANIFEST": "false",
        }
    )
    env.update(extra)
    return env


def fresh_database(**extra: str) -> tuple[Path, dict[str, str]]:
    """A temp dir with a migrated SQLite database; returns it and the environment that points at it."""
    tmp = Path(tempfile.mkdtemp(prefix="charterops-bench-"))
    env = bench_env(tmp, **extra)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT
    )
    return tmp, env


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def django_setup_migrated(**env: str) -> Path:
    """Django on a throwaway SQLite database migrated in this process (the app's own settings otherwise)."""
    tmp = Path(tempfile.mkdtemp(prefix="charterops-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charterops.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # the laptop configuration (debug is off unless asked for)
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
