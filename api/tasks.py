"""Celery tasks of the API. They take no arguments and call services."""

from __future__ import annotations

from celery import shared_task

from api.idempotency import idempotency_records_purge


@shared_task(name="api.purge_idempotency_records", acks_late=True)
def purge_idempotency_records() -> int:
    return idempotency_records_purge()
