"""The trip log of a charter (check-in): the rules it must follow and how staff read it.

The write is :func:`bookings.services.booking_trip_record`; this module holds no writes.
What happened on the day never changes the money by itself: staff compare scheduled and
actual times on the booking page and adjust paid hours on the crew rows if they want to.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import Booking

TRIP_FIELDS = ("guests_boarded", "no_show", "departed_at", "returned_at", "incident_note", "checked_in_names")
TRIP_TIME_FIELDS = ("departed_at", "returned_at")

# Actual times further than this from the scheduled charter are a wrong date, not a late boat.
SLACK_BEFORE_START = dt.timedelta(hours=12)
SLACK_AFTER_END = dt.timedelta(hours=12)
# A phone's clock and a typed minute may run a little ahead of the server's.
FUTURE_GRACE = dt.timedelta(minutes=15)
INCIDENT_NOTE_MAX = 4000
NAME_MAX = 200


def trip_log_window(booking: Booking) -> tuple[dt.datetime, dt.datetime]:
    """When the captain may record the trip log on the crew page.

    It opens with the crew details (``CREW_DETAILS_HOURS_BEFORE_START`` before the start) and
    closes when the captain's crew link stops working (``CREW_LINK_VALID_AFTER_END_HOURS`` after
    the end), so a captain can still correct the log on the evening after. Staff may edit it in
    the admin at any time.
    """
    return (
        booking.start - dt.timedelta(hours=settings.CREW_DETAILS_HOURS_BEFORE_START),
        booking.end + dt.timedelta(hours=settings.CREW_LINK_VALID_AFTER_END_HOURS),
    )


def trip_log_open(booking: Booking, *, now: dt.datetime) -> bool:
    opens, closes = trip_log_window(booking)
    return not booking.is_cancelled and opens <= now <= closes


def guests_limit(booking: Booking) -> int:
    """Guests the boat may legally carry on this charter: its capacity less the crew aboard."""
    return max(booking.boat.capacity - booking.assigned_crew_count(), 0)


def trip_values_clean(booking: Booking, changes: Mapping[str, Any], *, now: dt.datetime) -> dict[str, Any]:
    """The whole trip log once ``changes`` are applied to ``booking``, normalised and checked.

    Raises ``ValidationError({field: [messages]})`` when the log could not be true: more guests
    than the boat may carry, a no-show with guests aboard, a return before the departure (or
    without one), times far from the charter or still to come, names that are not names.
    More guests than the party size is allowed (a friend came along); the legal limit is not.
    """
    values = {name: changes.get(name, getattr(booking, name)) for name in TRIP_FIELDS}
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    boarded = values["guests_boarded"]
    if boarded is not None:
        if isinstance(boarded, bool) or not isinstance(boarded, int) or boarded < 0:
            refuse("guests_boarded", "Enter how many guests boarded: 0 or more.")
        elif "guests_boarded" in changes and boarded > (limit := guests_limit(booking)):
            refuse(
                "guests_boarded",
                f"{booking.boat.name} may carry at most {limit} guests with this crew "
                f"({booking.boat.capacity} people including crew).",
            )
    values["no_show"] = bool(values["no_show"])
    if values["no_show"] and isinstance(boarded, int) and boarded > 0:
        refuse("no_show", "A no-show means nobody boarded: set guests boarded to 0 or untick no-show.")

    zone = booking.tenant.zone
    # In UTC: Python compares and subtracts datetimes of one zone by their wall clocks, which the
    # night the clocks go back gets wrong.
    start, end = _utc(booking.start), _utc(booking.end)
    for name in TRIP_TIME_FIELDS:
        value = values[name]
        if value is None or name not in changes:
            continue  # what is already recorded is not re-judged when something else changes
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            refuse(name, "Give a date and time with its time zone.")
            continue
        values[name] = value = _utc(value)
        if value < start - SLACK_BEFORE_START or value > end + SLACK_AFTER_END:
            refuse(
                name,
                f"{_local(value, zone):%a %b %-d %H:%M %Z} is far from the charter "
                f"({_span(booking.start, booking.end, zone)}): check the date.",
            )
        elif value > now + FUTURE_GRACE:
            refuse(name, f"{_local(value, zone):%a %b %-d %H:%M %Z} has not happened yet.")
    departed, returned = values["departed_at"], values["returned_at"]
    if "returned_at" not in errors and "departed_at" not in errors:
        if returned is not None and departed is None:
            refuse("returned_at", "Record the departure first.")
        elif returned is not None and _utc(returned) <= _utc(departed):
            refuse("returned_at", "The boat must return after it departs.")

    note = values["incident_note"]
    values["incident_note"] = note = (note or "").strip()
    if len(note) > INCIDENT_NOTE_MAX:
        refuse("incident_note", f"Keep the note under {INCIDENT_NOTE_MAX} characters.")

    names = values["checked_in_names"]
    if names is None:
        names = []
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        refuse("checked_in_names", "Names checked in are a list of names.")
    else:
        names = [n.strip() for n in names]
        if any(not n or len(n) > NAME_MAX for n in names) or len(set(names)) != len(names):
            refuse("checked_in_names", f"Each name checked in is given once, 1 to {NAME_MAX} characters.")
        elif values["no_show"] and names:
            refuse("checked_in_names", "A no-show has nobody checked in.")
        elif isinstance(boarded, int) and len(names) > boarded:
            refuse("checked_in_names", f"{len(names)} names are checked in but {boarded} guests boarded.")
        values["checked_in_names"] = names
    if errors:
        raise ValidationError(errors)
    return values


# --- how staff read it -------------------------------------------------------------------------


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _local(value: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return timezone.localtime(value, zone)


def _span(start: dt.datetime, end: dt.datetime, zone: zoneinfo.ZoneInfo, *, day: dt.date | None = None) -> str:
    """``10:00–15:00 PST`` on ``day`` (the charter's local date), with dates when either end is on another."""
    a, b = _local(start, zone), _local(end, zone)
    day = day or a.date()
    if a.date() == b.date() == day:
        return f"{a:%H:%M}–{b:%H:%M} {b:%Z}"
    return f"{a:%a %b} {a.day} {a:%H:%M} – {b:%a %b} {b.day} {b:%H:%M} {b:%Z}"


def duration_label(delta: dt.timedelta) -> str:
    """``4 h 28 min``, ``5 h``, ``45 min`` (elapsed time, rounded down to the minute)."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def trip_summary(booking: Booking) -> list[str]:
    """Lines for the booking page: scheduled against actual times, who boarded, and nothing about money.

    ``Scheduled 10:00–15:00 PST · Actual 10:12–14:40 PST (4 h 28 min)``
    """
    zone = booking.tenant.zone
    day = _local(booking.start, zone).date()
    scheduled = _utc(booking.end) - _utc(booking.start)
    line = f"Scheduled {_span(booking.start, booking.end, zone)}"
    if booking.departed_at and booking.returned_at:
        actual = _utc(booking.returned_at) - _utc(booking.departed_at)
        line += f" · Actual {_span(booking.departed_at, booking.returned_at, zone, day=day)} ({duration_label(actual)})"
        lines = [line]
        difference = actual - scheduled
        if abs(difference) >= dt.timedelta(minutes=1):
            longer = "longer" if difference > dt.timedelta(0) else "shorter"
            lines.append(
                f"{duration_label(abs(difference))} {longer} than the {duration_label(scheduled)} scheduled. "
                "Paid hours on the crew rows are not changed automatically."
            )
    elif booking.departed_at:
        departed = _local(booking.departed_at, zone)
        when = (
            f"{departed:%H:%M %Z}" if departed.date() == day else f"{departed:%a %b} {departed.day} {departed:%H:%M %Z}"
        )
        lines = [f"{line} · Departed {when}, not back yet"]
    else:
        lines = [f"{line} · Actual times not recorded"]
    if booking.no_show:
        lines.append("No-show: the party did not come.")
    elif booking.guests_boarded is not None:
        lines.append(f"{booking.guests_boarded} guests boarded (party of {booking.party_size}).")
    if booking.checked_in_names:
        lines.append("Checked in: " + ", ".join(booking.checked_in_names))
    return lines
