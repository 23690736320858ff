"""The captain's check-in offers the names the lead guest gave on the guest page.

Crew stands below guest pages: the names arrive through the provider guest pages register
(``crew.checkin``), never through an import of guestpages from crew.
"""

from __future__ import annotations

import ast
import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking
from bookings.services import booking_trip_record
from crew import checkin
from crew.selectors import crew_card_for_event
from guestpages.crew_checkin import listed_passengers
from guestpages.models import Passenger, PassengerList, Waiver
from tests.crew.conftest import open_link, post
from tests.crew.test_trip_log import EMPTY_PAGE, START, captain_of, event_url, trip_url

pytestmark = pytest.mark.django_db

CREW_APP = Path(checkin.__file__).resolve().parent
EMERGENCY_PHONE = "+1 619 555 0142"
LISTED = [("Jordan Guest", True, True), ("Kim Rivers", True, False), ("Robin Rivers", False, False)]


def passenger_list(booking: Booking, rows=LISTED, *, brand_waiver: bool = True) -> PassengerList:
    """A list as the guest page stores it: (name, adult, accepted the waiver) per row."""
    waiver = None
    if brand_waiver:
        waiver = Waiver.objects.create(tenant=booking.tenant, version=1, text="Boating has risks.")
    plist = PassengerList.objects.create(booking=booking, emergency_name="Pat Rivers", emergency_phone=EMERGENCY_PHONE)
    Passenger.objects.bulk_create(
        Passenger(
            passenger_list=plist,
            position=i,
            full_name=name,
            is_adult=adult,
            waiver=waiver if accepted else None,
            accepted_name=name if accepted else "",
        )
        for i, (name, adult, accepted) in enumerate(rows, start=1)
    )
    return plist


def ticks(page: str) -> dict[str, bool]:
    """The check-in's tick boxes on a page: name -> ticked."""
    boxes = re.findall(r'<input type="checkbox" name="checked_in_names"[^>]*>', page)
    return {re.search(r'value="([^"]*)"', b).group(1): " checked" in b for b in boxes}


def line_of(page: str, name: str) -> str:
    """The list row of one name, tags removed."""
    row = re.search(rf'value="{re.escape(name)}".*?</li>', page, re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def names_of(booking: Booking) -> list[str]:
    booking.refresh_from_db()
    return booking.checked_in_names


@pytest.fixture
def at_check_in(charter, frozen):
    frozen.move_to(START - timedelta(minutes=30))
    return charter


def test_the_captain_is_offered_the_listed_names_with_each_adults_waiver(at_check_in):
    passenger_list(at_check_in.booking)
    page = open_link(captain_of(at_check_in)).get(event_url(at_check_in.event)).content.decode()

    assert ticks(page) == {"Jordan Guest": False, "Kim Rivers": False, "Robin Rivers": False}
    assert line_of(page, "Jordan Guest").endswith("Jordan Guest · waiver accepted")
    assert line_of(page, "Kim Rivers").endswith("Kim Rivers · no waiver yet")
    assert line_of(page, "Robin Rivers").endswith("Robin Rivers · child")
    assert "Others aboard, not on the list" in page  # the free entry stays for anyone else
    assert EMERGENCY_PHONE not in page and "Pat Rivers" not in page  # names only, no contact details


def test_a_brand_without_a_waiver_marks_no_adult_as_missing_one(at_check_in):
    passenger_list(at_check_in.booking, [("Kim Rivers", True, False)], brand_waiver=False)
    page = open_link(captain_of(at_check_in)).get(event_url(at_check_in.event)).content.decode()
    assert line_of(page, "Kim Rivers").endswith("Kim Rivers")


def test_an_adult_who_accepted_an_older_waiver_is_marked(at_check_in):
    passenger_list(at_check_in.booking)  # Jordan Guest accepted version 1
    Waiver.objects.create(tenant=at_check_in.booking.tenant, version=2, text="Boating has risks. Wear shoes.")
    page = open_link(captain_of(at_check_in)).get(event_url(at_check_in.event)).content.decode()
    assert line_of(page, "Jordan Guest").endswith("Jordan Guest · older waiver only")
    assert line_of(page, "Kim Rivers").endswith("Kim Rivers · no waiver yet")


def test_without_a_list_only_the_free_entry_is_offered_and_it_saves(at_check_in):
    client = open_link(captain_of(at_check_in))
    page = client.get(event_url(at_check_in.event)).content.decode()
    assert ticks(page) == {}
    assert "No passenger list from the guest yet." in page and "Names aboard" in page

    data = {**EMPTY_PAGE, "guests_boarded": "2", "checked_in_others": "Jordan Guest\n  Alex   Friend \n\n"}
    assert post(client, trip_url(at_check_in.event), data).status_code == 302
    assert names_of(at_check_in.booking) == ["Jordan Guest", "Alex Friend"]


def test_ticked_names_and_others_are_recorded_through_the_trip_log(at_check_in):
    passenger_list(at_check_in.booking)
    client = open_link(captain_of(at_check_in))
    client.get(event_url(at_check_in.event))
    data = {
        **EMPTY_PAGE,
        "guests_boarded": "4",
        "checked_in_names": ["Jordan Guest", "Robin Rivers"],
        # A listed name typed again is the same person; commas separate names too.
        "checked_in_others": "Alex Friend, jordan guest",
        "checked_in_shown": "[]",
    }
    assert post(client, trip_url(at_check_in.event), data).status_code == 302
    assert names_of(at_check_in.booking) == ["Jordan Guest", "Robin Rivers", "Alex Friend"]
    latest = at_check_in.booking.history.first()
    assert latest.history_actor == f"crew:{at_check_in.captain.pk} Maya Captain"

    page = client.get(event_url(at_check_in.event)).content.decode()
    assert ticks(page) == {"Jordan Guest": True, "Kim Rivers": False, "Robin Rivers": True}
    assert re.search(r"<textarea[^>]*checked_in_others[^>]*>\s*Alex Friend</textarea>", page)
    assert "Checked in</dt><dd>Jordan Guest, Robin Rivers, Alex Friend</dd>" in page

    # The page as shown, sent back untouched, records nothing (what it showed rides along in a hidden field).
    shown = html.unescape(re.search(r'name="checked_in_shown" value="([^"]*)"', page).group(1))
    rows = at_check_in.booking.history.count()
    again = {**data, "initial-guests_boarded": "4", "checked_in_others": "Alex Friend", "checked_in_shown": shown}
    post(client, trip_url(at_check_in.event), again)
    assert at_check_in.booking.history.count() == rows


def test_unticking_a_name_saves_and_an_untouched_page_changes_nothing(at_check_in):
    passenger_list(at_check_in.booking)
    booking_trip_record(booking=at_check_in.booking, guests_boarded=3, checked_in_names=["Jordan Guest", "Kim Rivers"])
    client = open_link(captain_of(at_check_in))
    client.get(event_url(at_check_in.event))
    shown = '["Jordan Guest", "Kim Rivers"]'
    same = {
        **EMPTY_PAGE,
        "guests_boarded": "3",
        "initial-guests_boarded": "3",
        "checked_in_names": ["Jordan Guest", "Kim Rivers"],
        "checked_in_shown": shown,
    }
    rows = at_check_in.booking.history.count()
    post(client, trip_url(at_check_in.event), same)
    assert at_check_in.booking.history.count() == rows
    assert "Nothing to change in the trip log." in client.get(event_url(at_check_in.event)).content.decode()

    post(client, trip_url(at_check_in.event), {**same, "checked_in_names": ["Kim Rivers"]})
    assert names_of(at_check_in.booking) == ["Kim Rivers"]


def test_a_page_opened_before_a_check_in_on_another_phone_does_not_wipe_it(at_check_in):
    passenger_list(at_check_in.booking)
    client = open_link(captain_of(at_check_in))
    client.get(event_url(at_check_in.event))  # shows nobody checked in
    booking_trip_record(booking=at_check_in.booking, checked_in_names=["Jordan Guest"])  # the other phone

    data = {**EMPTY_PAGE, "incident_note": "Slight chop.", "checked_in_shown": "[]"}
    assert post(client, trip_url(at_check_in.event), data).status_code == 302
    assert names_of(at_check_in.booking) == ["Jordan Guest"]


def test_names_the_trip_log_refuses_are_shown_next_to_the_names(at_check_in):
    passenger_list(at_check_in.booking)
    client = open_link(captain_of(at_check_in))
    client.get(event_url(at_check_in.event))
    data = {**EMPTY_PAGE, "guests_boarded": "1", "checked_in_names": ["Jordan Guest", "Kim Rivers"]}
    response = post(client, trip_url(at_check_in.event), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "2 names are checked in but 1 guests boarded." in page
    assert ticks(page) == {"Jordan Guest": True, "Kim Rivers": True, "Robin Rivers": False}  # the ticks survive
    assert names_of(at_check_in.booking) == []


def test_a_deckhand_never_sees_the_names_nor_records_them(at_check_in):
    passenger_list(at_check_in.booking)
    deck = open_link(at_check_in.mine)
    page = deck.get(event_url(at_check_in.event)).content.decode()
    assert ticks(page) == {} and "Kim Rivers" not in page and "waiver" not in page
    data = {**EMPTY_PAGE, "guests_boarded": "1", "checked_in_names": ["Kim Rivers"]}
    assert post(deck, trip_url(at_check_in.event), data).status_code == 403
    assert names_of(at_check_in.booking) == []
    # Not even the data behind the page holds them: a template edit cannot leak them.
    assert crew_card_for_event(member=at_check_in.member, event_id=at_check_in.event.pk).passengers == ()
    assert len(crew_card_for_event(member=at_check_in.captain, event_id=at_check_in.event.pk).passengers) == 3


def test_the_captain_sees_no_names_before_the_trip_log_opens(charter):
    # Four days before the charter: the check-in opens 24 hours before the start.
    passenger_list(charter.booking)
    page = open_link(captain_of(charter)).get(event_url(charter.event)).content.decode()
    assert ticks(page) == {} and "Kim Rivers" not in page


def test_the_captains_page_makes_the_same_queries_for_one_name_or_twelve(at_check_in):
    client = open_link(captain_of(at_check_in))
    passenger_list(at_check_in.booking, [("Jordan Guest", True, True)])
    with CaptureQueriesContext(connection) as one:
        assert len(ticks(client.get(event_url(at_check_in.event)).content.decode())) == 1
    PassengerList.objects.all().delete()
    Waiver.objects.all().delete()
    passenger_list(at_check_in.booking, [(f"Guest {n}", n % 3 != 0, n % 2 == 0) for n in range(12)])
    with CaptureQueriesContext(connection) as twelve:
        assert len(ticks(client.get(event_url(at_check_in.event)).content.decode())) == 12
    assert len(twelve) == len(one)


def test_the_names_are_read_in_one_query(at_check_in, django_assert_num_queries):
    passenger_list(at_check_in.booking, [(f"Guest {n}", n % 2 == 0, n % 4 == 0) for n in range(8)])
    with django_assert_num_queries(1):
        listed = listed_passengers(at_check_in.booking.pk)
    assert [p.waiver for p in listed[:4]] == ["accepted", "", "missing", ""]


def test_without_a_provider_the_check_in_still_works_on_the_free_entry(at_check_in):
    passenger_list(at_check_in.booking)
    previous = checkin.passenger_names_provider_register(None)
    try:
        client = open_link(captain_of(at_check_in))
        assert ticks(client.get(event_url(at_check_in.event)).content.decode()) == {}
        post(client, trip_url(at_check_in.event), {**EMPTY_PAGE, "checked_in_others": "Kim Rivers"})
    finally:
        checkin.passenger_names_provider_register(previous)
    assert previous is listed_passengers  # guest pages registered it at start-up
    assert names_of(at_check_in.booking) == ["Kim Rivers"]


def test_crew_never_imports_guest_pages():
    for path in CREW_APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            assert not any(m.split(".")[0] == "guestpages" for m in modules), path
