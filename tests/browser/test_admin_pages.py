"""The pages staff use daily, in a real browser at 1,280 px: nothing scrolls sideways, times carry their zone,
and the booking form's money follows what staff type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.factories import BookingFactory, ChecklistFactory, CrewMemberFactory, assign, local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.fixture
def staff_page(chromium, live_server):
    get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-boss-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    yield page
    context.close()


@pytest.fixture
def charter(tenant):
    booking = BookingFactory(
        tenant=tenant,
        guest_name="Jordan Guest",
        start=local(tenant, 2030, 6, 1, 10, 0),
        end=local(tenant, 2030, 6, 1, 15, 0),
    )
    ChecklistFactory(boat=booking.boat)
    for name, role, rate, hours in [
        ("Maya Torres-Villanueva", "captain", "50.00", "3"),
        ("Sam Okafor", "deckhand", "25.00", "5"),
        ("Lee Park", "deckhand", "25.00", "5"),
    ]:
        assign(booking, CrewMemberFactory(name=name, tenants=[tenant]), role, rate, hours)
    return booking


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_daily_pages_fit_1280_px(staff_page, live_server, charter):
    pages = [
        "/admin/",
        "/admin/bookings/booking/",
        f"/admin/bookings/booking/{charter.pk}/change/",
        f"/admin/crew/crewevent/{charter.crew_event.pk}/change/",
        "/admin/crew/crewmember/",
        "/admin/bookings/calendarentry/",
        "/admin/crew/credential/",
    ]
    wide = []
    for path in pages:
        staff_page.goto(live_server.url + path)
        if not no_sideways_scroll(staff_page):
            wide.append((path, staff_page.evaluate("document.documentElement.scrollWidth")))
    assert wide == []


def test_the_booking_page_shows_times_in_the_brands_zone_and_live_money(staff_page, live_server, charter):
    staff_page.goto(f"{live_server.url}/admin/bookings/booking/{charter.pk}/change/")
    created = staff_page.locator(".field-created_at .readonly").inner_text()
    assert re.search(r"\b(PST|PDT)\b", created), created  # the brand's zone, shown
    panel = staff_page.locator("#money-breakdown")
    assert "289.41" in panel.inner_text()
    staff_page.fill("#id_gross_amount", "1000.00")
    staff_page.wait_for_function("document.querySelector('#money-breakdown').innerText.includes('420.00')")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    staff_page.screenshot(path=str(SCREENSHOTS / "booking_page.png"), full_page=False)
    charter.refresh_from_db()
    assert str(charter.gross_amount) == "840.75"  # typing changes nothing until saved
