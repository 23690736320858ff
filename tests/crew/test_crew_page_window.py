"""The crew page and the calendar feed stay flat as history grows; earlier charters are a paginated page.

The crew page lists what is coming plus what ended today (in the crew member's zone), with a
link to earlier charters (25 a page, newest first); the feed lists a window from
CREW_CALENDAR_PAST_DAYS back to CREW_CALENDAR_FUTURE_DAYS ahead. A name with a line break or
another control character cannot take the feed down.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from crew.models import Role
from tests.crew.conftest import BEFORE_CHARTER, open_link
from tests.crew.test_leaks import sentinel_charter  # noqa: F401 - the sentinel fixture, reused
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign, local

pytestmark = pytest.mark.django_db

HOME = reverse("crew:home")
EARLIER = reverse("crew:earlier")


def feed(member) -> Calendar:
    response = Client().get(reverse("crew:calendar", kwargs={"token": member.calendar_token}))
    assert response.status_code == 200, response.content
    return Calendar.from_ical(response.content)


def guests_in_feed(member) -> set[str]:
    found = set()
    for event in feed(member).walk("VEVENT"):
        match = re.search(r"Guest: (.*), party of", str(event["description"]))
        found.add(match.group(1))
    return found


def charters(member, tenant, starts, *, prefix: str = "Guest", boat=None) -> list:
    """One 5-hour charter per start, with ``member`` as deckhand; guests are named ``prefix`` + position."""
    boat = boat or BoatFactory(tenant=tenant)
    made = []
    for n, start in enumerate(starts):
        booking = BookingFactory(tenant=tenant, boat=boat, start=start, guest_name=f"{prefix} {n}")
        assign(booking, member, "deckhand", "25", "5")
        made.append(booking)
    return made


def bulk_history(member, boat, starts) -> None:
    """Past charters with ``member`` aboard, bulk-inserted (the services would take ~0.1 s each):
    what years of history look like to the pages that read it."""
    from bookings.models import Booking, CalendarEntry, occupancy_end
    from crew.models import Assignment, CrewEvent
    from tests.factories import role

    bookings = Booking.objects.bulk_create(
        [
            Booking(
                tenant=boat.tenant,
                boat=boat,
                source=Booking.Source.DIRECT,
                guest_name=f"Grown {n}",
                party_size=4,
                start=start,
                end=start + timedelta(hours=5),
                occupied_until=occupancy_end(start + timedelta(hours=5), boat.turnaround_minutes),
                gross_amount=500,
            )
            for n, start in enumerate(starts)
        ]
    )
    CalendarEntry.objects.bulk_create(
        [
            CalendarEntry(
                tenant=b.tenant, boat=boat, booking=b, title="Grown", start=b.start, end=b.end, kind="charter"
            )
            for b in bookings
        ]
    )
    events = CrewEvent.objects.bulk_create([CrewEvent(booking=b) for b in bookings])
    deckhand = role("deckhand")
    Assignment.objects.bulk_create(
        [Assignment(event=e, crew_member=member, role=deckhand, hourly_rate=25, paid_hours=5) for e in events]
    )


def count_queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries), response.content.decode()


def history(now, n: int) -> list:
    """``n`` charter starts: three ahead of ``now`` (after the fixture's charter), the rest one a day going back (into and past the feed)."""
    ahead = [now + timedelta(days=6 + k) for k in range(3)]
    return ahead + [now - timedelta(days=2 + k) for k in range(n - 3)]


# --- constant cost -------------------------------------------------------------------------------


def test_the_query_count_is_the_same_at_10_and_at_200_assignments(charter, tenant):
    client = open_link(charter.mine)
    boat = BoatFactory(tenant=tenant)
    member = charter.member
    charters(member, tenant, history(BEFORE_CHARTER, 9), prefix="Small", boat=boat)  # 10 with the charter's own
    small = {url: count_queries(client, url)[0] for url in (HOME, EARLIER, f"{EARLIER}?page=1")}
    small_feed = len(_feed_queries(member))

    bulk_history(member, boat, [BEFORE_CHARTER - timedelta(days=20 + k, hours=6) for k in range(190)])
    assert member.assignments.count() == 200
    grown = {url: count_queries(client, url)[0] for url in (HOME, EARLIER, f"{EARLIER}?page=1")}
    assert grown == small, (small, grown)
    assert len(_feed_queries(member)) == small_feed
    print(f"crew page / earlier / feed queries at 10 and 200 assignments: {small}, feed {small_feed}")


def _feed_queries(member) -> list:
    with CaptureQueriesContext(connection) as queries:
        feed(member)
    return queries.captured_queries


# --- the crew page: what is coming, and a link to the rest ------------------------------------------


def test_the_crew_page_shows_upcoming_and_today_and_links_to_earlier(charter, tenant, frozen):
    member = charter.member
    # Now: Sat Dec 5, 2026, 4 PM in San Diego; the fixture's charter ran 10 AM - 3 PM today.
    frozen.move_to(local(tenant, 2026, 12, 5, 16, 0))
    yesterday = local(tenant, 2026, 12, 4, 9, 0)
    tomorrow = local(tenant, 2026, 12, 6, 9, 0)
    charters(member, tenant, [yesterday], prefix="Yesterday")
    charters(member, tenant, [tomorrow], prefix="Tomorrow")
    charters(member, tenant, [local(tenant, 2026, 11, d, 9, 0) for d in range(1, 28)], prefix="November")
    client = open_link(charter.mine)

    page = client.get(HOME).content.decode()
    assert page.count("<article") == 2
    assert "Jordan Guest" in page  # ended an hour ago: still today
    assert "Tomorrow 0" in page
    assert "Yesterday 0" not in page and "November" not in page
    assert f'href="{EARLIER}"' in page and "Earlier charters" in page


def test_a_charter_leaves_the_crew_page_at_midnight_in_the_crew_members_zone(charter, tenant, frozen):
    client = open_link(charter.mine)
    frozen.move_to(local(tenant, 2026, 12, 5, 23, 59))
    assert "Jordan Guest" in client.get(HOME).content.decode()
    frozen.move_to(local(tenant, 2026, 12, 6, 0, 0))
    page = client.get(HOME).content.decode()
    assert "Jordan Guest" not in page and "No upcoming charters" in page
    earlier = client.get(EARLIER).content.decode()
    assert f'href="{reverse("crew:event", kwargs={"event_id": charter.event.pk})}"' in earlier
    assert "Sat, Dec 5, 2026 · Sea Breeze" in earlier and "10:00 AM – 3:00 PM PST" in earlier


def test_no_earlier_link_without_earlier_charters(charter):
    page = open_link(charter.mine).get(HOME).content.decode()
    assert "Earlier charters" not in page and EARLIER not in page


# --- earlier charters: paginated, newest first, only this crew member's --------------------------------


def test_earlier_charters_are_paginated_newest_first_and_only_the_members_own(charter, tenant, frozen):
    member = charter.member
    boat = BoatFactory(tenant=tenant)
    days = [local(tenant, 2026, 10, 1, 9, 0) + timedelta(days=k) for k in range(30)]  # Oct 1 .. Oct 30
    charters(member, tenant, days, prefix="Past", boat=boat)
    other = CrewMemberFactory(name="Other Deck", tenants=[tenant])
    charters(other, tenant, [local(tenant, 2026, 11, 2, 9, 0)], prefix="Not yours")
    shared = BookingFactory(tenant=tenant, start=local(tenant, 2026, 11, 3, 9, 0), guest_name="Shared")
    assign(shared, other, "captain", "50", "5")  # the member is not on it
    client = open_link(charter.mine)

    first = client.get(EARLIER)
    assert first.status_code == 200 and first["Cache-Control"] == "no-store"
    one = first.content.decode()
    listed = re.findall(r"(\w{3}, \w{3} \d+, 2026) · ", one)
    assert len(listed) == 25
    assert listed[0] == "Fri, Oct 30, 2026" and listed[-1] == "Tue, Oct 6, 2026"  # newest first
    assert "Page 1 of 2" in one and 'href="?page=2"' in one
    assert "Not yours" not in one and "Other Deck" not in one
    assert f"/crew/events/{shared.crew_event.pk}/" not in one

    two = client.get(EARLIER, {"page": 2}).content.decode()
    assert re.findall(r"(\w{3}, \w{3} \d+, 2026) · ", two) == [
        "Mon, Oct 5, 2026",
        "Sun, Oct 4, 2026",
        "Sat, Oct 3, 2026",
        "Fri, Oct 2, 2026",
        "Thu, Oct 1, 2026",
    ]
    assert 'href="?page=1"' in two and "?page=3" not in two

    # Any page value is answered: not a number is the first page, past the end the last.
    assert "Page 1 of 2" in client.get(EARLIER, {"page": "x\x00"}).content.decode()
    assert "Page 2 of 2" in client.get(EARLIER, {"page": 99}).content.decode()


def test_earlier_charters_ask_for_a_crew_session(charter):
    response = Client().get(EARLIER)
    assert response.status_code == 302 and response["Location"].startswith(reverse("crew:new_link"))


def test_crew_never_see_money_on_the_earlier_page(sentinel_charter, frozen):  # noqa: F811 - the fixture
    charter, forbidden = sentinel_charter
    client = open_link(charter.mine)
    frozen.move_to(charter.booking.end + timedelta(days=2))
    pages = {
        "earlier": client.get(EARLIER).content.decode(),
        "crew page": client.get(HOME).content.decode(),
        "event page from the earlier link": client.get(
            reverse("crew:event", kwargs={"event_id": charter.event.pk})
        ).content.decode(),
    }
    assert "Sea Breeze" in pages["earlier"] and "Deckhand" in pages["earlier"]
    assert "Earlier charters" in pages["crew page"]
    assert "Rich Rate · Deckhand" in pages["event page from the earlier link"]  # the render is real
    leaks = {(name, value) for name, text in pages.items() for value in forbidden if value in text}
    assert leaks == set()
    assert "$" not in pages["earlier"] and "Jordan Guest" not in pages["earlier"]


# --- the feed: a bounded window --------------------------------------------------------------------


def test_the_feed_lists_90_days_back_and_a_year_ahead(charter, tenant, frozen):
    member = charter.member
    now = BEFORE_CHARTER
    offsets = {"100 back": -100, "89 back": -89, "364 ahead": 364, "400 ahead": 400}
    boat = BoatFactory(tenant=tenant)
    for name, days in offsets.items():
        booking = BookingFactory(tenant=tenant, boat=boat, start=now + timedelta(days=days), guest_name=name)
        assign(booking, member, "deckhand", "25", "5")
    assert guests_in_feed(member) == {"89 back", "364 ahead", "Jordan Guest"}


def test_the_feed_window_follows_its_settings(charter, tenant, frozen, settings):
    settings.CREW_CALENDAR_PAST_DAYS = 10
    settings.CREW_CALENDAR_FUTURE_DAYS = 3
    assert guests_in_feed(charter.member) == set()  # the charter starts in 4 days
    settings.CREW_CALENDAR_FUTURE_DAYS = 5
    assert guests_in_feed(charter.member) == {"Jordan Guest"}


# --- names with line breaks and control characters --------------------------------------------------


def test_line_breaks_and_control_characters_in_names_do_not_break_the_feed(charter, tenant):
    member = charter.member
    member.name = "Sam\nDeck\r\n, Jr."
    member.save()
    booking = charter.booking
    booking.guest_name = "Jordan\r\nGuest\x01; Co"
    booking.meeting_point = "Dock C\nGate\x0b4"
    booking.crew_notes = "Line one\r\nLine two\x07\u2028Line three"
    booking.save(update_fields=["guest_name", "meeting_point", "crew_notes"])
    booking.boat.name = "Sea\nBreeze"
    booking.boat.save()
    Role.objects.filter(slug="deckhand").update(name="Deck\thand\x1f")

    response = Client().get(reverse("crew:calendar", kwargs={"token": member.calendar_token}))
    assert response.status_code == 200
    raw = response.content.decode()
    # Every content line is a property, a component boundary or a folded continuation: nothing split a line.
    for line in raw.split("\r\n")[:-1]:
        assert re.match(r"^([A-Z-]+[;:]| )", line), line
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", raw)
    cal = Calendar.from_ical(response.content)
    assert cal["x-wr-calname"].to_ical().decode() == "Charters · Sam Deck \\, Jr."
    [event] = cal.walk("VEVENT")
    assert str(event["summary"]) == "Sea Breeze · Deck hand"
    assert str(event["location"]) == "Dock C Gate 4"
    description = str(event["description"])
    assert "Guest: Jordan Guest ; Co, party of 6" in description
    assert "Crew notes: Line one\nLine two\nLine three" in description

    # The crew page shows the same names without trouble.
    page = open_link(charter.mine).get(HOME)
    assert page.status_code == 200 and "Sea\nBreeze" in page.content.decode()


def test_a_calendar_token_that_cannot_be_one_is_404(charter):
    for token in ("a%00b", "a b", "x" * 65):
        assert Client().get(f"/crew/calendar/{token}.ics").status_code == 404
