"""On a phone-sized Chromium, the lead guest fills in "Who's coming" on the published guest page.

The page is served by the dev server's /g/<slug> (GUESTPAGES_BACKEND=local) from live_server, which
also answers /g/<slug>/passengers, as on a laptop. A screenshot of the confirmed list goes to
docs/screenshots/guest_passenger_list.png.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from guestpages.models import PassengerList
from guestpages.passengers import ip_hash, waiver_publish
from guestpages.services import guest_page_ensure, guest_page_publish
from tests.factories import BookingFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WAIVER = (
    "I understand that boating has risks, including slips, sun, cold water and sea sickness.\n"
    "I will follow the captain's instructions and wear a life jacket when asked."
)


@pytest.fixture
def guest_site(live_server, settings, tenant):
    settings.GUESTPAGES_BACKEND = "local"
    settings.CHARTEROPS_BASE_URL = live_server.url
    cache.clear()
    waiver = waiver_publish(tenant=tenant, text=WAIVER)
    start = timezone.now() + timedelta(days=2)
    booking = BookingFactory(
        tenant=tenant, guest_name="Jordan Rivers", party_size=3, start=start, end=start + timedelta(hours=4)
    )
    page = guest_page_ensure(booking=booking)
    guest_page_publish(booking_id=booking.pk)
    yield type("GuestSite", (), {"booking": booking, "waiver": waiver, "url": f"{live_server.url}/g/{page.slug}"})
    cache.clear()


def test_the_lead_guest_gives_names_contact_and_waivers_on_a_phone(page, guest_site):
    from playwright.sync_api import expect

    page.goto(guest_site.url)
    expect(page.get_by_role("heading", name="Who's coming")).to_be_visible()
    page.get_by_text("Read the waiver (version 1)").click()
    expect(page.locator("#waiver-text")).to_contain_text("wear a life jacket")

    rows = page.locator("fieldset.pax")
    expect(rows).to_have_count(3)
    rows.nth(0).locator(".pax-name").fill("Jordan Rivers")
    rows.nth(0).locator(".pax-accept").fill("Jordan Rivers")
    rows.nth(1).locator(".pax-name").fill("Sam Rivers")
    rows.nth(1).locator(".pax-adult").uncheck()
    expect(rows.nth(1).locator(".pax-accept")).to_be_hidden()
    page.locator("#emergency-name").fill("Pat Rivers")
    page.locator("#emergency-phone").fill("+1 619 555 0142")
    # A tap target a thumb can hit, and nothing wider than the phone.
    assert page.locator("#passenger-button").bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.locator("#passenger-button").click()

    status = page.locator("#passenger-status")
    expect(status).to_have_text("Thank you! 2 names are saved.", timeout=20_000)
    expect(status).to_have_class("status ok")
    given = page.locator("#passenger-given-list li")
    expect(given).to_have_text(["Jordan Rivers: waiver accepted (version 1)", "Sam Rivers: under 18"])
    expect(page.locator("#passenger-given-contact")).to_have_text("Emergency contact: Pat Rivers (•••• 142)")
    plist = PassengerList.objects.get(booking=guest_site.booking)
    jordan, sam = plist.passengers.order_by("position")
    assert (jordan.waiver, jordan.accepted_name, jordan.ip_hash) == (
        guest_site.waiver,
        "Jordan Rivers",
        ip_hash("127.0.0.1"),
    )
    assert (sam.is_adult, sam.waiver) == (False, None)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#whos-coming").screenshot(path=str(SCREENSHOTS / "guest_passenger_list.png"))

    # Opened again later, the page shows what was given and asks nobody to sign twice.
    page.reload()
    expect(page.locator("#passenger-given-list li")).to_have_count(2)
    expect(rows.nth(0).locator(".pax-name")).to_have_value("Jordan Rivers")
    expect(rows.nth(0).locator(".pax-note")).to_have_text("Waiver accepted.")


def test_a_missing_acceptance_is_explained_and_nothing_is_saved(page, guest_site):
    from playwright.sync_api import expect

    page.goto(guest_site.url)
    page.locator("fieldset.pax").nth(0).locator(".pax-name").fill("Jordan Rivers")
    page.locator("#emergency-name").fill("Pat Rivers")
    page.locator("#emergency-phone").fill("+1 619 555 0142")
    page.locator("#passenger-button").click()

    status = page.locator("#passenger-status")
    expect(status).to_have_class("status err", timeout=20_000)
    expect(status).to_contain_text("Each adult accepts the waiver")
    assert not PassengerList.objects.filter(booking=guest_site.booking).exists()
