"""The only place the service API's secrets are read or written.

By default they come from settings (environment variables). When
``CHARTEROPS_SECRETS_ID`` is set they come from that AWS Secrets Manager secret,
a JSON object with the same keys as the variables::

    {"DASHBOARD_TOKEN": "...", "SERVICE_KEY_HASH": "$2b$12$...",
     "SERVICE_KEY_HASH_PREVIOUS": "$2b$12$...", "SERVICE_KEY_PREVIOUS_EXPIRES_AT": "2026-01-02T03:04:05+00:00"}

The secret is re-read after ``CHARTEROPS_SECRETS_TTL_SECONDS``, so a rotation
reaches every process within that time without a deploy. The same secret may also
hold ``DJANGO_SECRET_KEY`` (and ``DJANGO_SECRET_KEY_FALLBACKS``), read once when a
process starts (charterops/secret_key.py). AWS itself is reached through
charterops/secrets_store.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime

from charterops import secrets_store

logger = logging.getLogger(__name__)

SECRET_KEYS = ("DASHBOARD_TOKEN", "SERVICE_KEY_HASH", "SERVICE_KEY_HASH_PREVIOUS", "SERVICE_KEY_PREVIOUS_EXPIRES_AT")


class SecretsUnavailable(Exception):
    """The secret store could not be read and nothing was read from it before."""


@dataclass(frozen=True)
class ApiSecrets:
    dashboard_token: str
    service_key_hash: str
    service_key_hash_previous: str
    previous_expires_at: dt.datetime | None

    def accepted_hashes(self, now: dt.datetime) -> list[str]:
        """The current hash, then the previous one while its grace period lasts."""
        hashes = [self.service_key_hash] if self.service_key_hash else []
        previous = self.service_key_hash_previous
        in_grace = self.previous_expires_at is not None and now < self.previous_expires_at
        if previous and previous != self.service_key_hash and in_grace:
            hashes.append(previous)
        return hashes


def _parse_expiry(value: str) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        # A grace period without a clear end would keep an old key alive forever.
        logger.error("SERVICE_KEY_PREVIOUS_EXPIRES_AT=%r is not an ISO-8601 time with offset; ignored", value)
        return None
    return parsed


def _from_mapping(values: dict[str, Any]) -> ApiSecrets:
    return ApiSecrets(
        dashboard_token=str(values.get("DASHBOARD_TOKEN") or ""),
        service_key_hash=str(values.get("SERVICE_KEY_HASH") or ""),
        service_key_hash_previous=str(values.get("SERVICE_KEY_HASH_PREVIOUS") or ""),
        previous_expires_at=_parse_expiry(str(values.get("SERVICE_KEY_PREVIOUS_EXPIRES_AT") or "")),
    )


def _store() -> dict[str, Any]:
    return {"region_name": settings.AWS_S3_REGION_NAME, "endpoint_url": settings.AWS_SECRETS_ENDPOINT_URL}


def secret_read(secret_id: str) -> dict[str, Any]:
    """The JSON object stored in ``secret_id`` (AWSCURRENT), through charterops.secrets_store."""
    return secrets_store.secret_read(secret_id, **_store())


def secret_write(secret_id: str, values: dict[str, Any]) -> None:
    """Store ``values`` as the new current version of ``secret_id``."""
    secrets_store.secret_write(secret_id, values, **_store())
    secrets_reset()


_lock = threading.Lock()
_cached: tuple[str, float, ApiSecrets] | None = None  # (secret id, fetched at monotonic, value)


def secrets_reset() -> None:
    """Forget the cached secret so the next request reads it again."""
    global _cached
    with _lock:
        _cached = None


def api_secrets() -> ApiSecrets:
    """The secrets in force now: settings, or the Secrets Manager secret cached for a short time."""
    global _cached
    secret_id = settings.CHARTEROPS_SECRETS_ID
    if not secret_id:
        return _from_mapping({key: getattr(settings, key, "") for key in SECRET_KEYS})
    now = time.monotonic()
    cached = _cached
    if cached is not None and cached[0] == secret_id and now - cached[1] < settings.CHARTEROPS_SECRETS_TTL_SECONDS:
        return cached[2]
    with _lock:
        cached = _cached
        if cached is not None and cached[0] == secret_id and now - cached[1] < settings.CHARTEROPS_SECRETS_TTL_SECONDS:
            return cached[2]
        try:
            value = _from_mapping(secret_read(secret_id))
        except Exception as exc:  # noqa: BLE001 - any store failure: keep the last good value
            if cached is not None and cached[0] == secret_id:
                logger.warning("api: could not refresh secret %s (%s); using the cached value", secret_id, exc)
                _cached = (secret_id, now, cached[2])
                return cached[2]
            logger.error("api: could not read secret %s: %s", secret_id, exc)
            raise SecretsUnavailable(str(exc)) from exc
        _cached = (secret_id, now, value)
        return value
