"""The private iCal feed of one crew member, built with ``icalendar``.

Calendar apps poll the feed and match events by UID: a UID stays the same for a
crew member on a crew event (even if staff remove and re-add them), SEQUENCE and
LAST-MODIFIED grow with every change so moved charters move in the calendar, and
cancelled charters (or declined places) stay in the feed as STATUS:CANCELLED.
The feed carries no money, no staff notes, no gate code and no guest phone.

Names and notes come from staff, marketplaces and imports, so any of them may hold a line
break or another control character. Every text value goes through ``_line`` (one-line
properties: summary, location, the calendar's name, names inside the description) or
``_text`` (the description) and is added as icalendar TEXT, which escapes what remains: a
name can never split a content line and take the feed down.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vText

from crew.models import Assignment, CrewMember

# SEQUENCE is a signed 32-bit integer: count seconds from a recent epoch, not from 1970.
_SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


# RFC 5545 CONTROL characters; HTAB and line breaks are handled on their own below.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _line(value: str) -> str:
    """``value`` on one line: line breaks, tabs and control characters become single spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def _text(value: str) -> str:
    """``value`` with its line breaks as ``\\n`` (icalendar escapes them) and no other control characters."""
    for newline in ("\r\n", "\r", "\u2028", "\u2029", "\x85"):
        value = value.replace(newline, "\n")
    return _CONTROL.sub("", value).strip()


def _uid_domain() -> str:
    return urlsplit(settings.CHARTEROPS_BASE_URL).hostname or "charterops"


def event_uid(assignment: Assignment) -> str:
    return f"crew-event-{assignment.event_id}-member-{assignment.crew_member_id}@{_uid_domain()}"


def _last_modified(assignment: Assignment) -> datetime:
    booking = assignment.event.booking
    return max(booking.updated_at, assignment.event.updated_at, assignment.updated_at)


def _description(assignment: Assignment) -> str:
    booking = assignment.event.booking
    event = assignment.event
    lines = [
        _line(booking.tenant.name),
        f"Your role: {_line(assignment.role.name)}, {assignment.paid_hours} paid hours",
        f"Guest: {_line(booking.guest_name)}, party of {booking.party_size}",
    ]
    if assignment.status == Assignment.Status.DECLINED:
        lines.append("You declined this charter.")
    for title, text in (
        ("Crew notes", booking.crew_notes),
        ("Weather", event.weather_briefing),
        ("Logistics", event.logistics),
    ):
        if _text(text):
            lines.append(f"{title}: {_text(text)}")
    lines.append(
        "Details, checklist and gate code: "
        + settings.CHARTEROPS_BASE_URL
        + reverse("crew:event", kwargs={"event_id": assignment.event_id})
    )
    return "\n".join(lines)


def crew_calendar(*, member: CrewMember, assignments: Iterable[Assignment]) -> bytes:
    """The feed for ``member``: one VEVENT per assignment, times in each brand's zone."""
    cal = Calendar()
    cal.add("prodid", "-//charterops//crew calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # An X- property is not TEXT to icalendar unless it is given as such: vText escapes it.
    cal.add("x-wr-calname", vText(_line(f"Charters · {member.name}")))
    cal.add("x-published-ttl", "PT1H")
    now = timezone.now()
    for assignment in assignments:
        booking = assignment.event.booking
        zone = booking.tenant.zone
        modified = _last_modified(assignment)
        cancelled = booking.is_cancelled or assignment.status == Assignment.Status.DECLINED
        vevent = Event()
        vevent.add("uid", event_uid(assignment))
        vevent.add("dtstamp", now)
        vevent.add("dtstart", timezone.localtime(booking.start, zone))
        vevent.add("dtend", timezone.localtime(booking.end, zone))
        boat, role = _line(booking.boat.name), _line(assignment.role.name)
        vevent.add("summary", f"{'Cancelled: ' if cancelled else ''}{boat} · {role}")
        location = _line(booking.effective_meeting_point)
        if location:
            vevent.add("location", location)
        vevent.add("description", _description(assignment))
        vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        vevent.add("sequence", max(int((modified - _SEQUENCE_EPOCH).total_seconds()), 0))
        vevent.add("last-modified", modified.astimezone(UTC))
        vevent.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
        cal.add_component(vevent)
    # VTIMEZONE blocks for every TZID used above, so clients without the IANA database agree.
    cal.add_missing_timezones()
    return cal.to_ical()
