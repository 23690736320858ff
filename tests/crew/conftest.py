"""Crew-side helpers: a crew member's phone is a CSRF-enforcing client that opened its link."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from crew.links import link_token
from outbox.models import Effect
from tests.factories import BookingFactory, ChecklistFactory, CrewMemberFactory, assign, local

# Four days before the worked example's charter (2026-12-05 10:00 in San Diego).
BEFORE_CHARTER = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    """Time stands still four days before the charter; ``frozen.move_to(...)`` moves it."""
    with time_machine.travel(BEFORE_CHARTER, tick=False) as traveller:
        yield traveller


@pytest.fixture
def charter(tenant, frozen):
    """A charter with a checklist, a deckhand (the crew member under test) and a captain."""
    from tests.factories import BoatFactory

    boat = BoatFactory(tenant=tenant, name="Sea Breeze", default_meeting_point="Harbor Island West Marina, dock C")
    ChecklistFactory(boat=boat, items=["Fuel checked", "Life jackets counted"])
    booking = BookingFactory(
        tenant=tenant,
        boat=boat,
        guest_name="Jordan Guest",
        guest_phone="+18585550199",
        party_size=6,
        start=local(tenant, 2026, 12, 5, 10, 0),
        crew_notes="Bring the spare cooler.",
    )
    event = booking.crew_event
    event.weather_briefing = "NW 10-15 kn, swell 4 ft."
    event.logistics = "Park in lot B."
    event.gate_code = "4711#"
    event.save()
    deck = CrewMemberFactory(name="Sam Deck", email="sam@example.com", tenants=[tenant])
    captain = CrewMemberFactory(name="Maya Captain", email="maya@example.com", tenants=[tenant])
    mine = assign(booking, deck, "deckhand", "25.00", "5")
    assign(booking, captain, "captain", "50.00", "3")
    # The pipeline has delivered the first invitations (on_commit callbacks do not run in these tests).
    Effect.objects.update(status=Effect.Status.SENT, attempts=1)
    return type("Charter", (), {"booking": booking, "event": event, "member": deck, "captain": captain, "mine": mine})


def csrf(client: Client) -> str:
    return client.cookies["csrftoken"].value


def post(client: Client, url: str, data: dict | None = None, **extra):
    """POST as a browser would: with the CSRF token from the cookie the pages set."""
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": csrf(client)}, **extra)


def link_path(assignment) -> str:
    from django.urls import reverse

    return reverse("crew:link", kwargs={"token": link_token(assignment)})


def open_link(assignment, client: Client | None = None) -> Client:
    """Open the magic link like a phone does: GET the page, press the button."""
    client = client or Client(enforce_csrf_checks=True)
    path = link_path(assignment)
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    response = post(client, path)
    assert response.status_code == 302, response.status_code
    return client
