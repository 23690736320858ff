"""Each boat's own iCal feed: when the boat is taken, for the marketplaces to block.

Staff paste one private URL per boat (``/feeds/boats/<export token>.ics``) into every
marketplace the boat is listed on. The same feed goes to all of them, so it lists every
interval the boat is not available from now on, whatever made it so:

* confirmed bookings of every source, from the start to ``occupied_until`` (the end plus
  the boat's turnaround: the marketplace must not sell the cleaning time either);
* maintenance and blackouts on this boat, and blackouts of its whole brand;
* active marketplace holds of any feed that no booking has claimed yet, also with the
  turnaround (a claimed hold is listed once, as its booking). Holds imported from the very
  marketplace that reads the feed are listed too: the feed cannot tell who reads it, and the
  boat is taken either way.

Nothing that ended is listed (no past window: marketplaces only need what they could still sell).

It says when, never who or why: every event is ``Reserved`` (bookings and holds),
``Maintenance`` or ``Blackout``, with no guest, party, money, notes, place or titles staff
typed. UIDs come from our primary keys (``booking-12@host``, ``entry-34@host``), never from
content or a marketplace's own UID, so an event keeps its UID when it moves and a
marketplace never mistakes our copy of its hold for its own event. DTSTAMP is when the row
last changed (the RFC 5545 meaning in a calendar without METHOD) and SEQUENCE grows with it,
so the body only changes when the boat's calendar does. Its strong ETag (:func:`feed_etag`) is a
hash of exactly what the body is rendered from, so a poll that sends it back is answered 304
after the two queries, without rendering (rendering costs far more than the queries:
bench/export_feed.py).

Two queries whatever the boat holds (bookings; blocks and holds).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import Q
from icalendar import Calendar, Event, vDDDTypes, vInt, vText

from bookings.models import Boat, Booking, CalendarEntry

RESERVED = "Reserved"
# What a block says in the feed: its kind, never the title staff typed.
BLOCK_SUMMARY = {CalendarEntry.Kind.MAINTENANCE: "Maintenance", CalendarEntry.Kind.BLACKOUT: "Blackout"}
# Marketplaces poll every 15 to 60 minutes; ask for the short end.
REFRESH = "PT15M"
# Part of every ETag: bump it whenever boat_calendar renders the same rows differently.
FEED_FORMAT = "boat-export-1"
# SEQUENCE is a signed 32-bit integer: seconds from a recent epoch (good until 2092), not from 1970.
_SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BusyInterval:
    """One event of the feed."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    sequence: int
    stamp: datetime


def boat_for_export_token(token: str) -> Boat | None:
    """The boat whose export URL holds ``token`` (one lookup on the unique index), with its brand."""
    return Boat.objects.select_related("tenant").filter(export_token=token).first()


def uid_domain() -> str:
    """The host our exported events' UIDs end with (``booking-12@<host>``)."""
    return urlsplit(settings.CHARTEROPS_BASE_URL).hostname or "charterops"


def _seconds(moment: datetime) -> int:
    return max(int((moment - _SEQUENCE_EPOCH).total_seconds()), 0)


def boat_busy_intervals(*, boat: Boat, now: datetime) -> list[BusyInterval]:
    """Everything that takes ``boat`` and ends after ``now``, in start order (two queries)."""
    domain = uid_domain()
    out: list[BusyInterval] = []
    bookings = (
        Booking.objects.filter(boat_id=boat.pk, status=Booking.Status.CONFIRMED, occupied_until__gt=now)
        .order_by()
        .values_list("pk", "start", "occupied_until", "updated_at")
    )
    for pk, start, until, updated in bookings:
        # Every save of a booking stamps updated_at, so a move always raises SEQUENCE.
        out.append(BusyInterval(f"booking-{pk}@{domain}", start, until, RESERVED, _seconds(updated), updated))

    Kind = CalendarEntry.Kind
    turnaround = boat.turnaround
    entries = (
        CalendarEntry.objects.filter(
            tenant_id=boat.tenant_id,
            status=CalendarEntry.Status.ACTIVE,
            booking__isnull=True,
            end__gt=now - turnaround,
        )
        .filter(
            Q(end__gt=now)
            & (
                Q(boat_id=boat.pk, kind__in=(Kind.MAINTENANCE, Kind.BLACKOUT))
                | Q(boat__isnull=True, kind=Kind.BLACKOUT)
            )
            | Q(boat_id=boat.pk, kind=Kind.MARKETPLACE, claimed_by__isnull=True)
        )
        # Ordered by end, SQLite walks entry_tenant_end from now on (the brand's future entries); unordered,
        # it picks the booking index for "booking IS NULL" and reads every block and hold ever made.
        .order_by("end", "pk")
        .values_list("pk", "kind", "start", "end", "updated_at", "sequence")
    )
    for pk, kind, start, end, updated, bumps in entries:
        if kind == Kind.MARKETPLACE:
            # A hold is a charter sold elsewhere: it takes the turnaround after it too (bookings/availability.py).
            end = end + turnaround
        # Staff edits stamp updated_at; the marketplace sync bumps ``sequence``: either raises it.
        summary = BLOCK_SUMMARY.get(kind, RESERVED)
        out.append(BusyInterval(f"entry-{pk}@{domain}", start, end, summary, _seconds(updated) + bumps, updated))
    out.sort(key=lambda i: (i.start, i.end, i.uid))
    return out


def _utc(moment: datetime) -> vDDDTypes:
    return vDDDTypes(moment.astimezone(UTC))


def boat_calendar(*, boat: Boat, intervals: list[BusyInterval]) -> bytes:
    """The feed's body: a VCALENDAR with one VEVENT per interval, times in UTC.

    ``boat.tenant`` should be loaded (``boat_for_export_token`` does it).
    """
    cal = Calendar()
    cal.add("prodid", "-//charterops//boat availability//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    name = f"{boat.name} ({boat.tenant.name})"
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", vText(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vText(REFRESH))
    for interval in intervals:
        # Typed values rather than Event.add, which guesses each type (same output, ~15% slower).
        event = Event()
        event["uid"] = vText(interval.uid)
        event["dtstamp"] = _utc(interval.stamp)
        event["dtstart"] = _utc(interval.start)
        event["dtend"] = _utc(interval.end)
        event["sequence"] = vInt(interval.sequence)
        event["summary"] = vText(interval.summary)
        event["transp"] = vText("OPAQUE")
        cal.add_component(event)
    return cal.to_ical()


def feed_etag(*, boat: Boat, intervals: list[BusyInterval]) -> str:
    """A strong ETag for the body :func:`boat_calendar` renders from the same arguments.

    The body is a pure function of the boat's and brand's names, the intervals and this code
    (``FEED_FORMAT``, the icalendar version), so hashing those identifies its bytes without
    rendering them.
    """
    digest = hashlib.sha256(f"{FEED_FORMAT}|{icalendar.__version__}|{boat.name}|{boat.tenant.name}".encode())
    for i in intervals:
        line = f"\n{i.uid}|{i.start.isoformat()}|{i.end.isoformat()}|{i.summary}|{i.sequence}|{i.stamp.isoformat()}"
        digest.update(line.encode())
    return f'"{digest.hexdigest()[:40]}"'
