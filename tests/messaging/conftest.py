"""Shared fixtures of the messaging tests: "now" pinned before the charter, and a booking whose page is published."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from messaging.models import Message
from outbox.models import Effect
from outbox.services import effect_run
from tests.factories import BookingFactory

# Tuesday December 1, 2026, 09:00 in San Diego; BookingFactory's charter is Saturday the 5th, 10:00-15:00 PST.
NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _texts_on_the_console(settings):
    # Texts never leave the process unless a test asks for moto's SNS.
    settings.SMS_BACKEND = "console"


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def published(tenant, now, django_capture_on_commit_callbacks):
    """A booking saved as the admin saves it, with every effect run: page published, confirmation sent."""
    with django_capture_on_commit_callbacks(execute=True):
        booking = BookingFactory(tenant=tenant)
    return booking


def messages(booking, kind: str | None = None) -> list[Message]:
    rows = Message.objects.filter(booking=booking).order_by("id")
    return list(rows.filter(kind=kind) if kind else rows)


def run_queued() -> list[str]:
    """Run every queued effect once, oldest first (a worker catching up); returns the outcomes."""
    return [
        effect_run(effect_id=pk)[0]
        for pk in Effect.objects.filter(status=Effect.Status.QUEUED).order_by("id").values_list("pk", flat=True)
    ]
