"""A boat is never booked twice: bookings with turnaround, blocks, overrides, through ``booking_save``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bookings.availability import ConflictError
from bookings.models import Booking, CalendarEntry
from bookings.services import boat_save, booking_save, calendar_entry_save
from outbox.models import Effect
from tests.factories import BoatFactory, BookingFactory, TenantFactory, local

pytestmark = pytest.mark.django_db


def new_booking(tenant, boat, start, hours=3, **extra) -> Booking:
    values = {
        "tenant": tenant,
        "boat": boat,
        "guest_name": "Riley Second",
        "party_size": 4,
        "start": start,
        "end": start + timedelta(hours=hours),
        "gross_amount": Decimal("500.00"),
        **extra,
    }
    return Booking(**values)


def test_an_overlapping_booking_is_refused_naming_the_other(tenant, boat, first):
    with pytest.raises(ConflictError) as caught:
        booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 5, 12, 0)))
    message = " ".join(caught.value.messages)
    assert "Queen of San Diego is already booked then" in message
    assert "Jordan Guest · Boatsetter BS-1001" in message
    assert "Sat Dec 5, 10:00–13:00 PST" in message  # the brand's local time, not UTC
    assert caught.value.clashes[0].booking_id == first.pk


def test_nothing_of_a_refused_booking_is_written(tenant, boat, first):
    counts = (Booking.objects.count(), CalendarEntry.objects.count(), Effect.objects.count(), Booking.history.count())
    with pytest.raises(ConflictError):
        booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 5, 9, 0)))
    assert (
        Booking.objects.count(),
        CalendarEntry.objects.count(),
        Effect.objects.count(),
        Booking.history.count(),
    ) == counts


@pytest.mark.parametrize(
    ("hour", "minute", "ok"),
    [
        (13, 0, False),  # touching the end: inside the 30 minutes of turnaround
        (13, 29, False),
        (13, 30, True),  # exactly when the turnaround ends
        (14, 0, True),
    ],
)
def test_the_turnaround_follows_each_booking(tenant, boat, first, hour, minute, ok):
    later = new_booking(tenant, boat, local(tenant, 2026, 12, 5, hour, minute))
    if ok:
        booking_save(booking=later)
        assert later.pk
    else:
        with pytest.raises(ConflictError, match="turnaround"):
            booking_save(booking=later)


def test_touching_bookings_are_fine_without_turnaround(tenant):
    boat = BoatFactory(tenant=tenant, turnaround_minutes=0)
    BookingFactory(
        tenant=tenant, boat=boat, start=local(tenant, 2026, 12, 5, 10, 0), end=local(tenant, 2026, 12, 5, 13, 0)
    )
    booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 5, 13, 0)))
    # ...and the booking before: its end touching the first one's start.
    booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 5, 7, 0), guest_name="Early"))
    assert Booking.objects.filter(boat=boat).count() == 3


def test_a_booking_before_another_needs_its_own_turnaround(tenant, boat, first):
    with pytest.raises(ConflictError):
        booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 5, 7, 0)))  # 7-10, +30 min
    booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 5, 6, 30)))  # 6:30-9:30, +30 = 10:00


def test_another_boat_or_another_day_is_free(tenant, boat, first):
    booking_save(booking=new_booking(tenant, BoatFactory(tenant=tenant), local(tenant, 2026, 12, 5, 10, 0)))
    booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 6, 10, 0)))


@pytest.mark.parametrize("status", [Booking.Status.CANCELLED, Booking.Status.WEATHER_OWED])
def test_cancelled_and_weather_owed_bookings_occupy_nothing(tenant, boat, first, status):
    first.status = status
    booking_save(booking=first)
    booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 5, 10, 0)))
    # A booking saved as cancelled over a confirmed one is no clash either.
    booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 5, 10, 0), status=Booking.Status.CANCELLED))


def test_confirming_a_cancelled_booking_again_is_checked(tenant, boat, first):
    first.status = Booking.Status.CANCELLED
    booking_save(booking=first)
    BookingFactory(tenant=tenant, boat=boat, start=local(tenant, 2026, 12, 5, 11, 0), guest_name="Took The Slot")
    first.status = Booking.Status.CONFIRMED
    with pytest.raises(ConflictError, match="Took The Slot"):
        booking_save(booking=first)


def test_moving_a_booking_onto_another_is_refused_and_leaves_it_where_it_was(tenant, boat, first):
    other = BookingFactory(tenant=tenant, boat=boat, start=local(tenant, 2026, 12, 5, 15, 0), guest_name="Afternoon")
    other.start = local(tenant, 2026, 12, 5, 12, 0)
    other.end = local(tenant, 2026, 12, 5, 14, 0)
    with pytest.raises(ConflictError):
        booking_save(booking=other)
    other.refresh_from_db()
    assert other.start == local(tenant, 2026, 12, 5, 15, 0)


def test_editing_a_booking_in_place_is_never_refused(tenant, boat, first):
    first.guest_name = "Jordan Renamed"
    first.party_size = 5
    booking_save(booking=first)
    first.refresh_from_db()
    assert first.guest_name == "Jordan Renamed"


def test_the_turnaround_counts_elapsed_minutes_on_a_daylight_saving_night(tenant):
    """Nov 1 2026, Los Angeles: 01:00-02:00 PDT is followed by 01:00-02:00 PST."""
    boat = BoatFactory(tenant=tenant, turnaround_minutes=60)
    # Ends 01:30 PDT = 08:30 UTC: occupied until 09:30 UTC = 01:30 PST (an hour later, by the clock, too).
    BookingFactory(
        tenant=tenant,
        boat=boat,
        start=datetime(2026, 11, 1, 5, 0, tzinfo=UTC),
        end=datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
    )
    # 01:45 PST (09:45 UTC) is free; adding the hour on the wall clock (02:30 PST) would refuse it.
    booking_save(booking=new_booking(tenant, boat, datetime(2026, 11, 1, 9, 45, tzinfo=UTC)))
    with pytest.raises(ConflictError):
        booking_save(booking=new_booking(tenant, boat, datetime(2026, 11, 1, 9, 15, tzinfo=UTC), hours=0.25))


def test_occupancy_is_stored_in_utc_with_the_boats_turnaround(tenant, boat, first):
    assert first.occupied_until == datetime(2026, 12, 5, 21, 30, tzinfo=UTC)
    other = BoatFactory(tenant=tenant, turnaround_minutes=90)
    first.boat = other
    booking_save(booking=first)
    first.refresh_from_db()
    assert first.occupied_until == datetime(2026, 12, 5, 22, 30, tzinfo=UTC)


# --- blocks ------------------------------------------------------------------------------------


def block(tenant, *, kind, boat=None, day=6, title="Haul-out", status=CalendarEntry.Status.ACTIVE) -> CalendarEntry:
    return calendar_entry_save(
        entry=CalendarEntry(
            tenant=tenant,
            boat=boat,
            kind=kind,
            title=title,
            start=local(tenant, 2026, 12, day, 8, 0),
            end=local(tenant, 2026, 12, day, 18, 0),
            status=status,
        ),
        service="tests",
    )


@pytest.mark.parametrize("kind", [CalendarEntry.Kind.MAINTENANCE, CalendarEntry.Kind.BLACKOUT])
def test_a_block_on_the_boat_refuses_bookings(tenant, boat, kind):
    entry = block(tenant, kind=kind, boat=boat)
    with pytest.raises(ConflictError) as caught:
        booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 6, 10, 0)))
    assert f"Queen of San Diego is blocked then: {kind.label.lower()} “Haul-out”" in caught.value.messages[0]
    assert caught.value.clashes[0].entry_id == entry.pk
    booking_save(booking=new_booking(tenant, BoatFactory(tenant=tenant), local(tenant, 2026, 12, 6, 10, 0)))


def test_a_booking_whose_turnaround_runs_into_a_block_is_refused(tenant, boat):
    block(tenant, kind=CalendarEntry.Kind.MAINTENANCE, boat=boat)  # from 08:00
    with pytest.raises(ConflictError):
        booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 6, 5, 0)))  # 5-8, +30 min


def test_a_blackout_without_a_boat_blocks_every_boat_of_the_brand_only(tenant, other_tenant, boat):
    block(tenant, kind=CalendarEntry.Kind.BLACKOUT, title="Small craft advisory")
    for target in (boat, BoatFactory(tenant=tenant)):
        with pytest.raises(ConflictError, match="every boat"):
            booking_save(booking=new_booking(tenant, target, local(tenant, 2026, 12, 6, 10, 0)))
    theirs = BoatFactory(tenant=other_tenant)
    booking_save(booking=new_booking(other_tenant, theirs, local(other_tenant, 2026, 12, 6, 10, 0)))


@pytest.mark.parametrize(
    ("kind", "on_boat", "status"),
    [
        (CalendarEntry.Kind.MAINTENANCE, False, CalendarEntry.Status.ACTIVE),  # maintenance of no boat
        (CalendarEntry.Kind.OTHER, True, CalendarEntry.Status.ACTIVE),
        (CalendarEntry.Kind.BLACKOUT, True, CalendarEntry.Status.CANCELLED),
    ],
)
def test_entries_that_block_nothing(tenant, boat, kind, on_boat, status):
    block(tenant, kind=kind, boat=boat if on_boat else None, status=status)
    booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 6, 10, 0)))


def test_a_block_over_a_confirmed_charter_is_refused_naming_it(tenant, boat, first):
    with pytest.raises(ConflictError) as caught:
        block(tenant, kind=CalendarEntry.Kind.MAINTENANCE, boat=boat, day=5)
    assert "Jordan Guest · Boatsetter BS-1001" in caught.value.messages[0]
    assert caught.value.clashes[0].booking_id == first.pk
    assert not CalendarEntry.objects.filter(kind=CalendarEntry.Kind.MAINTENANCE).exists()
    first.status = Booking.Status.WEATHER_OWED  # the charter is owed a new date: now the boat can go in
    booking_save(booking=first)
    block(tenant, kind=CalendarEntry.Kind.MAINTENANCE, boat=boat, day=5)


def test_the_bookings_own_calendar_entry_carries_the_boat_and_blocks_nothing(tenant, boat, first):
    entry = first.calendar_entry
    assert entry.boat_id == boat.pk and entry.kind == CalendarEntry.Kind.CHARTER
    assert not entry.is_block


# --- overrides ---------------------------------------------------------------------------------


def test_staff_with_the_permission_can_save_over_a_clash_with_a_reason(tenant, boat, first, manager):
    second = new_booking(tenant, boat, local(tenant, 2026, 12, 5, 11, 0))
    booking_save(booking=second, actor=manager, override_reason="Swapping to Little Queen, confirmed by phone")
    second.refresh_from_db()
    assert second.conflict_override_reason == "Swapping to Little Queen, confirmed by phone"
    record = second.history.latest()
    assert record.conflict_override_reason == "Swapping to Little Queen, confirmed by phone"


def test_an_override_needs_the_permission(tenant, boat, first, plain_staff):
    with pytest.raises(ValidationError, match="Only staff allowed to override"):
        booking_save(
            booking=new_booking(tenant, boat, local(tenant, 2026, 12, 5, 11, 0)),
            actor=plain_staff,
            override_reason="I mean it",
        )
    assert Booking.objects.count() == 1


def test_services_and_commands_cannot_override(tenant, boat, first):
    with pytest.raises(ValidationError, match="Only staff allowed to override"):
        booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 5, 11, 0)), override_reason="api")


def test_an_override_holds_while_the_slot_stays_and_must_be_given_again_to_move(tenant, boat, first, manager):
    second = new_booking(tenant, boat, local(tenant, 2026, 12, 5, 11, 0))
    booking_save(booking=second, actor=manager, override_reason="Boat swap")
    second.guest_notes = "Bring sunscreen"
    booking_save(booking=second, service="import_bookings")  # an edit in place keeps the override
    second.start += timedelta(minutes=30)
    second.end += timedelta(minutes=30)
    with pytest.raises(ConflictError):
        booking_save(booking=second, service="import_bookings")


def test_the_override_is_cleared_once_nothing_clashes(tenant, boat, first, manager):
    second = new_booking(tenant, boat, local(tenant, 2026, 12, 5, 11, 0))
    booking_save(booking=second, actor=manager, override_reason="Boat swap")
    first.status = Booking.Status.CANCELLED
    booking_save(booking=first)
    second.guest_notes = "edited"
    booking_save(booking=second)
    second.refresh_from_db()
    assert second.conflict_override_reason == ""


# --- turnaround changes, rebookings ------------------------------------------------------------


def test_a_longer_turnaround_that_would_make_bookings_clash_is_refused(tenant, boat, first):
    BookingFactory(tenant=tenant, boat=boat, start=local(tenant, 2026, 12, 5, 14, 0), guest_name="Afternoon")
    boat.turnaround_minutes = 90
    with pytest.raises(ConflictError, match="With 90 minutes of turnaround"):
        boat_save(boat=boat)
    boat.refresh_from_db()
    assert boat.turnaround_minutes == 30
    boat.turnaround_minutes = 60
    boat_save(boat=boat)
    first.refresh_from_db()
    assert first.occupied_until == first.end + timedelta(minutes=60)


def test_a_rebooking_links_the_weather_owed_charter(tenant, boat, first):
    first.status = Booking.Status.WEATHER_OWED
    booking_save(booking=first)
    rebooking = new_booking(tenant, boat, local(tenant, 2026, 12, 12, 10, 0), rebooking_of=first)
    booking_save(booking=rebooking)
    assert list(first.rebookings.all()) == [rebooking]


def test_clashes_are_per_brand_boat_only(tenant):
    """Two brands' boats with the same name never clash."""
    other = TenantFactory(slug="twin")
    a = BoatFactory(tenant=tenant, name="Twin")
    b = BoatFactory(tenant=other, name="Twin")
    BookingFactory(tenant=tenant, boat=a, start=local(tenant, 2026, 12, 5, 10, 0))
    booking_save(booking=new_booking(other, b, local(other, 2026, 12, 5, 10, 0)))
