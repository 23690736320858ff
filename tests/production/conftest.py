"""Production settings are decided when the settings module is imported, so they are tested in subprocesses.

``production(...)`` runs ``manage.py`` or ``python -c`` with a clean, production-like environment:
debug off, a fresh random key, an https base URL. Nothing from the test process's own
configuration (DJANGO_DEBUG=1 from charterops.settings_test) leaks in.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = ("DJANGO_", "CHARTEROPS_", "CELERY_", "SENTRY_", "LOG_", "EMAIL_", "AWS_", "GUESTPAGES_", "DATABASE_URL")


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIXES)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "charterops.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "CHARTEROPS_BASE_URL": "https://ops.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "CHARTEROPS_MEDIA_ROOT": str(tmp_path / "media"),
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def production(tmp_path):
    """``production(*manage_args, code=None, **env)``: manage.py (or ``python -c code`` after django.setup())."""

    def call(*args: str, code: str | None = None, **overrides: str | None) -> subprocess.CompletedProcess:
        env = production_env(tmp_path, **overrides)
        if code is not None:
            prelude = "import django\ndjango.setup()\n"
            return run([sys.executable, "-c", prelude + code], env)
        return run([sys.executable, "manage.py", *args], env)

    return call
