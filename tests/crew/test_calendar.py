"""The private iCal feed: time zones, stable UIDs, updates and cancellations."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from bookings.models import Booking
from bookings.services import booking_save
from crew.models import Assignment
from tests.factories import BookingFactory, CrewMemberFactory, assign, local

pytestmark = pytest.mark.django_db


def feed_url(member) -> str:
    return reverse("crew:calendar", kwargs={"token": member.calendar_token})


def fetch(member):
    response = Client().get(feed_url(member))
    assert response.status_code == 200
    return response


def events(member) -> list:
    return Calendar.from_ical(fetch(member).content).walk("VEVENT")


def test_the_feed_is_a_calendar_in_the_brands_zone(charter):
    response = fetch(charter.member)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Referrer-Policy"] == "no-referrer" and response["Cache-Control"] == "no-store"
    raw = response.content.decode()
    assert "DTSTART;TZID=America/Los_Angeles:20261205T100000" in raw
    assert "DTEND;TZID=America/Los_Angeles:20261205T150000" in raw
    cal = Calendar.from_ical(response.content)
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "America/Los_Angeles"
    [event] = cal.walk("VEVENT")
    assert event.decoded("dtstart") == charter.booking.start
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["summary"]) == "Sea Breeze · Deckhand"
    assert str(event["location"]) == "Harbor Island West Marina, dock C"
    description = str(event["description"])
    assert "Jordan Guest, party of 6" in description and "Bring the spare cooler." in description
    assert f"https://ops.example.com/crew/events/{charter.event.pk}/" in description


def test_each_brand_keeps_its_own_zone(charter, other_tenant):
    charter.member.tenants.add(other_tenant)
    assign(
        BookingFactory(tenant=other_tenant, start=local(other_tenant, 2026, 12, 6, 17, 30)),
        charter.member,
        "deckhand",
        "1",
        "1",
    )
    raw = fetch(charter.member).content.decode()
    assert "DTSTART;TZID=America/New_York:20261206T173000" in raw
    assert {str(tz["TZID"]) for tz in Calendar.from_ical(raw).walk("VTIMEZONE")} == {
        "America/Los_Angeles",
        "America/New_York",
    }


def test_a_moved_charter_keeps_its_uid_and_raises_sequence_and_last_modified(charter, frozen):
    [before] = events(charter.member)
    frozen.shift(timedelta(minutes=5))
    booking = charter.booking
    booking.start += timedelta(hours=2)
    booking.end += timedelta(hours=2)
    booking_save(booking=booking)
    [after] = events(charter.member)
    assert after["uid"] == before["uid"]
    assert int(after["sequence"]) > int(before["sequence"])
    assert after.decoded("last-modified") > before.decoded("last-modified")
    assert after.decoded("dtstart") == booking.start


def test_the_uid_survives_staff_removing_and_re_adding_the_crew_member(charter):
    from crew.services import assignment_remove

    [before] = events(charter.member)
    assignment_remove(assignment=charter.mine)
    assert events(charter.member) == []  # removed: gone from the feed
    assign(charter.booking, charter.member, "deckhand", "25", "5")
    [after] = events(charter.member)
    assert after["uid"] == before["uid"]


def test_cancellations_stay_in_the_feed_as_cancelled(charter, frozen):
    [before] = events(charter.member)
    frozen.shift(timedelta(minutes=1))
    booking = charter.booking
    booking.status = Booking.Status.CANCELLED
    booking_save(booking=booking)
    [event] = events(charter.member)
    assert str(event["status"]) == "CANCELLED" and str(event["summary"]).startswith("Cancelled:")
    assert int(event["sequence"]) > int(before["sequence"])


def test_a_declined_place_shows_as_cancelled(charter):
    Assignment.objects.filter(pk=charter.mine.pk).update(status=Assignment.Status.DECLINED)
    [event] = events(charter.member)
    assert str(event["status"]) == "CANCELLED"


def test_only_the_members_own_assignments(charter, tenant):
    other = CrewMemberFactory(tenants=[tenant])
    assign(BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 20, 9, 0)), other, "deckhand", "1", "1")
    assert len(events(charter.member)) == 1
    assert len(events(other)) == 1


def test_old_charters_drop_off_the_feed(charter, frozen, settings):
    settings.CREW_CALENDAR_PAST_DAYS = 30
    frozen.move_to(charter.booking.end + timedelta(days=29))
    assert len(events(charter.member)) == 1
    frozen.move_to(charter.booking.end + timedelta(days=31))
    assert events(charter.member) == []


def test_unknown_or_switched_off_calendars_are_404(charter):
    assert Client().get(reverse("crew:calendar", kwargs={"token": "nope"})).status_code == 404
    charter.member.active = False
    charter.member.save()
    assert Client().get(feed_url(charter.member)).status_code == 404


def test_sequence_fits_in_a_32_bit_integer_for_decades(charter, frozen):
    frozen.move_to(datetime.fromisoformat("2060-01-01T00:00:00+00:00"))
    booking = charter.booking
    booking.guest_name = "Later"
    booking.start = local(charter.booking.tenant, 2060, 2, 1, 9, 0)
    booking.end = booking.start + timedelta(hours=3)
    booking_save(booking=booking)
    [event] = events(charter.member)
    assert 0 < int(event["sequence"]) < 2**31


def test_staff_can_replace_a_leaked_calendar_address(charter, tenant):
    from tests.factories import staff_user

    old_url = feed_url(charter.member)
    staff = Client()
    staff.force_login(staff_user(tenant))
    response = staff.post(
        reverse("admin:crew_crewmember_changelist"),
        {"action": "replace_calendar_address", "_selected_action": [charter.member.pk]},
    )
    assert response.status_code == 302
    charter.member.refresh_from_db()
    assert Client().get(old_url).status_code == 404
    assert Client().get(feed_url(charter.member)).status_code == 200


def test_the_feed_keeps_a_constant_query_count(charter, tenant, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        fetch(charter.member)
    for day in range(6):
        booking = BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 10 + day, 9, 0))
        assign(booking, charter.member, "deckhand", "25", "4")
    with django_assert_max_num_queries(len(one)):
        assert len(Calendar.from_ical(fetch(charter.member).content).walk("VEVENT")) == 7
