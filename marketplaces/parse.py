"""Reading a marketplace's iCal feed into the events that become holds.

What is kept of an event: its UID, which occurrence it is (``recurrence_id``), its start and
end in UTC, whether it is cancelled, and a booking reference when one is plainly there. The
summary and description are never kept: marketplaces put guest names in them.

Times: a ``TZID`` time is read in its zone (the feed's VTIMEZONE, or the IANA / Windows name);
a ``Z`` time is UTC; a floating time (neither) and an all-day event are read in the boat's
brand zone, an all-day event as whole local days (local midnight to local midnight). A local
time that daylight saving skips or repeats takes its first reading (a sale is never refused).

Duplicate events in one feed (same UID and same RECURRENCE-ID twice): the highest SEQUENCE
wins; on a tie, the one that comes last in the feed.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

import icalendar
import recurring_ical_events
from django.core.exceptions import ValidationError

from charterops.timezones import make_aware_local
from marketplaces.export import uid_domain

# Holds are kept from now to about 18 months ahead; recurring events are expanded over it.
WINDOW = dt.timedelta(days=548)
# Floating and all-day times are compared with the window before their zone is known: a day of slack.
_SLACK = dt.timedelta(days=1)

_REFERENCE_PROPERTY = re.compile(r"^X-.*(RESERV|BOOKING|CONFIRM|ORDER)", re.IGNORECASE)
_REFERENCE_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,79}$")
_REFERENCE_IN_TEXT = re.compile(
    r"\b(?:reservation|booking|confirmation|order|ref(?:erence)?)\b\s*(?:#|no\.?|number|id|code|:)?\s*[:#]?\s*"
    r"([A-Za-z0-9][A-Za-z0-9-]{2,39})\b",
    re.IGNORECASE,
)


class FeedParseError(Exception):
    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    recurrence_id: str
    start: dt.datetime
    end: dt.datetime
    cancelled: bool
    reference: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.uid, self.recurrence_id)


def parse_feed(body: bytes, *, zone: zoneinfo.ZoneInfo, now: dt.datetime) -> list[FeedEvent]:
    """Every event occurrence of the feed that ends after a day before ``now`` and starts within
    :data:`WINDOW`, in feed order; one per (UID, recurrence id)."""
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper()
    if not head.startswith(b"BEGIN:VCALENDAR"):
        looks = "an HTML page" if head.startswith(b"<") else "something else"
        raise FeedParseError(
            "not a calendar", f"The feed did not return a calendar (VCALENDAR); it looks like {looks}."
        )
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except ValueError as exc:
        raise FeedParseError(
            "unreadable calendar", "The feed's calendar could not be read (broken iCalendar)."
        ) from exc
    if calendar.name != "VCALENDAR":
        raise FeedParseError("not a calendar", "The feed did not return a calendar (VCALENDAR).")
    _drop_duplicates(calendar)
    recurring = {
        str(event.get("UID", ""))
        for event in calendar.walk("VEVENT")
        if "RRULE" in event or "RDATE" in event or "RECURRENCE-ID" in event
    }
    since, until = now - _SLACK, now + WINDOW
    try:
        if recurring:
            occurrences = list(recurring_ical_events.of(calendar).between(since - _SLACK, until + _SLACK))
        else:
            # Most marketplace feeds repeat nothing: their events are read as they are (a third faster).
            occurrences = calendar.walk("VEVENT")
    except Exception as exc:  # noqa: BLE001 - any broken rule or date in the feed is a broken feed
        raise FeedParseError(
            "unreadable calendar", f"The feed's events could not be expanded ({type(exc).__name__})."
        ) from exc
    events: dict[tuple[str, str], FeedEvent] = {}
    ours = f"@{uid_domain()}"
    for occurrence in occurrences:
        event = _event(occurrence, zone=zone, recurring=recurring)
        if event is None or event.uid.endswith(ours):
            # A marketplace that re-exports what it imported from the boat's own feed hands our
            # bookings and blocks back: they already block the boat, so they are no holds.
            continue
        if event.end > since and event.start < until:
            events[event.key] = event
    return list(events.values())


def _event(component, *, zone, recurring: set[str]) -> FeedEvent | None:
    uid = str(component.get("UID", "")).strip()
    start_value = component.get("DTSTART")
    if start_value is None:
        return None
    start_raw = start_value.dt
    end_value = component.get("DTEND")
    try:
        # No DTEND: DURATION, else one day for a date and no time at all for a date-time (RFC 5545).
        end_raw = end_value.dt if end_value is not None else component.end
    except (ValueError, TypeError, KeyError):
        return None
    start, end = instant(start_raw, zone), instant(end_raw, zone)
    if end <= start:
        return None  # a moment, not a stretch of time: it blocks nothing
    if not uid:
        # RFC 5545 requires a UID; without one, the times are the only stable name.
        uid = f"no-uid-{start:%Y%m%dT%H%M%SZ}-{end:%Y%m%dT%H%M%SZ}"
    recurrence_id = ""
    if uid in recurring:
        rid = component.get("RECURRENCE-ID")
        original = rid.dt if rid is not None else start_raw
        recurrence_id = instant(original, zone).strftime("%Y-%m-%dT%H:%M:%SZ")
    return FeedEvent(
        uid=uid[:255],
        recurrence_id=recurrence_id,
        start=start,
        end=end,
        cancelled=str(component.get("STATUS", "")).upper() == "CANCELLED",
        reference=_reference(component),
    )


def instant(value: dt.date | dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """An iCal time as an aware UTC datetime: a date is its local midnight, a floating time local."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is None:
        try:
            value = make_aware_local(value, zone)
        except ValidationError:
            value = value.replace(tzinfo=zone, fold=0)
    return value.astimezone(dt.UTC)


def _reference(component) -> str:
    """The marketplace's booking reference: an X- property naming one, else a ``Reservation #123`` token
    in the summary. Only the token is kept, never the text around it."""
    for name in component:
        if _REFERENCE_PROPERTY.match(name):
            value = str(component[name]).strip()
            if _REFERENCE_TOKEN.match(value) and any(c.isdigit() for c in value):
                return value[:80]
    for match in _REFERENCE_IN_TEXT.finditer(str(component.get("SUMMARY", ""))):
        token = match.group(1)
        if any(c.isdigit() for c in token):
            return token[:80]
    return ""


def _drop_duplicates(calendar: icalendar.Calendar) -> None:
    """Keep one VEVENT per (UID, RECURRENCE-ID): the highest SEQUENCE, then the last in the feed."""
    winners: dict[tuple[str, str], tuple[int, int]] = {}
    positions = []
    for position, component in enumerate(calendar.subcomponents):
        if component.name != "VEVENT":
            continue
        rid = component.get("RECURRENCE-ID")
        key = (str(component.get("UID", "")), rid.to_ical().decode() if rid is not None else "")
        try:
            sequence = int(component.get("SEQUENCE", 0))
        except (TypeError, ValueError):
            sequence = 0
        positions.append((key, position))
        best = winners.get(key)
        if best is None or sequence >= best[0]:
            winners[key] = (sequence, position)
    losers = {position for key, position in positions if key[0] and winners[key][1] != position}
    if losers:
        calendar.subcomponents[:] = [c for i, c in enumerate(calendar.subcomponents) if i not in losers]
