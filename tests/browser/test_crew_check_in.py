"""The captain on a phone (390 x 844): no sideways scrolling, a tap on a checklist line's text ticks it,
"Departed now" is recorded. Screenshots of both pages are kept in the test's tmp_path.

Headless Chromium (Debian's) through Playwright, against pytest-django's live_server.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking
from crew.models import ChecklistItem
from tests.crew.conftest import link_path
from tests.factories import BoatFactory, BookingFactory, ChecklistFactory, CrewMemberFactory, assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_the_captain_checks_in_on_a_phone(page, live_server, settings, tenant, tmp_path):
    # A long but real-looking address: the calendar link used to push /crew/ wider than the phone.
    settings.CHARTEROPS_BASE_URL = "https://operations.queen-of-san-diego-charters.example.com"
    boat = BoatFactory(tenant=tenant, name="Sea Breeze", default_meeting_point="Harbor Island West Marina, dock C")
    ChecklistFactory(boat=boat, items=["Fuel checked", "Life jackets counted and stowed under the forward bench"])
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10)  # under way
    booking = BookingFactory(tenant=tenant, boat=boat, start=start, end=start + timedelta(hours=5))
    captain = CrewMemberFactory(name="Maya Captain", email="maya@example.com", tenants=[tenant])
    assignment = assign(booking, captain, "captain", "50", "5")
    assign(booking, CrewMemberFactory(name="Sam Deck", tenants=[tenant]), "deckhand", "25", "5")

    page.goto(live_server.url + link_path(assignment))
    page.get_by_role("button", name="Open my crew page").click()
    page.wait_for_url(re.compile(r"/crew/events/\d+/$"))
    assert page.evaluate("window.innerWidth") == 390
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path=tmp_path / "crew-event-captain.png", full_page=True)

    # Tapping the words, not the box, ticks the line.
    page.locator("#checklist .text", has_text="Fuel checked").click()
    page.get_by_role("button", name="Untick Fuel checked").wait_for()
    assert ChecklistItem.objects.get(event=booking.crew_event, text="Fuel checked").done

    page.get_by_role("button", name="Departed now").click()
    page.get_by_text("Departure recorded.").wait_for()
    assert page.get_by_role("button", name="Returned now").is_visible()
    departed = Booking.objects.get(pk=booking.pk).departed_at
    assert departed is not None and abs(departed - timezone.now()) < timedelta(minutes=2)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path=tmp_path / "crew-event-captain-departed.png", full_page=True)

    page.get_by_role("link", name="← My charters").click()
    page.wait_for_url(re.compile(r"/crew/$"))
    assert settings.CHARTEROPS_BASE_URL in page.locator("#calendar-url").input_value()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=tmp_path / "crew-home.png", full_page=True)
    print(f"screenshots in {tmp_path}")
