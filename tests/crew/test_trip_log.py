"""The captain's check-in on the crew event page: who may record it, when, in which zone, and what else is on the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from bookings.models import Booking
from crew.models import Assignment
from outbox.models import Effect
from tests.crew.conftest import open_link, post
from tests.factories import BookingFactory, CrewMemberFactory, assign, local

pytestmark = pytest.mark.django_db

# The charter of tests/crew/conftest.py: Sat Dec 5 2026, 10:00-15:00 PST (18:00-23:00 UTC).
START = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
END = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
EMPTY_PAGE = {  # what an untouched form sent back, with the values the page showed
    "guests_boarded": "",
    "initial-guests_boarded": "",
    "initial-no_show": "False",
    "departed_at": "",
    "initial-departed_at": "",
    "returned_at": "",
    "initial-returned_at": "",
    "incident_note": "",
    "initial-incident_note": "",
}


def event_url(event) -> str:
    return reverse("crew:event", kwargs={"event_id": event.pk})


def trip_url(event) -> str:
    return reverse("crew:trip", kwargs={"event_id": event.pk})


def sheet_url(event) -> str:
    return reverse("operations_crew:crew_day_sheet", kwargs={"event_id": event.pk})


def captain_of(charter) -> Assignment:
    return Assignment.objects.get(event=charter.event, crew_member=charter.captain)


def trip_fields(booking: Booking) -> tuple:
    booking.refresh_from_db()
    return (
        booking.guests_boarded,
        booking.no_show,
        booking.departed_at,
        booking.returned_at,
        booking.incident_note,
    )


def test_the_captain_taps_departed_now_then_returned_now(charter, frozen):
    client = open_link(captain_of(charter))
    frozen.move_to(START + timedelta(minutes=12, seconds=30))
    page = client.get(event_url(charter.event)).content.decode()
    assert "Departed now" in page and "Returned now" not in page

    response = post(client, trip_url(charter.event), {"now": "departed"})
    assert response.status_code == 302 and response["Location"].endswith("#trip")
    charter.booking.refresh_from_db()
    assert charter.booking.departed_at == START + timedelta(minutes=12)  # to the minute
    latest = charter.booking.history.first()
    assert latest.history_actor == f"crew:{charter.captain.pk} Maya Captain" and latest.history_user is None
    page = client.get(event_url(charter.event)).content.decode()
    assert "Departure recorded." in page
    assert "Returned now" in page and "Departed now" not in page
    assert "10:12 AM PST" in page  # the brand's wall clock, not UTC (18:12)

    frozen.move_to(START + timedelta(hours=4, minutes=40, seconds=5))
    post(client, trip_url(charter.event), {"now": "returned"})
    charter.booking.refresh_from_db()
    assert charter.booking.returned_at == START + timedelta(hours=4, minutes=40)
    page = client.get(event_url(charter.event)).content.decode()
    assert "Returned now" not in page and "2:40 PM PST" in page


def test_the_captain_records_the_trip_log_in_the_brands_zone(charter, frozen):
    client = open_link(captain_of(charter))
    frozen.move_to(END + timedelta(minutes=30))
    effects = Effect.objects.count()
    response = post(
        client,
        trip_url(charter.event),
        {
            **EMPTY_PAGE,
            "guests_boarded": "7",  # one more than booked: allowed, within the boat's limit
            "departed_at": "2026-12-05T10:12",
            "returned_at": "2026-12-05T14:40",
            "incident_note": "Guest slipped on the swim step; ice pack, fine.",
        },
    )
    assert response.status_code == 302
    assert trip_fields(charter.booking) == (
        7,
        False,
        datetime(2026, 12, 5, 18, 12, tzinfo=UTC),
        datetime(2026, 12, 5, 22, 40, tzinfo=UTC),
        "Guest slipped on the swim step; ice pack, fine.",
    )
    assert Effect.objects.count() == effects  # no crew re-invitation, no guest page publish
    assert charter.booking.history.first().history_actor == f"crew:{charter.captain.pk} Maya Captain"
    page = client.get(event_url(charter.event)).content.decode()
    assert "Trip log saved." in page and "7 guests (party of 6)" in page
    # The form shows the recorded times back in the brand's zone.
    assert 'value="2026-12-05T10:12"' in page and 'value="2026-12-05T14:40"' in page


def test_a_page_opened_before_a_change_elsewhere_does_not_undo_it(charter, frozen):
    from bookings.services import booking_trip_record

    client = open_link(captain_of(charter))
    frozen.move_to(START + timedelta(hours=1))
    client.get(event_url(charter.event))  # the form shows no departure yet...
    booking_trip_record(booking=charter.booking, departed_at=START + timedelta(minutes=5))  # ...the office sets one
    response = post(client, trip_url(charter.event), {**EMPTY_PAGE, "incident_note": "Dolphins!"})
    assert response.status_code == 302
    booking = charter.booking
    booking.refresh_from_db()
    assert booking.departed_at == START + timedelta(minutes=5) and booking.incident_note == "Dolphins!"
    # Saving an unchanged page writes nothing.
    page = client.get(event_url(charter.event)).content.decode()
    shown = dict(re.findall(r'name="(initial-[a-z_]+)" value="([^"]*)"', page))
    rows = booking.history.count()
    resend = {**EMPTY_PAGE, **shown, **{k.removeprefix("initial-"): v for k, v in shown.items()}}
    resend["departed_at"] = "2026-12-05T10:05"
    response = post(client, trip_url(charter.event), resend)
    assert response.status_code == 302 and booking.history.count() == rows
    assert "Nothing to change" in client.get(event_url(charter.event)).content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"departed_at": "2026-12-05T10:12", "returned_at": "2026-12-05T09:40"}, "must return after it departs"),
        ({"returned_at": "2026-12-05T14:40"}, "Record the departure first."),
        ({"guests_boarded": "11"}, "may carry at most 10 guests"),  # 12 aboard, 2 crew
        ({"guests_boarded": "3", "no_show": "on"}, "A no-show means nobody boarded"),
        ({"departed_at": "2026-12-03T10:12"}, "far from the charter"),
        ({"departed_at": "2026-12-05T16:30"}, "has not happened yet"),
        ({"departed_at": "yesterday"}, "Enter a valid date/time."),
    ],
)
def test_bad_input_is_refused_on_the_page_and_nothing_is_saved(charter, frozen, changes, message):
    client = open_link(captain_of(charter))
    frozen.move_to(END)
    before, rows = trip_fields(charter.booking), charter.booking.history.count()
    response = post(client, trip_url(charter.event), {**EMPTY_PAGE, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert trip_fields(charter.booking) == before and charter.booking.history.count() == rows


def test_only_the_captain_records_the_others_read_it(charter, frozen):
    frozen.move_to(START + timedelta(minutes=20))
    deck = open_link(charter.mine)
    page = deck.get(event_url(charter.event)).content.decode()
    assert "Departed now" not in page and trip_url(charter.event) not in page
    assert post(deck, trip_url(charter.event), {"now": "departed"}).status_code == 403
    assert post(deck, trip_url(charter.event), {**EMPTY_PAGE, "guests_boarded": "6"}).status_code == 403
    assert trip_fields(charter.booking) == (None, False, None, None, "")

    captain = open_link(captain_of(charter))
    post(captain, trip_url(charter.event), {"now": "departed"})
    page = deck.get(event_url(charter.event)).content.decode()
    assert "Trip log" in page and "10:20 AM PST" in page and "The captain records the trip log." in page
    assert "Departed now" not in page


def test_another_brands_or_another_crews_charter_answers_404(charter, frozen, other_tenant, tenant):
    theirs = BookingFactory(tenant=other_tenant, start=local(other_tenant, 2026, 12, 5, 9, 0))
    assign(theirs, CrewMemberFactory(tenants=[other_tenant]), "captain", "50", "4")
    not_mine = BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 6, 9, 0))
    assign(not_mine, CrewMemberFactory(tenants=[tenant]), "captain", "50", "4")
    client = open_link(captain_of(charter))
    frozen.move_to(START)
    for booking in (theirs, not_mine):
        assert post(client, trip_url(booking.crew_event), {"now": "departed"}).status_code == 404
        assert client.get(event_url(booking.crew_event)).status_code == 404
        booking.refresh_from_db()
        assert booking.departed_at is None


def test_a_declined_captain_or_a_cancelled_charter_records_nothing(charter, frozen):
    client = open_link(captain_of(charter))
    frozen.move_to(START)
    Assignment.objects.filter(pk=captain_of(charter).pk).update(status=Assignment.Status.DECLINED)
    assert "Departed now" not in client.get(event_url(charter.event)).content.decode()
    post(client, trip_url(charter.event), {"now": "departed"})
    assert trip_fields(charter.booking)[2] is None

    Assignment.objects.filter(pk=captain_of(charter).pk).update(status=Assignment.Status.ACCEPTED)
    Booking.objects.filter(pk=charter.booking.pk).update(status=Booking.Status.CANCELLED)
    response = post(client, trip_url(charter.event), {"now": "departed"})
    assert response.status_code == 302
    page = client.get(event_url(charter.event)).content.decode()
    assert "The trip log is closed for you now." in page and "Departed now" not in page
    assert trip_fields(charter.booking)[2] is None


@pytest.mark.parametrize(
    ("moment", "form_shown", "buttons_shown"),
    [
        (START - timedelta(hours=24, seconds=1), False, False),
        (START - timedelta(hours=24), True, False),  # opens with the crew details
        (START - timedelta(hours=12), True, True),  # a departure could be true from here
        (END + timedelta(hours=12), True, True),
        (END + timedelta(hours=12, seconds=1), True, False),
        (END + timedelta(hours=48), True, False),  # closes with the captain's link
    ],
)
def test_the_trip_log_is_open_from_24_hours_before_until_48_hours_after(
    charter, frozen, moment, form_shown, buttons_shown
):
    client = open_link(captain_of(charter))
    frozen.move_to(moment)
    page = client.get(event_url(charter.event)).content.decode()
    assert ("Save trip log" in page) is form_shown
    assert ("Departed now" in page) is buttons_shown
    if not form_shown:
        assert "You record departure, return and guests here from Fri, Dec 4 10:00 AM PST." in page
        post(client, trip_url(charter.event), {**EMPTY_PAGE, "incident_note": "early"})
        assert trip_fields(charter.booking)[4] == ""


def test_after_48_hours_the_captains_link_and_the_trip_log_are_closed(charter, frozen):
    client = open_link(captain_of(charter))
    frozen.move_to(END + timedelta(hours=48, seconds=1))
    response = post(client, trip_url(charter.event), {"now": "returned"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("crew:new_link"))
    assert trip_fields(charter.booking)[3] is None


def test_trip_posts_without_the_csrf_token_are_refused(charter, frozen):
    client = open_link(captain_of(charter))
    frozen.move_to(START)
    assert client.post(trip_url(charter.event), {"now": "departed"}).status_code == 403
    assert trip_fields(charter.booking)[2] is None


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (START - timedelta(hours=24, seconds=1), False),
        (START - timedelta(hours=24), True),
        (END, True),
        (END + timedelta(seconds=1), False),
    ],
)
def test_the_day_sheet_link_is_for_the_captain_from_24_hours_before_until_the_end(charter, frozen, moment, shown):
    captain = open_link(captain_of(charter))
    deck = open_link(charter.mine)
    frozen.move_to(moment)
    assert (sheet_url(charter.event) in captain.get(event_url(charter.event)).content.decode()) is shown
    assert sheet_url(charter.event) not in deck.get(event_url(charter.event)).content.decode()


def test_tapping_a_checklist_items_text_is_tapping_its_button(charter):
    page = open_link(charter.mine).get(event_url(charter.event)).content.decode()
    button = re.search(r'<button type="submit" aria-label="Tick Fuel checked"[^>]*>(.*?)</button>', page, re.S)
    assert button and '<span class="text">Fuel checked</span>' in button.group(1)


def test_decline_is_a_closed_disclosure_under_accept(charter):
    client = open_link(charter.mine)
    page = client.get(event_url(charter.event)).content.decode()
    disclosure = re.search(r"<details[^>]*class=\"decline\"[^>]*>", page)
    assert disclosure and "open" not in disclosure.group(0)
    assert page.index(">Accept</button>") < disclosure.start()
    post(client, reverse("crew:accept", kwargs={"event_id": charter.event.pk}))
    page = client.get(event_url(charter.event)).content.decode()
    assert re.search(r'<details class="decline"><summary>Can\'t make it any more\?</summary>', page)


def test_the_calendar_address_is_offered_to_copy_and_to_subscribe(charter):
    page = open_link(charter.mine).get(reverse("crew:home")).content.decode()
    path = reverse("crew:calendar", kwargs={"token": charter.member.calendar_token})
    assert f'value="https://ops.example.com{path}" readonly' in page
    assert f'href="webcal://ops.example.com{path}"' in page
    assert "Copy address" in page


def test_a_time_the_clocks_repeat_is_refused_with_a_message(tenant, frozen):
    # Sat Oct 31 23:00 PDT to Sun Nov 1 03:00 PST: 01:30 happens twice that night in San Diego.
    booking = BookingFactory(
        tenant=tenant, start=local(tenant, 2026, 10, 31, 23, 0), end=local(tenant, 2026, 11, 1, 3, 0)
    )
    captain = assign(booking, CrewMemberFactory(tenants=[tenant]), "captain", "50", "4")
    frozen.move_to(datetime(2026, 11, 1, 11, 0, tzinfo=UTC))
    client = open_link(captain)
    response = post(client, trip_url(booking.crew_event), {**EMPTY_PAGE, "departed_at": "2026-11-01T01:30"})
    assert response.status_code == 400 and "may be ambiguous" in response.content.decode()
    response = post(
        client,
        trip_url(booking.crew_event),
        {**EMPTY_PAGE, "departed_at": "2026-10-31T23:10", "returned_at": "2026-11-01T02:40"},
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.returned_at - booking.departed_at == timedelta(hours=4, minutes=30)


def test_the_captains_event_page_keeps_a_constant_query_count(charter, frozen, tenant, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = open_link(captain_of(charter))
    frozen.move_to(START)
    with CaptureQueriesContext(connection) as one:
        assert "Save trip log" in client.get(event_url(charter.event)).content.decode()
    for n in range(5):
        assign(charter.booking, CrewMemberFactory(tenants=[tenant]), "deckhand", "20", "2")
        charter.event.checklist_items.create(position=10 + n, text=f"Extra item {n}")
    with django_assert_max_num_queries(len(one)):
        client.get(event_url(charter.event))


def test_crew_who_declined_do_not_see_the_trip_log(charter, frozen):
    from bookings.services import booking_trip_record

    frozen.move_to(END)
    booking_trip_record(booking=charter.booking, incident_note="Winch jammed on the way out.")
    deck = open_link(charter.mine)
    assert "Winch jammed" in deck.get(event_url(charter.event)).content.decode()
    Assignment.objects.filter(pk=charter.mine.pk).update(status=Assignment.Status.DECLINED)
    assert "Winch jammed" not in deck.get(event_url(charter.event)).content.decode()


def test_a_second_tap_on_departed_now_keeps_the_first_time(charter, frozen):
    client = open_link(captain_of(charter))
    frozen.move_to(START + timedelta(minutes=3))
    post(client, trip_url(charter.event), {"now": "departed"})
    frozen.move_to(START + timedelta(minutes=9))
    post(client, trip_url(charter.event), {"now": "departed"})
    assert trip_fields(charter.booking)[2] == START + timedelta(minutes=3)
    assert "Already recorded." in client.get(event_url(charter.event)).content.decode()
