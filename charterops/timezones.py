"""Turning wall-clock times typed in a tenant's zone into aware datetimes."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError


def make_aware_local(value: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Attach ``tz`` to a naive wall-clock time, refusing times DST makes ambiguous or impossible."""
    if value.tzinfo is not None:
        return value
    first = value.replace(tzinfo=tz, fold=0)
    second = value.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either the clocks went back (the time happens twice) or forward (it never happens).
        roundtrip = first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
        if roundtrip != value:
            raise ValidationError(
                f"{value:%Y-%m-%d %H:%M} does not exist in {tz.key}: the clocks skip it for daylight saving.",
                code="nonexistent",
            )
        raise ValidationError(
            f"{value:%Y-%m-%d %H:%M} happens twice in {tz.key} (the clocks go back): pick a time outside that hour.",
            code="ambiguous",
        )
    return first


def local_range(start: dt.datetime, end: dt.datetime, tz: zoneinfo.ZoneInfo) -> str:
    """``Sat Dec 5, 10:00–15:00 PST`` (or both dates when it runs past midnight), in ``tz``."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.date() == b.date():
        return f"{a:%a %b} {a.day}, {a:%H:%M}–{b:%H:%M} {b:%Z}"
    return f"{a:%a %b} {a.day} {a:%H:%M} – {b:%a %b} {b.day} {b:%H:%M} {b:%Z}"
