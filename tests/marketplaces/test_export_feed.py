"""A boat's export feed, parsed back with icalendar: what it lists, its times, UIDs and SEQUENCE."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from icalendar import Calendar

from bookings.models import Booking, CalendarEntry, MarketplaceFeed
from bookings.services import booking_save, calendar_entry_save
from tests.factories import BookingFactory, local
from tests.marketplaces.export_support import (  # noqa: F401 - fixtures
    as_utc,
    block,
    booking_uid,
    entry_uid,
    events,
    fetch,
    frozen_fixture,
    hold,
    scene_fixture,
)

pytestmark = pytest.mark.django_db


def test_the_feed_lists_exactly_what_takes_the_boat_from_now_on(scene):
    got = {uid: (e["start"], e["end"], e["summary"]) for uid, e in events(scene.boat).items()}
    assert got == as_utc(scene.listed)


def test_times_are_utc_and_bookings_include_the_turnaround(scene):
    raw = fetch(scene.boat).content.decode()
    # Sat Dec 5 10:00-15:00 in San Diego (PST, UTC-8), plus 30 minutes of turnaround.
    assert "DTSTART:20261205T180000Z" in raw and "DTEND:20261205T233000Z" in raw
    assert "TZID" not in raw and "VTIMEZONE" not in raw


def test_the_calendar_names_the_boat_and_asks_to_be_polled_every_15_minutes(scene):
    response = fetch(scene.boat)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content.decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n" in raw and "X-PUBLISHED-TTL:PT15M\r\n" in raw
    cal = Calendar.from_ical(response.content)
    assert str(cal["version"]) == "2.0"
    assert str(cal["prodid"]) == "-//charterops//boat availability//EN"
    assert str(cal["x-wr-calname"]) == "Sea Breeze (Queen of San Diego)"


def test_events_carry_only_times_uid_sequence_and_a_neutral_summary(scene):
    cal = Calendar.from_ical(fetch(scene.boat).content)
    for event in cal.walk("VEVENT"):
        assert set(event.keys()) == {"UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY", "TRANSP"}
        assert str(event["summary"]) in {"Reserved", "Maintenance", "Blackout"}
        assert str(event["transp"]) == "OPAQUE"


def test_uids_and_bytes_are_stable_between_two_polls(scene, frozen):
    first = fetch(scene.boat)
    frozen.shift(timedelta(minutes=15))
    second = fetch(scene.boat)
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]


def test_a_moved_booking_keeps_its_uid_and_raises_its_sequence(scene, frozen):
    uid = booking_uid(scene.direct)
    before = events(scene.boat)[uid]
    frozen.shift(timedelta(minutes=5))
    booking = Booking.objects.get(pk=scene.direct.pk)
    booking.start += timedelta(hours=2)
    booking.end += timedelta(hours=2)
    booking_save(booking=booking)
    after = events(scene.boat)[uid]
    assert after["sequence"] > before["sequence"]
    assert after["start"] == before["start"] + timedelta(hours=2)
    assert after["end"] == before["end"] + timedelta(hours=2)


def test_a_moved_block_and_a_hold_the_sync_moved_raise_their_sequence(scene, frozen):
    maintenance = CalendarEntry.objects.get(
        boat=scene.boat, kind=CalendarEntry.Kind.MAINTENANCE, end__gt=timezone.now()
    )
    held = CalendarEntry.objects.get(
        boat=scene.boat, kind=CalendarEntry.Kind.MARKETPLACE, claimed_by__isnull=True, status="active"
    )
    before = events(scene.boat)
    frozen.shift(timedelta(minutes=5))
    maintenance.end += timedelta(hours=1)
    calendar_entry_save(entry=maintenance, service="tests")
    # The sync may move a hold with a queryset update (no updated_at): its sequence bump still shows.
    CalendarEntry.objects.filter(pk=held.pk).update(start=held.start + timedelta(hours=1), sequence=held.sequence + 1)
    after = events(scene.boat)
    assert after[entry_uid(maintenance)]["sequence"] > before[entry_uid(maintenance)]["sequence"]
    assert after[entry_uid(held)]["sequence"] == before[entry_uid(held)]["sequence"] + 1
    assert after[entry_uid(held)]["start"] == before[entry_uid(held)]["start"] + timedelta(hours=1)


def test_a_cancelled_booking_disappears(scene):
    uid = booking_uid(scene.direct)
    assert uid in events(scene.boat)
    booking = Booking.objects.get(pk=scene.direct.pk)
    booking.status = Booking.Status.CANCELLED
    booking_save(booking=booking)
    assert uid not in events(scene.boat)


def test_a_weather_owed_booking_and_an_ended_one_disappear(scene, frozen):
    booking = Booking.objects.get(pk=scene.direct.pk)
    booking.status = Booking.Status.WEATHER_OWED
    booking_save(booking=booking)
    assert booking_uid(booking) not in events(scene.boat)
    running = {uid for uid, e in events(scene.boat).items() if e["end"] <= timezone.now() + timedelta(minutes=30)}
    assert len(running) == 1  # the charter on the water now, until its turnaround ends
    frozen.shift(timedelta(minutes=31))
    assert not running & set(events(scene.boat))


def test_a_brand_blackout_shows_on_every_boat_of_the_brand_only(scene):
    blackout = CalendarEntry.objects.get(boat__isnull=True, tenant=scene.boat.tenant, kind=CalendarEntry.Kind.BLACKOUT)
    assert entry_uid(blackout) in events(scene.boat)
    assert entry_uid(blackout) in events(scene.sister)
    assert entry_uid(blackout) not in events(scene.foreign)


def test_another_brands_boat_never_shows_this_brands_entries(scene):
    ours = set(scene.listed)
    theirs = events(scene.foreign)
    assert len(theirs) == 3  # its own booking, its maintenance and its own brand's blackout
    assert not ours & set(theirs)
    foreign_ids = {
        *(
            f"booking-{pk}@ops.example.com"
            for pk in Booking.objects.filter(boat=scene.foreign).values_list("pk", flat=True)
        ),
        *(
            f"entry-{pk}@ops.example.com"
            for pk in CalendarEntry.objects.filter(tenant=scene.foreign.tenant, booking__isnull=True).values_list(
                "pk", flat=True
            )
        ),
    }
    assert set(theirs) <= foreign_ids


def test_a_hold_claimed_by_a_booking_is_listed_once_as_the_booking(scene):
    feed = MarketplaceFeed.objects.get(boat=scene.boat, source=Booking.Source.GETMYBOAT)
    t = lambda *a: local(scene.boat.tenant, 2026, 12, *a)  # noqa: E731
    loose = hold(feed, t(27, 9, 0), t(27, 12, 0), uid="gmb-801@getmyboat.example", external_reference="GMB-801")
    assert entry_uid(loose) in events(scene.boat)
    # Staff enter the GetMyBoat booking: it claims the hold (bookings/holds.py), the feed lists the booking.
    booking = BookingFactory(
        tenant=scene.boat.tenant,
        boat=scene.boat,
        source=Booking.Source.GETMYBOAT,
        external_reference="GMB-801",
        start=t(27, 9, 0),
        end=t(27, 12, 0),
    )
    loose.refresh_from_db()
    assert loose.claimed_by_id == booking.pk
    listed = events(scene.boat)
    assert booking_uid(booking) in listed and entry_uid(loose) not in listed


def test_nothing_about_the_guest_the_money_or_the_notes_reaches_the_feed(tenant, frozen):
    from tests.factories import BoatFactory

    boat = BoatFactory(tenant=tenant, name="Sea Breeze", default_meeting_point="SENTINEL-DOCK-3f0")
    t = lambda *a: local(tenant, 2026, 12, *a)  # noqa: E731
    booking = BookingFactory(
        tenant=tenant,
        boat=boat,
        guest_name="SENTINEL-GUEST-7c1",
        guest_email="sentinel-7c1@example.org",
        guest_phone="+1 858 555 7731",
        party_size=7,
        external_reference="SENTINEL-REF-5e2",
        meeting_point="SENTINEL-MEET-a41",
        internal_notes="SENTINEL-INTERNAL-b52",
        crew_notes="SENTINEL-CREW-c63",
        guest_notes="SENTINEL-GUESTNOTE-d74",
        gross_amount=Decimal("98765.43"),
        platform_fee=Decimal("4321.09"),
        port_tax_rate=Decimal("17.77"),
        start=t(5, 10, 0),
        end=t(5, 15, 0),
    )
    block(tenant, boat, CalendarEntry.Kind.MAINTENANCE, t(9, 6, 0), t(9, 8, 0), title="SENTINEL-BLOCK-e85")
    feed = MarketplaceFeed.objects.create(boat=boat, source="getmyboat", url="https://feeds.example.net/SENTINEL-URL")
    hold(
        feed,
        t(19, 9, 0),
        t(19, 13, 0),
        uid="SENTINEL-UID-f96@getmyboat.example",
        title="SENTINEL-HOLD-0a7 Riley Guest",
        external_reference="SENTINEL-HOLDREF-1b8",
    )
    body = fetch(boat).content
    assert len(Calendar.from_ical(body).walk("VEVENT")) == 3
    # Unfolded, so a value split over two lines would still be found; whole values, so a primary key or
    # a SEQUENCE cannot match a digit string by chance.
    text = body.decode().replace("\r\n ", "")
    for sentinel in (
        "SENTINEL",
        "sentinel-7c1",
        "8585557731",
        "555 7731",
        "98765.43",
        "98765,43",
        "4321.09",
        "17.77",
        "Riley",
        "Jordan",
        booking.tenant.guest_domain,
        "getmyboat",
        "feeds.example.net",
    ):
        assert sentinel.lower() not in text.lower(), sentinel
