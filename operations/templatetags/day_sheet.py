"""Times on the day sheet, in the zone the view switched on (``timezone.override``)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import dateformat, timezone

register = template.Library()


def _clock(value: dt.datetime) -> str:
    return dateformat.format(value, "g:i A")


@register.simple_tag
def time_range(start: dt.datetime, end: dt.datetime, day: dt.date | None = None) -> str:
    """``10:00 AM – 3:00 PM PST``; a date is added to a side that is not on ``day``
    (``Dec 4 6:00 PM – Dec 6 8:00 AM PST``), and both zone names when daylight saving
    changes in between."""
    a, b = timezone.localtime(start), timezone.localtime(end)
    left = _clock(a)
    if day is not None and a.date() != day:
        left = f"{a:%b} {a.day} {left}"
    right = _clock(b)
    if b.date() != (day if day is not None else a.date()):
        right = f"{b:%b} {b.day} {right}"
    if a.tzname() != b.tzname():
        left = f"{left} {a.tzname()}"
    return f"{left} – {right} {b.tzname()}"


@register.filter
def clock(value: dt.datetime | None, day: dt.date | None = None) -> str:
    """``9:02 AM PST`` in the current zone (``Dec 4 9:02 PM PST`` when not on ``day``); empty for no time."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    text = f"{_clock(local)} {local.tzname()}"
    return f"{local:%b} {local.day} {text}" if day is not None and local.date() != day else text
