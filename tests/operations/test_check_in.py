"""Check-in and the trip log: the service's rules, its history, money left alone, and the booking page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from bookings import finance
from bookings.models import Booking, CalendarEntry
from bookings.services import booking_save, booking_trip_record
from bookings.trip import TRIP_FIELDS, trip_summary
from crew.models import Assignment
from outbox.models import Effect
from tests.bookings.test_admin import booking_form_data
from tests.factories import BookingFactory, CrewMemberFactory, assign, local, staff_user

pytestmark = pytest.mark.django_db

# Sat Dec 5 2026, 10:00-15:00 PST (18:00-23:00 UTC), as in the worked example.
START = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
END = START + timedelta(hours=5)
DEPARTED = START + timedelta(minutes=12)  # 10:12 PST
RETURNED = START + timedelta(hours=4, minutes=40)  # 14:40 PST, 20 minutes early


@pytest.fixture
def after_the_trip():
    with time_machine.travel(END + timedelta(hours=1), tick=False) as traveller:
        yield traveller


@pytest.fixture
def charter(tenant, after_the_trip):
    booking = BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 5, 10, 0))
    captain = CrewMemberFactory(name="Maya Captain", tenants=[tenant])
    deck = CrewMemberFactory(name="Sam Deck", tenants=[tenant])
    assign(booking, captain, "captain", "50.00", "3", status=Assignment.Status.ACCEPTED)
    assign(booking, deck, "deckhand", "25.00", "5", status=Assignment.Status.ACCEPTED)
    booking.refresh_from_db()
    return type("Charter", (), {"booking": booking, "captain": captain, "deck": deck})


def recorded(booking: Booking) -> dict:
    return Booking.objects.filter(pk=booking.pk).values(*TRIP_FIELDS).get()


# --- the service ---------------------------------------------------------------------------


def test_the_captains_check_in_saves_the_trip_log_only_and_says_who(charter):
    booking = charter.booking
    effects, entry = Effect.objects.count(), CalendarEntry.objects.get(booking=booking)
    changed = booking_trip_record(
        booking=booking, crew_member=charter.captain, guests_boarded=6, departed_at=DEPARTED, returned_at=RETURNED
    )
    assert changed == ["guests_boarded", "departed_at", "returned_at"]
    assert recorded(booking) | {"checked_in_names": []} == {
        "guests_boarded": 6,
        "no_show": False,
        "departed_at": DEPARTED,
        "returned_at": RETURNED,
        "incident_note": "",
        "checked_in_names": [],
    }
    # Nothing else moved: no crew asked to accept again, no guest page publish, the calendar as it was.
    assert Effect.objects.count() == effects
    assert set(Assignment.objects.filter(event__booking=booking).values_list("status", flat=True)) == {"accepted"}
    assert CalendarEntry.objects.get(booking=booking).updated_at == entry.updated_at
    latest, before = booking.history.all()[:2]
    assert latest.history_actor == f"crew:{charter.captain.pk} Maya Captain" and latest.history_user is None
    assert set(latest.diff_against(before).changed_fields) == {
        "guests_boarded",
        "departed_at",
        "returned_at",
    }


def test_staff_are_recorded_as_themselves(charter, tenant):
    user = staff_user(tenant)
    booking_trip_record(booking=charter.booking, actor=user, incident_note="Fender lost at the fuel dock.")
    latest = charter.booking.history.first()
    assert latest.history_user == user and latest.history_actor == "staff:staff"
    assert charter.booking.incident_note == "Fender lost at the fuel dock."  # the caller's object follows


def test_an_unchanged_value_writes_no_history(charter):
    booking_trip_record(booking=charter.booking, guests_boarded=6)
    rows = charter.booking.history.count()
    assert booking_trip_record(booking=charter.booking, guests_boarded=6) == []
    assert charter.booking.history.count() == rows


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"guests_boarded": -1}, "guests_boarded", "0 or more"),
        ({"guests_boarded": 11}, "guests_boarded", "at most 10 guests with this crew (12 people including crew)"),
        ({"guests_boarded": 2, "no_show": True}, "no_show", "A no-show means nobody boarded"),
        ({"departed_at": DEPARTED, "returned_at": DEPARTED}, "returned_at", "must return after it departs"),
        ({"returned_at": RETURNED}, "returned_at", "Record the departure first."),
        ({"departed_at": START - timedelta(hours=13)}, "departed_at", "far from the charter"),
        ({"returned_at": END + timedelta(days=2)}, "returned_at", "far from the charter"),
        ({"departed_at": END + timedelta(hours=2)}, "departed_at", "has not happened yet"),
        ({"departed_at": datetime(2026, 12, 5, 10, 12)}, "departed_at", "with its time zone"),
        ({"incident_note": "x" * 4001}, "incident_note", "under 4000 characters"),
        ({"checked_in_names": ["Jordan Guest", "Jordan Guest"]}, "checked_in_names", "given once"),
        ({"checked_in_names": ["A", "B", "C"], "guests_boarded": 2}, "checked_in_names", "3 names are checked in"),
        ({"checked_in_names": ["A"], "no_show": True}, "checked_in_names", "nobody checked in"),
        ({"checked_in_names": "Jordan Guest"}, "checked_in_names", "a list of names"),
    ],
)
def test_bad_input_is_refused_with_a_message_on_its_field_and_nothing_is_saved(charter, fields, field, message):
    before, rows = recorded(charter.booking), charter.booking.history.count()
    with pytest.raises(ValidationError) as caught:
        booking_trip_record(booking=charter.booking, **fields)
    assert field in caught.value.message_dict
    assert any(message in text for text in caught.value.message_dict[field]), caught.value.message_dict
    assert recorded(charter.booking) == before and charter.booking.history.count() == rows


def test_more_guests_than_booked_is_fine_up_to_the_boats_limit(charter):
    booking_trip_record(booking=charter.booking, guests_boarded=10, checked_in_names=[" Jordan Guest ", "Alex"])
    assert recorded(charter.booking)["guests_boarded"] == 10
    assert recorded(charter.booking)["checked_in_names"] == ["Jordan Guest", "Alex"]


def test_only_trip_log_fields_are_accepted(charter):
    with pytest.raises(TypeError, match="gross_amount"):
        booking_trip_record(booking=charter.booking, gross_amount=Decimal("1"))


def test_crew_other_than_the_captain_record_nothing(charter, tenant):
    outsider = CrewMemberFactory(tenants=[tenant])
    for member in (charter.deck, outsider):
        with pytest.raises(ValidationError, match="Only the captain"):
            booking_trip_record(booking=charter.booking, crew_member=member, no_show=True)
    assert recorded(charter.booking)["no_show"] is False


def test_what_is_recorded_is_not_judged_again_when_something_else_changes(charter, after_the_trip):
    booking_trip_record(booking=charter.booking, departed_at=DEPARTED)
    after_the_trip.move_to(END + timedelta(days=3))
    booking_trip_record(booking=charter.booking, incident_note="Found a phone aboard; at the office.")
    assert recorded(charter.booking)["departed_at"] == DEPARTED


def test_a_no_show_or_an_early_return_never_changes_the_money(charter):
    booking = charter.booking
    paid_hours = sorted(Assignment.objects.filter(event__booking=booking).values_list("paid_hours", flat=True))
    before = finance.booking_breakdown(Booking.objects.get(pk=booking.pk))
    booking_trip_record(booking=booking, crew_member=charter.captain, no_show=True, guests_boarded=0)
    assert finance.booking_breakdown(Booking.objects.get(pk=booking.pk)) == before
    booking_trip_record(booking=booking, no_show=False, guests_boarded=6, departed_at=DEPARTED)
    booking_trip_record(booking=booking, returned_at=START + timedelta(hours=2))  # back 3 hours early
    assert finance.booking_breakdown(Booking.objects.get(pk=booking.pk)) == before
    assert sorted(Assignment.objects.filter(event__booking=booking).values_list("paid_hours", flat=True)) == paid_hours


def test_the_database_refuses_a_trip_log_that_skipped_the_service(charter):
    for values in ({"no_show": True, "guests_boarded": 3}, {"returned_at": RETURNED}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Booking.objects.filter(pk=charter.booking.pk).update(**values)


# --- how staff read it ---------------------------------------------------------------------


def test_scheduled_against_actual_in_the_brands_zone(charter):
    booking = charter.booking
    assert trip_summary(booking) == ["Scheduled 10:00–15:00 PST · Actual times not recorded"]
    booking_trip_record(booking=booking, departed_at=DEPARTED)
    assert trip_summary(booking)[0] == "Scheduled 10:00–15:00 PST · Departed 10:12 PST, not back yet"
    booking_trip_record(booking=booking, returned_at=START + timedelta(hours=4, minutes=40), guests_boarded=6)
    assert trip_summary(booking) == [
        "Scheduled 10:00–15:00 PST · Actual 10:12–14:40 PST (4 h 28 min)",
        "32 min shorter than the 5 h scheduled. Paid hours on the crew rows are not changed automatically.",
        "6 guests boarded (party of 6).",
    ]
    booking_trip_record(booking=booking, guests_boarded=0, no_show=True)
    assert trip_summary(booking)[-1] == "No-show: the party did not come."


def test_a_night_charter_over_the_end_of_daylight_saving_counts_elapsed_time(tenant):
    # Sat Oct 31 23:00 PDT to Sun Nov 1 03:00 PST: 4 hours on the clock, 5 hours aboard.
    with time_machine.travel(datetime(2026, 11, 1, 12, 0, tzinfo=UTC), tick=False):
        booking = BookingFactory(
            tenant=tenant, start=local(tenant, 2026, 10, 31, 23, 0), end=local(tenant, 2026, 11, 1, 3, 0)
        )
        booking_trip_record(
            booking=booking,
            departed_at=local(tenant, 2026, 10, 31, 23, 10),
            returned_at=local(tenant, 2026, 11, 1, 2, 40),
        )
    assert trip_summary(booking)[:2] == [
        "Scheduled Sat Oct 31 23:00 – Sun Nov 1 03:00 PST · Actual Sat Oct 31 23:10 – Sun Nov 1 02:40 PST (4 h 30 min)",
        "30 min shorter than the 5 h scheduled. Paid hours on the crew rows are not changed automatically.",
    ]


# --- the booking page ------------------------------------------------------------------------


def change_url(booking: Booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])


@pytest.fixture
def staff(client, tenant):
    user = staff_user(tenant)
    client.force_login(user)
    return type("Staff", (), {"client": client, "user": user})


def test_staff_record_the_trip_log_on_the_booking_page_through_the_service(charter, staff):
    booking = charter.booking
    effects, rows = Effect.objects.count(), booking.history.count()
    data = booking_form_data(
        booking,
        guests_boarded="6",
        departed_at_0="2026-12-05",
        departed_at_1="10:12",
        returned_at_0="2026-12-05",
        returned_at_1="2:40 PM",
        incident_note="Spilled wine on the cushions.",
    )
    response = staff.client.post(change_url(booking), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert recorded(booking) == {
        "guests_boarded": 6,
        "no_show": False,
        "departed_at": DEPARTED,
        "returned_at": RETURNED,
        "incident_note": "Spilled wine on the cushions.",
        "checked_in_names": [],
    }
    # Only the trip log changed: booking_save was not called (no guest page publish), one history row.
    assert Effect.objects.count() == effects and booking.history.count() == rows + 1
    latest = booking.history.first()
    assert latest.history_user == staff.user and latest.history_actor == "staff:staff"
    assert set(latest.diff_against(booking.history.all()[1]).changed_fields) == {
        "guests_boarded",
        "departed_at",
        "returned_at",
        "incident_note",
    }

    page = staff.client.get(change_url(booking)).content.decode()
    assert "Scheduled 10:00–15:00 PST · Actual 10:12–14:40 PST (4 h 28 min)" in page
    assert "32 min shorter than the 5 h scheduled." in page
    assert 'name="departed_at_1" value="10:12:00"' in page  # shown back in the brand's zone


def test_a_booking_change_and_a_trip_log_change_are_saved_by_their_own_services(charter, staff):
    booking = charter.booking
    rows = booking.history.count()
    data = booking_form_data(booking, guest_name="Jordan Guest-Smith", no_show="on", guests_boarded="0")
    assert staff.client.post(change_url(booking), data).status_code == 302
    booking.refresh_from_db()
    assert booking.guest_name == "Jordan Guest-Smith" and booking.no_show and booking.guests_boarded == 0
    trip_row, booking_row = booking.history.all()[:2]
    assert booking.history.count() == rows + 2
    assert booking_row.guest_name == "Jordan Guest-Smith" and booking_row.no_show is False  # booking_save left it
    assert trip_row.no_show is True and trip_row.history_user == staff.user


def test_the_booking_page_refuses_a_bad_trip_log_on_its_field(charter, staff):
    booking = charter.booking
    before = recorded(booking)
    data = booking_form_data(
        booking,
        guest_name="Not Saved Either",
        departed_at_0="2026-12-05",
        departed_at_1="10:12",
        returned_at_0="2026-12-05",
        returned_at_1="9:40",
    )
    response = staff.client.post(change_url(booking), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["returned_at"] == ["The boat must return after it departs."]
    booking.refresh_from_db()
    assert recorded(booking) == before and booking.guest_name == "Jordan Guest"


def test_moving_a_booking_does_not_touch_its_trip_log(charter, staff):
    booking_trip_record(booking=charter.booking, departed_at=DEPARTED, returned_at=RETURNED)
    booking = Booking.objects.get(pk=charter.booking.pk)
    booking.start, booking.end = booking.start + timedelta(hours=1), booking.end + timedelta(hours=1)
    booking_save(booking=booking)
    assert recorded(booking)["departed_at"] == DEPARTED and recorded(booking)["returned_at"] == RETURNED
