"""Request helpers shared by the calendar tests (their fixtures are in conftest.py)."""

from __future__ import annotations

import json

from django.urls import reverse

from bookings.models import CalendarEntry
from crew.models import Assignment
from outbox.models import Effect

PAGE = reverse("operations:calendar")
EVENTS = reverse("operations:calendar_events")
MOVE = reverse("operations:calendar_move")
DECEMBER = {"start": "2026-11-30", "end": "2027-01-11"}


def events(client, **params):
    return client.get(EVENTS, {**DECEMBER, **params})


def by_id(response) -> dict:
    assert response.status_code == 200, response.content
    return {e["id"]: e for e in response.json()["events"]}


def move(client, booking, start, end, boat=None, **extra):
    """POST the move as the page does: JSON with the CSRF token from the page's cookie."""
    if "csrftoken" not in client.cookies:
        client.get(PAGE)
    body = {"booking": booking if isinstance(booking, int) else booking.pk, "start": start, "end": end, **extra}
    if boat is not None:
        body["boat"] = boat
    return client.post(
        MOVE,
        json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )


def snapshot(booking):
    """Everything a refused move must leave as it was."""
    booking.refresh_from_db()
    return {
        "booking": (booking.start, booking.end, booking.boat_id, booking.occupied_until, booking.updated_at),
        "history": booking.history.count(),
        "assignments": list(
            Assignment.objects.filter(event__booking=booking).values_list("pk", "status").order_by("pk")
        ),
        "assignment_history": Assignment.history.filter(event_id=booking.crew_event.pk).count(),
        "effects": list(Effect.objects.values_list("pk", "kind", "status", "reason").order_by("pk")),
        "entry": CalendarEntry.objects.filter(booking=booking).values_list("start", "end", "boat_id").get(),
    }
