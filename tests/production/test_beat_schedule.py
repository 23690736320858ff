"""Every task beat schedules exists under that name in the worker (a typo would fail silently there)."""

from __future__ import annotations

from django.conf import settings

from charterops.celery import app


def test_every_scheduled_task_is_registered_by_that_name():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "messaging.send_due_messages" in scheduled
    assert scheduled <= set(app.tasks)


def test_due_messages_run_every_five_minutes():
    # A reminder is due for 30 minutes: every 5 minutes reaches each one several times.
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "messaging.send_due_messages"]
    assert entry["schedule"] == 300.0
