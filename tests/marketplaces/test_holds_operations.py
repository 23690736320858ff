"""Marketplace holds in the operator's day: the calendar's lanes, the day sheet, and the calendar entry
admin (where holds are read-only and nobody makes one by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import CalendarEntry
from tests.factories import BoatFactory, BookingFactory, local, staff_user
from tests.marketplaces.holds_factories import hold_on

pytestmark = pytest.mark.django_db

EVENTS = reverse("operations:calendar_events")
DECEMBER = {"start": "2026-11-30", "end": "2027-01-11"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def boat(tenant):
    return BoatFactory(tenant=tenant, name="Queen of San Diego", capacity=12, turnaround_minutes=30)


@pytest.fixture
def office(tenant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user(tenant, username="office"))
    return client


@pytest.fixture
def hold(boat):
    return hold_on(boat, external_reference="BS-77")  # Mon Dec 7 10:00-13:00 PST


def calendar(client, **params) -> dict:
    response = client.get(EVENTS, {**DECEMBER, **params})
    assert response.status_code == 200, response.content
    return {e["id"]: e for e in response.json()["events"]}


# --- calendar ----------------------------------------------------------------------------------------


def test_the_calendar_shows_an_unclaimed_hold_on_its_boats_lane_as_a_hold(office, tenant, boat, hold):
    found = calendar(office)
    event = found[f"hold-{hold.pk}"]
    assert event["resourceIds"] == [boat.pk]
    assert (event["start"], event["end"]) == ("2026-12-07T10:00:00", "2026-12-07T13:00:00")
    assert event["title"] == "Boatsetter hold"
    assert "co-hold" in event["classNames"] and event["startEditable"] is False
    props = event["extendedProps"]
    assert props["kind"] == "hold" and props["kindLabel"] == "Boatsetter hold"
    assert props["when"] == "Mon Dec 7, 10:00–13:00 PST"
    assert props["url"].startswith(reverse("admin:bookings_booking_add") + "?")
    assert "external_reference=BS-77" in props["url"] and "start=2026-12-07T10%3A00" in props["url"]
    assert not {"guest", "party", "guest_name", "booking"} & set(props)


def test_a_claimed_or_cancelled_hold_is_not_on_the_calendar_its_booking_is(office, tenant, boat, hold):
    cancelled = hold_on(
        boat, "getmyboat", status=CalendarEntry.Status.CANCELLED, start=local(tenant, 2026, 12, 9, 10, 0)
    )
    booking = BookingFactory(tenant=tenant, boat=boat, start=hold.start, end=hold.end, guest_name="Jordan Guest")
    hold.refresh_from_db()
    assert hold.claimed_by == booking
    found = calendar(office)
    assert f"hold-{hold.pk}" not in found and f"hold-{cancelled.pk}" not in found
    assert found[f"booking-{booking.pk}"]["extendedProps"]["guest"] == "Jordan Guest"


def test_the_calendar_json_costs_the_same_queries_with_more_holds(office, tenant, boat):
    def grow(first: int, n: int) -> None:
        for i in range(first, first + n):
            start = local(tenant, 2026, 12, 2 + i, 10, 0)
            hold_on(boat, "getmyboat" if i % 2 else "boatsetter", start=start, end=start + timedelta(hours=3))

    grow(0, 2)
    calendar(office)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert len(calendar(office)) == 2
    grow(2, 18)
    with CaptureQueriesContext(connection) as many:
        assert len(calendar(office)) == 20
    assert len(many) == len(few)


# --- day sheet ---------------------------------------------------------------------------------------


def test_the_day_sheet_lists_the_days_holds_as_bookings_to_enter(office, tenant, boat, hold):
    hold_on(BoatFactory(tenant=tenant, name="Little Tern"), "getmyboat", start=local(tenant, 2026, 12, 8, 10, 0))
    page = unescape(office.get(reverse("operations:day_sheet", kwargs={"day": "2026-12-07"})).content.decode())
    html = page[page.index("<h2>Marketplace holds</h2>") : page.index("</section>", page.index("Marketplace holds"))]
    assert "unconfirmed marketplace booking:" in html and ">enter details</a>" in html
    assert "Queen of San Diego" in html and "BS-77" in html and "10:00" in html
    assert "Little Tern" not in html  # the next day's
    assert reverse("admin:bookings_booking_add") + "?" in html
    empty = unescape(office.get(reverse("operations:day_sheet", kwargs={"day": "2026-12-06"})).content.decode())
    assert "Marketplace holds" not in empty


def test_the_day_sheet_costs_the_same_queries_with_more_holds(office, tenant):
    boats = [BoatFactory(tenant=tenant, name=f"Boat {n}") for n in range(4)]

    def grow(first: int, n: int) -> None:
        for i in range(first, first + n):
            start = local(tenant, 2026, 12, 7, 6 + i // 4, 0)
            hold_on(boats[i % 4], start=start, end=start + timedelta(minutes=30))

    url = reverse("operations:day_sheet", kwargs={"day": "2026-12-07"})
    grow(0, 2)
    with CaptureQueriesContext(connection) as few:
        assert office.get(url).content.decode().count("unconfirmed marketplace booking") == 2
    grow(2, 18)
    with CaptureQueriesContext(connection) as many:
        assert office.get(url).content.decode().count("unconfirmed marketplace booking") == 20
    assert len(many) == len(few)


# --- the calendar entry admin --------------------------------------------------------------------------


def test_holds_are_read_only_in_the_admin_and_show_their_feed_and_booking(office, tenant, boat, hold):
    page = office.get(reverse("admin:bookings_calendarentry_change", args=[hold.pk]))
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert 'name="title"' not in html and 'name="_save"' not in html  # nothing to edit or save
    assert "Boatsetter feed of Queen of San Diego" in html and "BS-77" in html
    assert "Enter the booking" in html
    office.get(reverse("admin:index"))
    refused = office.post(
        reverse("admin:bookings_calendarentry_change", args=[hold.pk]),
        {"title": "Mine now", "csrfmiddlewaretoken": office.cookies["csrftoken"].value},
    )
    assert refused.status_code == 403
    deleting = office.post(
        reverse("admin:bookings_calendarentry_delete", args=[hold.pk]),
        {"post": "yes", "csrfmiddlewaretoken": office.cookies["csrftoken"].value},
    )
    assert deleting.status_code == 403
    hold.refresh_from_db()
    assert hold.title != "Mine now"


def test_the_entry_list_filters_holds_and_names_their_booking(office, tenant, boat, hold):
    booking = BookingFactory(tenant=tenant, boat=boat, start=hold.start, end=hold.end, guest_name="Jordan Guest")
    unclaimed = hold_on(boat, "getmyboat", start=local(tenant, 2026, 12, 9, 10, 0))
    response = office.get(reverse("admin:bookings_calendarentry_changelist"), {"kind__exact": "marketplace"})
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert {r.pk for r in rows} == {hold.pk, unclaimed.pk}
    html = unescape(response.content.decode())
    assert f'Boatsetter · <a href="{reverse("admin:bookings_booking_change", args=[booking.pk])}">' in html
    assert "GetMyBoat · not entered yet" in html


def test_staff_cannot_make_a_hold_by_hand(office, tenant, boat):
    form = office.get(reverse("admin:bookings_calendarentry_add")).context["adminform"].form
    assert "marketplace" not in [value for value, _ in form.fields["kind"].choices]
    assert "maintenance" in [value for value, _ in form.fields["kind"].choices]
    response = office.post(
        reverse("admin:bookings_calendarentry_add"),
        {
            "tenant": tenant.pk,
            "boat": boat.pk,
            "kind": "marketplace",
            "title": "Fake hold",
            "start_0": "2026-12-08",
            "start_1": "10:00",
            "end_0": "2026-12-08",
            "end_1": "12:00",
            "status": "active",
            "csrfmiddlewaretoken": office.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not CalendarEntry.objects.filter(title="Fake hold").exists()
