"""``Idempotency-Key``: a retried request gets the first response and changes nothing.

The record is inserted in the same transaction as the write it protects. Two
concurrent requests with one key collide on the unique constraint: the second
waits for the first to commit, then finds its record and replays it. Only
successful responses are stored; a request that failed changed nothing, so it
may be retried (or corrected) under the same key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from api.models import IdempotencyRecord
from api.validation import ApiError

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces

Result = tuple[int, dict[str, Any]]


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def idempotency_key_check(key: str | None) -> str | None:
    if key is None:
        return None
    if not KEY_PATTERN.match(key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.",
        )
    return key


def _replay(record: IdempotencyRecord, request_hash: str) -> tuple[Result, bool]:
    if record.request_hash != request_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request body.",
        )
    return (record.status_code, record.response_body), True


def run_idempotent(
    *, identity: str, endpoint: str, key: str | None, body: bytes, work: Callable[[], Result]
) -> tuple[Result, bool]:
    """Run ``work`` once per (identity, endpoint, key). Returns the result and whether it was replayed.

    ``work`` raises :class:`ApiError` to refuse; then nothing it wrote is kept.
    """
    if key is None:
        try:
            with transaction.atomic():
                return work(), False
        except IntegrityError as exc:
            raise _conflict() from exc
    request_hash = body_hash(body)
    found = IdempotencyRecord.objects.filter(identity=identity, endpoint=endpoint, key=key).first()
    if found is not None:
        return _replay(found, request_hash)
    try:
        with transaction.atomic():
            # Claim the key first: a concurrent duplicate blocks here until this transaction ends.
            record = IdempotencyRecord.objects.create(
                identity=identity,
                endpoint=endpoint,
                key=key,
                request_hash=request_hash,
                status_code=0,
                response_body={},
            )
            status, payload = work()
            record.status_code, record.response_body = status, payload
            record.save(update_fields=["status_code", "response_body"])
            return (status, payload), False
    except IntegrityError:
        found = IdempotencyRecord.objects.filter(identity=identity, endpoint=endpoint, key=key).first()
        if found is None:
            raise _conflict() from None
        return _replay(found, request_hash)


def idempotency_records_purge(*, older_than_hours: int | None = None, dry_run: bool = False) -> int:
    """Delete records older than the retention period (API_IDEMPOTENCY_RETENTION_HOURS). Returns how many."""
    hours = settings.API_IDEMPOTENCY_RETENTION_HOURS if older_than_hours is None else older_than_hours
    stale = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - timedelta(hours=hours))
    if dry_run:
        return stale.count()
    deleted, _ = stale.delete()
    return deleted


def _conflict() -> ApiError:
    # A constraint the validation could not see yet (a concurrent writer got there first).
    return ApiError(409, "conflict", "The request conflicts with a concurrent change; read the state and retry.")
