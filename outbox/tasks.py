"""Celery tasks of the outbox. They take ids and call services."""

from __future__ import annotations

from celery import shared_task

from outbox import services


@shared_task(name="outbox.run_effect", bind=True, acks_late=True, max_retries=None)
def run_effect(self, effect_id: int) -> str:
    outcome, countdown = services.effect_run(effect_id=effect_id)
    if outcome == services.RunOutcome.RETRY and not self.app.conf.task_always_eager:
        # The row already says when to try again; if this retry cannot be enqueued the relay will.
        services.effect_enqueue(effect_id=effect_id, countdown=countdown)
    return outcome


@shared_task(name="outbox.relay", acks_late=True)
def relay() -> int:
    enqueued, _pending = services.outbox_relay()
    return enqueued
