"""Drag-to-move on the admin calendar: through ``booking_save``, in the brand's zone; a refusal changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from bookings.models import Booking, CalendarEntry
from outbox.models import Effect
from tests.factories import BoatFactory, local, staff_user
from tests.operations.calendar_support import DECEMBER, EVENTS, MOVE, PAGE, by_id, events, move, snapshot  # noqa: F401

pytestmark = pytest.mark.django_db


# Moving


def test_a_move_goes_through_booking_save(office_client, office, charter, later):
    Effect.objects.update(status=Effect.Status.SENT)  # what the booking's creation scheduled has run
    history = charter.history.count()
    response = move(office_client, charter, "2026-12-05T07:00:00", "2026-12-05T10:00:00")
    assert response.status_code == 200, response.content
    assert response.json()["message"] == (
        "Moved Jordan Guest · Boatsetter BS-1001 to Sat Dec 5, 07:00–10:00 PST on Queen of San Diego."
    )
    charter.refresh_from_db()
    assert charter.start == datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # 07:00 PST
    assert charter.occupied_until == datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    assert charter.calendar_entry.start == charter.start
    # The captain who had accepted is asked again; the declined deckhand stays out of it.
    statuses = dict(charter.crew_event.assignments.values_list("crew_member__name", "status"))
    assert statuses == {"Maya Captain": "invited", "Sam Deck": "invited", "Lee Deck": "declined"}
    queued = Effect.objects.filter(booking_id=charter.pk, status=Effect.Status.QUEUED)
    assert queued.filter(kind=Effect.Kind.PUBLISH_GUEST_PAGE).count() == 1
    assert queued.filter(kind=Effect.Kind.SEND_INVITATION, reason="time, boat or meeting point changed").count() == 2
    assert charter.history.count() == history + 1
    assert charter.history.first().history_user == office


def test_a_move_to_another_boat_lane(office_client, charter, small_boat):
    response = move(office_client, charter, "2026-12-05T10:00:00", "2026-12-05T13:00:00", boat=small_boat.pk)
    assert response.status_code == 400  # 6 guests and 2 crew do not fit a boat for 4
    assert "Little Tern carries 4 people" in response.json()["messages"][0]
    charter.refresh_from_db()
    assert charter.boat_id != small_boat.pk
    roomy = BoatFactory(tenant=charter.tenant, name="Sea Breeze", capacity=20)
    response = move(office_client, charter, "2026-12-05T10:00:00", "2026-12-05T13:00:00", boat=roomy.pk)
    assert response.status_code == 200, response.content
    charter.refresh_from_db()
    assert charter.boat == roomy and charter.calendar_entry.boat == roomy


def test_a_refused_move_answers_409_and_changes_nothing(office_client, charter, later):
    before = snapshot(charter)
    response = move(office_client, charter, "2026-12-05T14:00:00", "2026-12-05T17:00:00")
    assert response.status_code == 409
    data = response.json()
    assert data["messages"] == [
        "Queen of San Diego is already booked then: Riley Sunset · Boatsetter BS-1002, "
        "Sat Dec 5, 15:00–18:00 PST (+30 min turnaround)."
    ]
    assert data["clashes"][0]["booking"] == later.pk
    assert snapshot(charter) == before


def test_a_move_onto_a_block_is_refused_and_changes_nothing(office_client, tenant, charter):
    CalendarEntry.objects.create(
        tenant=tenant, kind=CalendarEntry.Kind.BLACKOUT, title="Harbor parade",
        start=local(tenant, 2026, 12, 6, 9, 0), end=local(tenant, 2026, 12, 6, 13, 0),
    )  # fmt: skip
    before = snapshot(charter)
    response = move(office_client, charter, "2026-12-06T10:00:00", "2026-12-06T13:00:00")
    assert response.status_code == 409
    assert "blackout “Harbor parade” (every boat)" in response.json()["messages"][0]
    assert snapshot(charter) == before


def test_a_move_never_overrides_even_for_staff_who_may(office_client, office, charter, later):
    assert office.has_perm("bookings.override_conflict")
    before = snapshot(charter)
    response = move(office_client, charter, "2026-12-05T14:00:00", "2026-12-05T17:00:00", override_reason="Boat swap")
    assert response.status_code == 409
    assert snapshot(charter) == before
    assert Booking.objects.get(pk=charter.pk).conflict_override_reason == ""


def test_a_move_is_read_in_the_brands_zone_across_daylight_saving(office_client, tenant, charter):
    response = move(office_client, charter, "2026-03-08T10:00:00", "2026-03-08T13:00:00")
    assert response.status_code == 200, response.content
    charter.refresh_from_db()
    assert charter.start == datetime(2026, 3, 8, 17, 0, tzinfo=UTC)  # PDT, the day the clocks went forward
    assert "PDT" in response.json()["message"]

    before = snapshot(charter)
    skipped = move(office_client, charter, "2026-03-08T02:30:00", "2026-03-08T05:30:00")
    assert skipped.status_code == 400
    assert "does not exist in America/Los_Angeles" in skipped.json()["messages"][0]
    twice = move(office_client, charter, "2026-11-01T01:30:00", "2026-11-01T04:30:00")
    assert twice.status_code == 400
    assert "happens twice" in twice.json()["messages"][0]
    assert snapshot(charter) == before


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"booking": "1", "start": "2026-12-05T10:00:00", "end": "2026-12-05T13:00:00"}',
        b'{"booking": true, "start": "2026-12-05T10:00:00", "end": "2026-12-05T13:00:00"}',
        b'{"booking": BOOKING, "start": "tomorrow", "end": "2026-12-05T13:00:00"}',
        b'{"booking": BOOKING, "start": 5, "end": "2026-12-05T13:00:00"}',
        b'{"booking": BOOKING, "start": "9999-12-31T23:00:00", "end": "9999-12-31T23:59:00"}',
        b'{"booking": BOOKING, "start": "2026-12-05T13:00:00", "end": "2026-12-05T10:00:00"}',
        b'{"booking": BOOKING, "boat": "x", "start": "2026-12-05T10:00:00", "end": "2026-12-05T13:00:00"}',
        b"\xff\xfe",
    ],
)
def test_bad_moves_get_a_400_and_change_nothing(office_client, charter, body):
    office_client.get(PAGE)
    before = snapshot(charter)
    response = office_client.post(
        MOVE,
        body.replace(b"BOOKING", str(charter.pk).encode()),
        content_type="application/json",
        headers={"X-CSRFToken": office_client.cookies["csrftoken"].value},
    )
    assert response.status_code == 400, response.content
    assert response.json()["messages"][0]
    assert snapshot(charter) == before


def test_moves_need_the_change_permission_and_the_brand(client, tenant, other_tenant, charter, elsewhere):
    viewer = get_user_model().objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_booking"))
    tenant.staff.add(viewer)
    client.force_login(viewer)
    before = snapshot(charter)
    assert move(client, charter, "2026-12-05T07:00:00", "2026-12-05T10:00:00").status_code == 403
    assert snapshot(charter) == before

    office = Client(enforce_csrf_checks=True)
    office.force_login(staff_user(tenant, username="office"))
    theirs = snapshot(elsewhere.booking)
    assert move(office, elsewhere.booking, "2026-12-05T07:00:00", "2026-12-05T10:00:00").status_code == 404
    assert snapshot(elsewhere.booking) == theirs
    # Nor onto another brand's boat.
    response = move(office, charter, "2026-12-05T10:00:00", "2026-12-05T13:00:00", boat=elsewhere.boat.pk)
    assert response.status_code == 400
    assert "Conch Republic" not in response.content.decode()
    assert snapshot(charter) == before


def test_moves_need_the_csrf_token_a_post_and_a_login(office_client, charter):
    office_client.get(PAGE)
    before = snapshot(charter)
    body = json.dumps({"booking": charter.pk, "start": "2026-12-05T07:00:00", "end": "2026-12-05T10:00:00"})
    assert office_client.post(MOVE, body, content_type="application/json").status_code == 403
    assert office_client.get(MOVE).status_code == 405
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(MOVE, body, content_type="application/json").status_code in (302, 403)
    assert snapshot(charter) == before


def test_a_superuser_moves_any_brands_charter(client, elsewhere):
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "x")
    client.force_login(boss)
    response = move(client, elsewhere.booking, "2026-12-05T16:00:00", "2026-12-05T19:00:00")
    assert response.status_code == 200, response.content
    elsewhere.booking.refresh_from_db()
    assert elsewhere.booking.start == datetime(2026, 12, 5, 21, 0, tzinfo=UTC)  # 16:00 EST, Key West's zone
    assert elsewhere.booking.gross_amount == Decimal("840.75")
