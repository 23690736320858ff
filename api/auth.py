"""Who is calling the service API: the dashboard (a shared token) or a service (a bcrypt-hashed key).

bcrypt costs ~0.3 s per check, so a key that verified once is remembered per
process. The cache is keyed by an HMAC of the key (never the key itself) and
the hash it matched, so a rotated-out hash stops matching at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import bcrypt
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from api.secrets import api_secrets

logger = logging.getLogger(__name__)

BCRYPT_MAX_BYTES = 72


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: ``identity`` scopes idempotency keys, ``name`` goes into the audit trail."""

    identity: str
    name: str

    @property
    def actor(self) -> str:
        return f"service:{self.name}"


def key_id(stored_hash: str) -> str:
    """A short, non-secret name for a stored key hash (shown in the audit trail)."""
    return "key-" + hashlib.sha256(stored_hash.encode()).hexdigest()[:8]


def key_fingerprint(raw: bytes) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), raw, hashlib.sha256).digest()


_verified: OrderedDict[tuple[bytes, str], None] = OrderedDict()
_verified_lock = threading.Lock()


def verified_cache_clear() -> None:
    with _verified_lock:
        _verified.clear()


def _remember(entry: tuple[bytes, str]) -> None:
    with _verified_lock:
        _verified[entry] = None
        _verified.move_to_end(entry)
        while len(_verified) > max(settings.API_KEY_CACHE_SIZE, 1):
            _verified.popitem(last=False)


def _recall(entry: tuple[bytes, str]) -> bool:
    with _verified_lock:
        if entry in _verified:
            _verified.move_to_end(entry)
            return True
    return False


def _ascii_secret(presented: str | None) -> bytes | None:
    """The presented secret as bytes, or None when no stored secret could ever match it."""
    if not presented:
        return None
    try:
        raw = presented.encode("ascii")
    except UnicodeEncodeError:
        return None
    if len(raw) > BCRYPT_MAX_BYTES:
        return None
    return raw


def service_key_verify(presented: str | None) -> Caller | None:
    """The caller whose key this is, or None. Accepts the previous hash during its grace period."""
    raw = _ascii_secret(presented)
    if raw is None:
        return None
    hashes = api_secrets().accepted_hashes(timezone.now())
    fingerprint = key_fingerprint(raw)
    for stored in hashes:
        if _recall((fingerprint, stored)):
            return Caller(identity=f"service:{key_id(stored)}", name=key_id(stored))
    for stored in hashes:
        try:
            ok = bcrypt.checkpw(raw, stored.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            logger.error("api: %s is not a bcrypt hash; check SERVICE_KEY_HASH", key_id(stored))
            continue
        if ok:
            _remember((fingerprint, stored))
            return Caller(identity=f"service:{key_id(stored)}", name=key_id(stored))
    return None


def dashboard_token_verify(presented: str | None) -> Caller | None:
    """The dashboard caller if ``presented`` equals the configured token (compared in constant time)."""
    raw = _ascii_secret(presented)
    configured = api_secrets().dashboard_token
    if raw is None or not configured:
        return None
    # constant_time_compare, not hmac.compare_digest: the latter raises TypeError on non-ASCII str.
    if constant_time_compare(raw, configured.encode()):
        return Caller(identity="dashboard", name="dashboard")
    return None


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


# --- failed attempts per client IP ---------------------------------------------
_WINDOW_SECONDS = 60


def _failure_key(ip: str) -> str:
    return f"api:auth-failures:{ip}:{int(time.time() // _WINDOW_SECONDS)}"


def client_ip(request) -> str:
    # REMOTE_ADDR, not X-Forwarded-For: a client could forge the header to dodge the limit.
    return request.META.get("REMOTE_ADDR") or "unknown"


def auth_blocked(request) -> bool:
    """Too many wrong credentials from this IP in the current minute."""
    return (cache.get(_failure_key(client_ip(request))) or 0) >= settings.API_AUTH_FAILURES_PER_MINUTE


def auth_failure_record(request) -> None:
    key = _failure_key(client_ip(request))
    if cache.add(key, 1, timeout=_WINDOW_SECONDS * 2):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=_WINDOW_SECONDS * 2)


def retry_after_seconds() -> int:
    return _WINDOW_SECONDS - int(time.time() % _WINDOW_SECONDS)
