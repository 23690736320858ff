"""Guest messages as the brand writes them: subject, plain text, HTML and a text message. (Owner: rendering.)

The templates never see the booking: they get only the strings built here (when, boat, meeting
point, guest page...). A template cannot print money, crew pay, staff or crew notes or the gate
code by mistake, because nothing here hands them over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote_plus

from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from bookings.models import Booking
from messaging.models import Channel, Message

Kind = Message.Kind

# What a text message may hold: two SMS segments of plain GSM characters.
SMS_MAX = 320
# Kinds that go by text message as well as email (to guests who gave a mobile number).
TEXTED_KINDS = (Kind.CONFIRMATION, Kind.REMINDER, Kind.CHANGE, Kind.CANCELLATION, Kind.WEATHER_OWED)
GUEST_KINDS = (*TEXTED_KINDS, Kind.THANK_YOU, Kind.PHOTOS)
MAP_SEARCH = "https://www.google.com/maps/search/?api=1&query="
DEFAULT_COLOUR = "#0b4f6c"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str  # "" for kinds never texted (thank-you, photos)


def message_render(message: Message) -> Rendered:
    """Subject, text, HTML and SMS of ``message`` for its booking as it is now, in the brand's zone."""
    if message.kind not in GUEST_KINDS:
        # The crew invitation's text is written by sms_messages.crew_invitation_text (its magic link is crew's).
        raise ValueError(f"No guest template for {message.kind!r} messages.")
    context = _guest_context(message)
    subject = _subject(message.kind, context)
    context["subject"] = subject
    # Plain str, not the template engine's "safe" strings: a page that shows one (the preview) escapes it.
    return Rendered(
        subject=_plain(subject),
        text=_plain(render_to_string(f"messaging/email/{message.kind}.txt", context).strip() + "\n"),
        html=_plain(render_to_string(f"messaging/email/{message.kind}.html", context)),
        sms=_plain(_sms(message.kind, context)) if message.kind in TEXTED_KINDS else "",
    )


def message_preview(*, booking: Booking, kind: str) -> Rendered:
    """What ``kind`` would say to this booking's guest now (an unsaved message; a reminder is the first one)."""
    if kind not in GUEST_KINDS:
        raise ValueError(f"No guest message of kind {kind!r}.")
    scheduled_for = None
    if kind == Kind.REMINDER:
        from messaging.services.rules import reminder_moments

        moments = reminder_moments(booking)
        scheduled_for = moments[0][1] if moments else None
    message = Message(
        booking=booking,
        kind=kind,
        channel=Channel.EMAIL,
        recipient=booking.guest_email,
        scheduled_for=scheduled_for,
        key=f"preview:{booking.pk}:{kind}",
    )
    return message_render(message)


# --- what a guest message may say ------------------------------------------------------------------


def _guest_context(message: Message) -> dict:
    booking = message.booking
    tenant = booking.tenant
    zone = tenant.zone
    start = timezone.localtime(booking.start, zone)
    end = timezone.localtime(booking.end, zone)
    meeting_point = booking.effective_meeting_point
    context = {
        "kind": message.kind,
        "brand": _brand(tenant),
        "guest_first_name": (booking.guest_name.split() or ["there"])[0],
        "date": dateformat.format(start, "l, F j"),
        "start_time": dateformat.format(start, "g:i A"),
        "when": _when(start, end),
        "when_short": _when(start, end, short=True),
        "boat": booking.boat.name,
        "meeting_point": meeting_point,
        "map_url": MAP_SEARCH + quote_plus(meeting_point) if meeting_point else "",
        "party_size": booking.party_size,
        "guest_page_url": _guest_page_url(booking),
        "guest_notes": booking.guest_notes.strip(),
    }
    if message.kind == Kind.REMINDER:
        context["what_to_bring"] = tenant.what_to_bring.strip()
        context["weather_briefing"] = _weather_briefing(booking)
        context["reminder_lead"] = _lead(start, message.scheduled_for, zone)
    if message.kind == Kind.WEATHER_OWED:
        context["rebooking_instructions"] = tenant.rebooking_instructions.strip()
    if message.kind == Kind.THANK_YOU:
        from guestpages.services import upload_window

        closes = upload_window(booking).closes
        context["uploads_close"] = dateformat.format(closes, "l, F j \\a\\t g:i A T")
    return context


def _brand(tenant) -> dict:
    colour = tenant.brand_colour if _COLOUR.match(tenant.brand_colour or "") else DEFAULT_COLOUR
    logo = tenant.logo_url if tenant.logo_url.startswith(("https://", "http://")) else ""
    return {
        "name": tenant.name,
        "logo_url": logo,
        "colour": colour,
        "on_colour": _text_colour_on(colour),
        "signature": tenant.email_signature.strip(),
    }


def _text_colour_on(colour: str) -> str:
    """White on a dark brand colour, near-black on a light one (a yellow band with white text is unreadable)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#102a43" if luminance > 0.6 else "#ffffff"


def _when(start: datetime, end: datetime, *, short: bool = False) -> str:
    """ "Saturday, December 5, 10:00 AM–3:00 PM PST" (short and plain ASCII for a text message)."""
    day = "D M j" if short else "l, F j"
    dash = "-" if short else "–"
    if start.date() == end.date():
        return f"{dateformat.format(start, day)}, {dateformat.format(start, 'g:i A')}{dash}{dateformat.format(end, 'g:i A T')}"
    return (
        f"{dateformat.format(start, day)}, {dateformat.format(start, 'g:i A')} {dash} "
        f"{dateformat.format(end, day)}, {dateformat.format(end, 'g:i A T')}"
    )


def _lead(start: datetime, moment: datetime | None, zone) -> str:
    """ "2 days" / "2 hours": how long before the start the reminder is, on the brand's wall clock."""
    if moment is None:
        return ""
    wall = start.replace(tzinfo=None) - timezone.localtime(moment, zone).replace(tzinfo=None)
    hours = round(wall.total_seconds() / 3600)
    if hours >= 24 and hours % 24 == 0:
        days = hours // 24
        return "1 day" if days == 1 else f"{days} days"
    return "1 hour" if hours == 1 else f"{hours} hours"


def _guest_page_url(booking: Booking) -> str:
    try:
        return booking.guest_page.public_url
    except ObjectDoesNotExist:
        return ""


def _weather_briefing(booking: Booking) -> str:
    try:
        return booking.crew_event.weather_briefing.strip()
    except ObjectDoesNotExist:
        return ""


def _subject(kind: str, c: dict) -> str:
    brand = c["brand"]["name"]
    subjects = {
        Kind.CONFIRMATION: f"Your charter with {brand} is confirmed: {c['date']}",
        Kind.REMINDER: f"Reminder: your charter with {brand} on {c['date']} at {c['start_time']}",
        Kind.CHANGE: f"Your charter with {brand} changed: now {c['date']} at {c['start_time']}",
        Kind.CANCELLATION: f"Your charter with {brand} on {c['date']} is cancelled",
        Kind.WEATHER_OWED: f"Weather: your charter with {brand} on {c['date']} is owed a new date",
        Kind.THANK_YOU: f"Thank you for sailing with {brand}: share your photos",
        Kind.PHOTOS: f"Your photos from {c['date']} with {brand}",
    }
    # A subject is one line, whatever a brand name holds.
    return " ".join(subjects[kind].split())


def _sms(kind: str, context: dict) -> str:
    """The text message: the template as is when it fits; else its longest free text (the meeting point,
    or how to rebook) shortened to fit, so the link at the end survives."""
    template = f"messaging/sms/{kind}.txt"
    text = _one_paragraph(render_to_string(template, context))
    flex = "rebooking_instructions" if kind == Kind.WEATHER_OWED else "meeting_point"
    if len(text) <= SMS_MAX or not context.get(flex):
        return _fit(text)
    value = _one_paragraph(context[flex])
    room = SMS_MAX - (len(text) - len(value)) - 3
    if room >= 12:
        text = _one_paragraph(render_to_string(template, {**context, flex: value[:room].rstrip() + "..."}))
    else:
        text = _one_paragraph(render_to_string(template, {**context, flex: ""}))
    return _fit(text)


def _plain(value: str) -> str:
    return str.__str__(value)


def _one_paragraph(text: str) -> str:
    return " ".join(text.split())


def _fit(text: str) -> str:
    # Last resort (a very long brand or boat name): cut rather than send three segments.
    return text if len(text) <= SMS_MAX else text[: SMS_MAX - 3].rstrip() + "..."
