"""What guest messages say: per brand, per kind, on each channel, and never what is not the guest's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote_plus

import pytest

from bookings import finance
from crew.models import CrewEvent
from messaging.models import Channel, Message
from messaging.render import GUEST_KINDS, SMS_MAX, TEXTED_KINDS, message_preview, message_render
from messaging.services.rules import reminder_moments
from tests.factories import BookingFactory, CrewMemberFactory, assign, local

pytestmark = pytest.mark.django_db
Kind = Message.Kind


def _message(booking, kind, channel=Channel.EMAIL, scheduled_for=None) -> Message:
    recipient = booking.guest_email if channel == Channel.EMAIL else "+18585550199"
    return Message(booking=booking, kind=kind, channel=channel, recipient=recipient, scheduled_for=scheduled_for)


@pytest.fixture
def branded(tenant):
    tenant.brand_colour = "#7a1f3d"
    tenant.logo_url = "https://queenofsandiego.com/logo.png"
    tenant.email_signature = "Captain Ana and the crew\n+1 619 555 0100"
    tenant.what_to_bring = "Sunscreen, a light jacket & soft-soled shoes"
    tenant.rebooking_instructions = "Pick any Saturday in January on our calendar."
    tenant.save()
    return tenant


def test_confirmation_says_when_where_and_links_the_guest_page(branded):
    booking = BookingFactory(tenant=branded, meeting_point="Harbor Island West Marina, dock C & gate 4")
    booking.guest_notes = "Parking is free after 9 AM."
    booking.save(update_fields=["guest_notes"])

    rendered = message_render(_message(booking, Kind.CONFIRMATION))

    when = "Saturday, December 5, 10:00 AM–3:00 PM PST"
    map_url = "https://www.google.com/maps/search/?api=1&query=" + quote_plus(booking.meeting_point)
    page = booking.guest_page.public_url
    assert rendered.subject == "Your charter with Queen of San Diego is confirmed: Saturday, December 5"
    for part in (when, booking.boat.name, "Harbor Island West Marina, dock C & gate 4", map_url, page, "6 guests"):
        assert part in rendered.text
    assert "Parking is free after 9 AM." in rendered.text
    assert "&amp;" not in rendered.text and "<" not in rendered.text
    # HTML: the brand's band and button colour, logo, the escaped meeting point and the links.
    assert "background:#7a1f3d" in rendered.html
    assert '<img src="https://queenofsandiego.com/logo.png" alt="Queen of San Diego"' in rendered.html
    assert "Harbor Island West Marina, dock C &amp; gate 4" in rendered.html
    assert f'href="{page}"' in rendered.html
    assert "max-width:600px" in rendered.html
    assert "Captain Ana and the crew<br>+1 619 555 0100" in rendered.html
    # The text message: short, plain, with the link.
    assert rendered.sms.startswith("Queen of San Diego: your charter is confirmed for Sat Dec 5, 10:00 AM-3:00 PM PST")
    assert rendered.sms.endswith(page)
    assert len(rendered.sms) <= SMS_MAX and "<" not in rendered.sms and "&amp;" not in rendered.sms


def test_html_escapes_what_staff_and_guests_typed(branded):
    booking = BookingFactory(tenant=branded, guest_name='<b>Jo</b> "Guest"')
    booking.guest_notes = "<script>alert(1)</script>"
    booking.save(update_fields=["guest_notes"])
    branded.email_signature = "<img src=x onerror=alert(1)>"
    branded.save()

    html = message_render(_message(booking, Kind.CONFIRMATION)).html

    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>Jo</b>" not in html


def test_brand_without_logo_shows_its_name_and_a_light_colour_gets_dark_text(tenant):
    tenant.brand_colour = "#ffd700"
    tenant.save()
    booking = BookingFactory(tenant=tenant)

    html = message_render(_message(booking, Kind.CONFIRMATION)).html

    assert "<img" not in html
    assert "background:#ffd700;color:#102a43" in html
    assert ">Queen of San Diego</span>" in html


def test_reminder_brings_what_to_bring_and_the_weather_briefing(branded):
    booking = BookingFactory(tenant=branded)
    CrewEvent.objects.filter(booking=booking).update(weather_briefing="Wind 10 knots from the west, calm bay.")
    booking.refresh_from_db()
    hours, moment = reminder_moments(booking)[0]
    assert hours == 48

    rendered = message_render(_message(booking, Kind.REMINDER, scheduled_for=moment))

    assert rendered.subject == "Reminder: your charter with Queen of San Diego on Saturday, December 5 at 10:00 AM"
    assert "See you in 2 days" in rendered.text and "See you in 2 days" in rendered.html
    assert "Sunscreen, a light jacket & soft-soled shoes" in rendered.text
    assert "Sunscreen, a light jacket &amp; soft-soled shoes" in rendered.html
    assert "Wind 10 knots from the west, calm bay." in rendered.text
    assert "Harbor Island West Marina, dock C" in rendered.text
    assert rendered.sms.startswith("Queen of San Diego reminder: your charter is Sat Dec 5, 10:00 AM-3:00 PM PST")


def test_reminder_lead_is_on_the_wall_clock_across_daylight_saving(tenant):
    # Clocks go forward on March 8, 2026: the 48-hour reminder is 47 real hours before.
    start = local(tenant, 2026, 3, 9, 10, 0)
    booking = BookingFactory(tenant=tenant, start=start, end=start + timedelta(hours=4))
    (h48, first), (h2, second) = reminder_moments(booking)

    assert "See you in 2 days" in message_render(_message(booking, Kind.REMINDER, scheduled_for=first)).text
    assert "See you in 2 hours" in message_render(_message(booking, Kind.REMINDER, scheduled_for=second)).text
    assert "Monday, March 9, 10:00 AM–2:00 PM PDT" in message_render(_message(booking, Kind.REMINDER)).text


def test_change_cancellation_and_weather_owed_say_what_happened(branded):
    booking = BookingFactory(tenant=branded)

    change = message_render(_message(booking, Kind.CHANGE))
    assert change.subject.startswith("Your charter with Queen of San Diego changed: now Saturday, December 5")
    assert "Your charter changed" in change.html and "10:00 AM–3:00 PM PST" in change.text
    assert change.sms.startswith("Queen of San Diego: your charter changed. Now Sat Dec 5")

    cancelled = message_render(_message(booking, Kind.CANCELLATION))
    assert "is cancelled" in cancelled.subject and "Your charter is cancelled" in cancelled.text
    assert "Open your guest page" not in cancelled.html
    assert "is cancelled" in cancelled.sms

    owed = message_render(_message(booking, Kind.WEATHER_OWED))
    assert "Pick any Saturday in January on our calendar." in owed.text
    assert "Pick any Saturday in January on our calendar." in owed.html
    assert owed.sms.endswith("You are owed a new date. Pick any Saturday in January on our calendar.")


def test_thank_you_links_the_uploads_until_the_window_closes_and_is_never_texted(branded):
    booking = BookingFactory(tenant=branded)  # ends Dec 5 15:00; uploads open 24 hours more

    rendered = message_render(_message(booking, Kind.THANK_YOU))

    assert "Sunday, December 6 at 3:00 PM PST" in rendered.text
    assert "Uploads are open until Sunday, December 6 at 3:00 PM PST." in rendered.html
    assert booking.guest_page.public_url in rendered.text
    assert rendered.sms == ""
    assert message_render(_message(booking, Kind.PHOTOS)).sms == ""
    assert "attached to this email as a zip" in message_render(_message(booking, Kind.PHOTOS)).text


def test_a_long_meeting_point_is_shortened_in_the_text_so_the_link_survives(tenant):
    tenant.name = "The Very Long Named Sailing Company of San Diego Bay"
    tenant.save()
    booking = BookingFactory(tenant=tenant, meeting_point="Shelter Island Marina, " + "far end of the guest dock " * 8)

    for kind in (Kind.CONFIRMATION, Kind.REMINDER, Kind.CHANGE):
        sms = message_render(_message(booking, kind, Channel.SMS)).sms
        assert len(sms) <= SMS_MAX
        assert "Meet at Shelter Island Marina, far end" in sms and "..." in sms
        assert sms.endswith(booking.guest_page.public_url)


def test_preview_renders_an_unsaved_message_and_the_first_reminder(branded):
    booking = BookingFactory(tenant=branded)

    preview = message_preview(booking=booking, kind=Kind.REMINDER)

    assert "See you in 2 days" in preview.text
    assert not Message.objects.filter(booking=booking).exists()
    with pytest.raises(ValueError):
        message_preview(booking=booking, kind=Kind.CREW_INVITATION)


def test_no_money_pay_or_staff_notes_in_any_guest_message(branded):
    """The sentinel test: every forbidden field holds a sentinel; no kind on no channel shows one."""
    booking = BookingFactory(
        tenant=branded,
        gross_amount=Decimal("98765.43"),
        platform_fee=Decimal("1234.56"),
        port_tax_rate=Decimal("17.89"),
        internal_notes="SENTINEL-INTERNAL staff only",
        crew_notes="SENTINEL-CREWNOTES crew only",
    )
    CrewEvent.objects.filter(booking=booking).update(
        gate_code="SENTINEL-GATE-4242", logistics="SENTINEL-LOGISTICS", weather_briefing="Calm seas."
    )
    captain = CrewMemberFactory(name="Sentinel Paidperson", tenants=[branded])
    assign(booking, captain, "captain", "77.77", "6.25")
    booking.refresh_from_db()
    assert booking.crew_event.gate_code == "SENTINEL-GATE-4242"  # the sentinels are really on the booking
    breakdown = finance.booking_breakdown(booking)
    amounts = {str(v) for v in vars(breakdown).values() if isinstance(v, Decimal) and v != 0} | {
        "98765",
        "98,765",
        "1234.56",
        "1,234",
        "17.89",
        "77.77",
        "6.25",
        "486.06",
    }
    sentinels = {"SENTINEL", "Sentinel Paidperson", *amounts}

    outputs = []
    for kind in GUEST_KINDS:
        moment = reminder_moments(booking)[0][1] if kind == Kind.REMINDER else None
        for channel in (Channel.EMAIL, Channel.SMS):
            rendered = message_render(_message(booking, kind, channel, scheduled_for=moment))
            outputs.append((kind, channel, rendered))
        outputs.append((kind, "preview", message_preview(booking=booking, kind=kind)))

    assert len(outputs) == 3 * len(GUEST_KINDS)
    for kind, channel, rendered in outputs:
        assert rendered.subject and rendered.text and rendered.html
        assert bool(rendered.sms) == (kind in TEXTED_KINDS)
        for part in (rendered.subject, rendered.text, rendered.html, rendered.sms):
            for sentinel in sentinels:
                assert sentinel not in part, f"{sentinel!r} in the {kind} {channel} message"
