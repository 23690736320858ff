"""Django's secret key: from the environment or the Secrets Manager secret, never a default in production.

Whoever knows the key can sign a crew magic link, a session or a password-reset
token, so with debug off the app (web, every management command, the Celery
worker and beat, which all load the settings) refuses to start without a real
one. The public development key below only ever works with ``DJANGO_DEBUG=1``.

Rotation: the new key goes in ``DJANGO_SECRET_KEY`` and the old one in
``DJANGO_SECRET_KEY_FALLBACKS`` (comma-separated), so sessions and links signed
with it keep working until it is removed from the fallbacks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Known to everyone who can read this repository: only for a laptop with debug on.
DEV_SECRET_KEY = "django-insecure-dev-only-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
MIN_LENGTH = 50  # what `check --deploy` asks for
MIN_DISTINCT_CHARACTERS = 5
HOW = "set it to a long random value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def _split(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _weakness(key: str) -> str | None:
    if key == DEV_SECRET_KEY or key.startswith("django-insecure"):
        return "is the public development key"
    if len(key) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return f"has fewer than {MIN_DISTINCT_CHARACTERS} distinct characters"
    return None


def secret_keys(
    environ: Mapping[str, str], *, debug: bool, read_secret: Callable[[str], dict[str, Any]]
) -> tuple[str, list[str]]:
    """(SECRET_KEY, SECRET_KEY_FALLBACKS), or ImproperlyConfigured naming what is missing or weak.

    The environment wins; without ``DJANGO_SECRET_KEY`` there, the JSON secret named by
    ``CHARTEROPS_SECRETS_ID`` is read once (keys ``DJANGO_SECRET_KEY`` and
    ``DJANGO_SECRET_KEY_FALLBACKS``, a list or a comma-separated string).
    """
    key = environ.get("DJANGO_SECRET_KEY", "").strip()
    fallbacks = _split(environ.get("DJANGO_SECRET_KEY_FALLBACKS", ""))
    secret_id = environ.get("CHARTEROPS_SECRETS_ID", "").strip()
    source = "DJANGO_SECRET_KEY"
    if not key and secret_id:
        try:
            stored = read_secret(secret_id)
        except Exception as exc:  # noqa: BLE001 - any store failure stops the start-up with its reason
            raise ImproperlyConfigured(
                f"DJANGO_SECRET_KEY is not set and the Secrets Manager secret {secret_id} "
                f"(CHARTEROPS_SECRETS_ID) could not be read: {type(exc).__name__}: {exc}"
            ) from exc
        key = str(stored.get("DJANGO_SECRET_KEY") or "").strip()
        fallbacks = fallbacks or _split(stored.get("DJANGO_SECRET_KEY_FALLBACKS"))
        source = f"DJANGO_SECRET_KEY in the Secrets Manager secret {secret_id}"
    if debug:
        return key or DEV_SECRET_KEY, fallbacks
    if not key:
        where = (
            f"nor in the Secrets Manager secret {secret_id} named by CHARTEROPS_SECRETS_ID"
            if secret_id
            else "nor in a Secrets Manager secret: CHARTEROPS_SECRETS_ID is not set either"
        )
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is not set ({where}): {HOW}. Debug is off, so there is no default."
        )
    weakness = _weakness(key)
    if weakness:
        raise ImproperlyConfigured(f"{source} {weakness}: {HOW}.")
    for number, fallback in enumerate(fallbacks, start=1):
        weakness = _weakness(fallback)
        if weakness:
            raise ImproperlyConfigured(f"DJANGO_SECRET_KEY_FALLBACKS entry {number} {weakness}: remove it.")
    return key, fallbacks
