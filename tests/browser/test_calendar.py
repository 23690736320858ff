"""Staff at a 1440 px desk: the calendar's week with a lane per boat, drag a charter, see it saved or refused.

Headless Chromium (Debian's) through Playwright, against pytest-django's live_server.
The drags are real mouse moves on the event's element. Screenshots of the week and the
month go to docs/screenshots/ (calendar.png, calendar-month.png).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bookings.models import Booking, CalendarEntry
from crew.models import Assignment, TimeOff
from tests.factories import BoatFactory, BookingFactory, ChecklistFactory, CrewMemberFactory, assign, local, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "pw-staff-123"


@pytest.fixture
def desk(chromium):
    # A browser far from the brand (and half an hour off the hour): nothing may depend on its zone.
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, timezone_id="Asia/Kolkata")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def week(tenant):
    """Queen of San Diego's week of Mon Dec 7, 2026 (PST): three boats, charters in every state, blocks."""
    queen = BoatFactory(tenant=tenant, name="Queen of San Diego", turnaround_minutes=30)
    breeze = BoatFactory(tenant=tenant, name="Sea Breeze", turnaround_minutes=30)
    star = BoatFactory(tenant=tenant, name="Harbor Star", turnaround_minutes=30)
    for boat in (queen, breeze, star):
        ChecklistFactory(boat=boat, items=["Fuel checked", "Life jackets counted", "Head pumped out"])
    maya = CrewMemberFactory(name="Maya Captain", tenants=[tenant])
    sam = CrewMemberFactory(name="Sam Deck", tenants=[tenant])
    lee = CrewMemberFactory(name="Lee Deck", tenants=[tenant])

    def charter(boat, day, hour, hours, guest, party, **extra):
        start = local(tenant, 2026, 12, day, hour, 0)
        return BookingFactory(
            tenant=tenant, boat=boat, start=start, end=start + timedelta(hours=hours), guest_name=guest,
            party_size=party, **extra,
        )  # fmt: skip

    moved = charter(queen, 8, 9, 3, "Jordan Guest", 6)
    assign(moved, maya, "captain", "50", "3")
    accepted = assign(moved, sam, "deckhand", "25", "3")
    Assignment.objects.filter(pk=accepted.pk).update(status=Assignment.Status.ACCEPTED)
    event = moved.crew_event
    event.checklist_items.filter(position=1).update(done=True)
    taken = charter(queen, 8, 14, 3, "Riley Sunset", 8)
    assign(taken, lee, "deckhand", "25", "3")
    charter(queen, 10, 10, 4, "Avery Whale Watch", 10)
    charter(breeze, 8, 11, 2, "Casey Family", 4)
    charter(breeze, 9, 16, 3, "Morgan Birthday", 9)
    charter(breeze, 11, 9, 4, "Parker Storm", 5, status=Booking.Status.WEATHER_OWED)
    charter(star, 7, 13, 3, "Quinn Cancelled", 3, status=Booking.Status.CANCELLED)
    charter(star, 9, 9, 5, "Drew Corporate", 11)
    charter(star, 12, 15, 3, "Taylor Sunset", 6)
    CalendarEntry.objects.create(
        tenant=tenant, boat=breeze, kind=CalendarEntry.Kind.MAINTENANCE, title="Engine service",
        start=local(tenant, 2026, 12, 10, 8, 0), end=local(tenant, 2026, 12, 10, 17, 0),
    )  # fmt: skip
    CalendarEntry.objects.create(
        tenant=tenant, kind=CalendarEntry.Kind.BLACKOUT, title="Harbor parade",
        start=local(tenant, 2026, 12, 13, 9, 0), end=local(tenant, 2026, 12, 13, 13, 0),
    )  # fmt: skip
    TimeOff.objects.create(
        crew_member=sam, start=local(tenant, 2026, 12, 11, 12, 0), end=local(tenant, 2026, 12, 12, 20, 0)
    )
    return type(
        "Week", (), {"queen": queen, "breeze": breeze, "star": star, "moved": moved, "taken": taken, "sam": sam}
    )


def log_in(page, live_server, tenant, next_url):
    staff_user(tenant, username="office", password=PASSWORD)
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", "office")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/calendar/"))


def event_box(page, booking):
    locator = page.locator(f".ec-event[data-booking='{booking.pk}']")
    locator.wait_for()
    return locator, locator.bounding_box()


def drag(page, box, dx, dy):
    """Press in the event's upper part, move in steps (the library needs real pointer moves), release."""
    x, y = box["x"] + box["width"] / 2, box["y"] + min(12, box["height"] / 3)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=8)
    page.mouse.move(x + dx, y + dy, steps=8)
    page.mouse.up()


def minutes_to_pixels(box, minutes, duration_minutes):
    return box["height"] * minutes / duration_minutes


def test_drag_a_charter_to_a_later_time_and_it_is_saved(desk, live_server, tenant, week):
    log_in(desk, live_server, tenant, "/admin/calendar/?view=week%26date=2026-12-07")
    desk.get_by_text("Times in America/Los_Angeles").wait_for()
    _, box = event_box(desk, week.moved)
    drag(desk, box, 0, minutes_to_pixels(box, 60, 180))  # 9:00 -> 10:00, still before Riley's 14:00
    desk.locator("#calendar-messages li.success").wait_for()
    assert "Moved Jordan Guest" in desk.locator("#calendar-messages").inner_text()

    week.moved.refresh_from_db()
    assert week.moved.start == local(tenant, 2026, 12, 8, 10, 0)
    assert week.moved.end == local(tenant, 2026, 12, 8, 13, 0)
    # Through booking_save: the crew who had accepted are asked again.
    assert not week.moved.crew_event.assignments.filter(status=Assignment.Status.ACCEPTED).exists()
    assert week.moved.history.first().history_user.username == "office"


def test_drag_a_charter_to_another_boat_in_the_day_view(desk, live_server, tenant, week):
    log_in(desk, live_server, tenant, "/admin/calendar/?view=day%26date=2026-12-08")
    locator, box = event_box(desk, week.moved)
    lane = desk.locator(".ec-col-head", has_text="Harbor Star").first.bounding_box()
    drag(desk, box, lane["x"] + lane["width"] / 2 - (box["x"] + box["width"] / 2), 0)
    desk.locator("#calendar-messages li.success").wait_for()
    week.moved.refresh_from_db()
    assert week.moved.boat == week.star
    assert week.moved.start == local(tenant, 2026, 12, 8, 9, 0)


def test_a_refused_drag_snaps_back_and_says_why(desk, live_server, tenant, week):
    log_in(desk, live_server, tenant, "/admin/calendar/?view=week%26date=2026-12-07")
    locator, box = event_box(desk, week.moved)
    before = (week.moved.start, week.moved.end, week.moved.boat_id)
    history = week.moved.history.count()

    drag(desk, box, 0, minutes_to_pixels(box, 5 * 60, 180))  # 9:00 -> 14:00, onto Riley Sunset
    error = desk.locator("#calendar-messages li.error")
    error.wait_for()
    assert "Queen of San Diego is already booked then: Riley Sunset" in error.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(SCREENSHOTS / "calendar-refused.png"))
    # Back where it was, in the calendar and on the page, and in the database.
    start = desk.evaluate(
        f"(() => {{ const d = window.charteropsCalendar.getEventById('booking-{week.moved.pk}').start;"
        " return [d.getDate(), d.getHours(), d.getMinutes()]; })()"
    )
    assert start == [8, 9, 0]  # the brand's wall clock, in the Date's local fields
    assert locator.bounding_box() == box  # the message floats over the page: nothing shifted
    week.moved.refresh_from_db()
    assert (week.moved.start, week.moved.end, week.moved.boat_id) == before
    assert week.moved.history.count() == history


def test_week_lanes_and_month_with_a_crew_members_time_off(desk, live_server, tenant, week):
    log_in(desk, live_server, tenant, f"/admin/calendar/?view=week%26date=2026-12-07%26crew_member={week.sam.pk}")
    event_box(desk, week.moved)
    lanes = desk.locator(".ec-col-group").all_inner_texts()
    assert lanes == ["Harbor Star", "Queen of San Diego", "Sea Breeze"]
    # The brand-wide blackout is on each boat's lane; Sam's time off is a bar on each lane's all-day row.
    assert desk.locator(".ec-event.co-blackout").count() == 3
    assert desk.locator(".ec-event.co-time-off").count() == 3
    assert desk.locator(".ec-event.co-cancelled").count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(SCREENSHOTS / "calendar.png"), full_page=True)

    desk.get_by_role("button", name="Month").click()
    desk.locator(".ec-day-grid .ec-event[data-kind='time_off']").first.wait_for()
    assert "view=month" in desk.url
    assert "Sam Deck away" in desk.locator("#calendar").inner_text()
    desk.screenshot(path=str(SCREENSHOTS / "calendar-month.png"), full_page=True)

    # A click opens the booking in the admin.
    desk.locator(f".ec-event[data-booking='{week.moved.pk}']").click()
    desk.wait_for_url(re.compile(rf"/admin/bookings/booking/{week.moved.pk}/change/$"))
