"""The captain checks guests in on a phone (390 x 844) by ticking the names from the guest's passenger list.

Headless Chromium (Debian's) through Playwright, against pytest-django's live_server. The screenshot
of the check-in goes to docs/screenshots/crew_checkin_names.png.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from bookings.models import Booking
from guestpages.models import Passenger, PassengerList, Waiver
from tests.crew.conftest import link_path
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_the_captain_ticks_the_listed_names_on_a_phone(page, live_server, tenant):
    boat = BoatFactory(tenant=tenant, name="Sea Breeze")
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=20)  # boarding
    booking = BookingFactory(
        tenant=tenant, boat=boat, guest_name="Jordan Rivers", party_size=4, start=start, end=start + timedelta(hours=4)
    )
    waiver = Waiver.objects.create(tenant=tenant, version=1, text="Boating has risks.")
    plist = PassengerList.objects.create(booking=booking, emergency_name="Pat Rivers", emergency_phone="+16195550142")
    for position, (name, adult, accepted) in enumerate(
        [
            ("Jordan Rivers", True, True),
            ("Alexandra Montgomery-Castellanos", True, True),
            ("Kim Rivers", True, False),
            ("Robin Rivers", False, False),
        ],
        start=1,
    ):
        Passenger.objects.create(
            passenger_list=plist,
            position=position,
            full_name=name,
            is_adult=adult,
            waiver=waiver if accepted else None,
            accepted_name=name if accepted else "",
        )
    captain = CrewMemberFactory(name="Maya Captain", tenants=[tenant])
    assignment = assign(booking, captain, "captain", "50", "5")

    page.goto(live_server.url + link_path(assignment))
    page.get_by_role("button", name="Open my crew page").click()
    page.wait_for_url(re.compile(r"/crew/events/\d+/$"))

    checkin = page.locator("#checkin")
    assert checkin.get_by_text("· no waiver yet").count() == 1 and checkin.get_by_text("· child").count() == 1
    # Tapping the name, not the box, ticks it.
    checkin.get_by_text("Jordan Rivers", exact=True).click()
    checkin.get_by_text("Alexandra Montgomery-Castellanos", exact=True).click()
    checkin.get_by_text("Robin Rivers", exact=True).click()
    page.get_by_label("Guests boarded").fill("4")
    page.get_by_label("Others aboard, not on the list").fill("Sam Friend")
    assert page.get_by_role("checkbox", name=re.compile("^Jordan Rivers")).is_checked()
    assert not page.get_by_role("checkbox", name=re.compile("^Kim Rivers")).is_checked()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    checkin.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('#trip').scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / "crew_checkin_names.png"))

    page.get_by_role("button", name="Save trip log").click()
    page.get_by_text("Trip log saved.").wait_for()
    saved = Booking.objects.get(pk=booking.pk)
    assert saved.checked_in_names == ["Jordan Rivers", "Alexandra Montgomery-Castellanos", "Robin Rivers", "Sam Friend"]
    assert saved.guests_boarded == 4
    assert page.get_by_role("checkbox", name=re.compile("^Robin Rivers")).is_checked()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
