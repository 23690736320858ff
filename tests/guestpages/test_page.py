"""What the guest page shows and never shows."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

from bookings.models import Booking
from bookings.services import booking_save
from guestpages.services import guest_page_ensure, guest_page_render
from tests.factories import BookingFactory, CrewMemberFactory, assign, local


def render(booking) -> str:
    return guest_page_render(guest_page_ensure(booking=booking)).decode()


def test_page_shows_what_the_guest_needs(tenant, settings):
    booking = BookingFactory(
        tenant=tenant,
        guest_name="Jordan Rivers",
        meeting_point="Harbor Island West Marina, dock C",
        guest_notes="Parking is free after 6 PM.\nAsk for Maya at the gate.",
    )

    html = render(booking)

    assert "Queen of San Diego" in html
    assert "Welcome aboard, Jordan!" in html
    assert "Saturday, December 5, 2026" in html
    assert "10:00 AM – 3:00 PM" in html and "PST" in html
    assert "5 h" in html
    assert booking.boat.name in html
    assert "Harbor Island West Marina, dock C" in html
    assert "https://www.google.com/maps/search/?api=1&amp;query=Harbor%20Island%20West%20Marina%2C%20dock%20C" in html
    assert "What to bring" in html
    assert "Parking is free after 6 PM." in html
    slug = booking.guest_page.slug
    assert f'"https://ops.example.com/g/{slug}/uploads"' in html
    assert 'id="photo"' in html and 'id="consent"' in html
    assert 'accept="image/jpeg,image/png,image/heic,image/webp' in html
    assert "close 24 hours after it ends" in html


def test_page_is_self_contained_and_not_indexed(tenant):
    html = render(BookingFactory(tenant=tenant))

    assert '<meta name="robots" content="noindex,nofollow">' in html
    assert "<style>" in html and "<script>" in html
    assert not re.search(r"<script[^>]+src=", html)
    assert "<link" not in html and "@import" not in html
    # The only outside address is the maps link the guest taps; nothing loads from a CDN.
    assert re.findall(r"(?:src|href)=\"(https?://[^\"]+)\"", html) == [
        re.search(r'href="(https://www\.google\.com/maps/[^"]+)"', html).group(1)
    ]
    assert len(html.encode()) < 16 * 1024  # fast on a phone


def test_page_never_shows_crew_or_money(tenant):
    booking = BookingFactory(
        tenant=tenant,
        internal_notes="Owner owes the marina 120.",
        crew_notes="Captain: bring the spare impeller.",
    )
    assign(booking, CrewMemberFactory(name="Maya Captain", tenants=[tenant]), "captain", "50.00", "3")

    html = render(booking)

    for secret in ("Maya", "Captain", "impeller", "marina 120", "840.75", "18.00", "$", "net", "platform"):
        assert secret not in html, secret
    assert "Rivers" not in render(BookingFactory(tenant=tenant, guest_name="Jordan Rivers"))  # first name only


def test_charter_past_midnight_shows_the_end_day(tenant):
    booking = BookingFactory(
        tenant=tenant, start=local(tenant, 2026, 7, 4, 20, 0), end=local(tenant, 2026, 7, 5, 1, 30)
    )

    html = render(booking)

    assert "8:00 PM – 1:30 AM (Sun Jul 5)" in html
    assert "5 h 30 min" in html


def test_charter_across_dst_shows_real_duration_and_local_times(tenant):
    # 12:30 AM PDT to 2:30 AM PST: the clocks go back at 2, so three hours on the water.
    booking = BookingFactory(
        tenant=tenant, start=local(tenant, 2026, 11, 1, 0, 30), end=local(tenant, 2026, 11, 1, 2, 30)
    )
    # Same-zone aware subtraction is wall-clock (2 h); elapsed time is measured in UTC.
    assert booking.end.astimezone(UTC) - booking.start.astimezone(UTC) == timedelta(hours=3)

    html = render(booking)

    assert "12:30 AM – 2:30 AM" in html
    assert "3 h" in html and "3 h 30" not in html


def test_cancelled_page_has_no_upload(tenant):
    booking = BookingFactory(tenant=tenant)
    booking.status = Booking.Status.CANCELLED
    booking_save(booking=booking, service="tests")

    html = render(booking)

    assert "cancelled" in html
    assert "upload" not in html.lower()
    assert 'content="noindex,nofollow"' in html
