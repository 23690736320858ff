"""Celery tasks of the crew app. They take no arguments or ids, and call services."""

from __future__ import annotations

from celery import shared_task

from crew.services import credential_expiry_notices_schedule


@shared_task(name="crew.notify_expiring_credentials", acks_late=True)
def notify_expiring_credentials() -> int:
    return len(credential_expiry_notices_schedule())
