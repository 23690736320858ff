"""Celery tasks of messaging. They call services."""

from __future__ import annotations

from celery import shared_task

from messaging.services import due_messages_send


@shared_task(name="messaging.send_due_messages", acks_late=True)
def send_due_messages() -> int:
    """Beat, every 5 minutes. Running it twice, or on two hosts, schedules each message once (unique keys)."""
    return len(due_messages_send().scheduled)
