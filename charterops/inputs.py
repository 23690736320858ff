"""Outside input every entry point reads the same way: times in the supported range, text the database can store.

One parser for times and one check for text, so the JSON API (bodies, query strings,
cursors) and the guest upload endpoint answer odd input with the same 400 and never
reach a write that would raise.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

# Wide enough for any charter, hold or history; narrow enough that arithmetic around a time (a day
# either side, a zone's offset, a turnaround) never leaves what Python and the databases can hold.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2201, 1, 1, tzinfo=dt.UTC)  # exclusive: the last moment of 2200 is the latest
TIME_RANGE_MESSAGE = "Enter a time between 1900-01-01T00:00:00Z and 2200-12-31T23:59:59Z."


def time_parse(value: str) -> dt.datetime:
    """An ISO-8601 date and time with a UTC offset, as an aware time in UTC within ``EARLIEST``..``LATEST``.

    Raises ``ValidationError`` (code ``invalid``, ``naive`` or ``out_of_range``) with a message a
    client can act on; never ``OverflowError`` for a time at the calendar's edge.
    """
    parsed = None
    # Python's ISO parser skips a NUL or a control character between date, time and offset: not a time we sent.
    if value.isprintable():
        try:
            parsed = parse_datetime(value)
        except ValueError:  # well formed but impossible: month 13, an offset of a day or more
            parsed = None
    if parsed is None:
        raise ValidationError("Must be an ISO-8601 date and time, e.g. 2026-07-04T10:00:00-07:00.", code="invalid")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValidationError("Give a UTC offset (e.g. -07:00 or Z): times without one are ambiguous.", code="naive")
    return time_in_range(parsed)


def time_in_range(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC, or ``ValidationError`` when it is outside the supported range.

    Converting first matters: ``0001-01-01T00:00:00+14:00`` has no UTC form at all, and PostgreSQL
    refuses offsets beyond about 16 hours, so only UTC times go further.
    """
    try:
        in_utc = value.astimezone(dt.UTC)
    except (OverflowError, ValueError) as exc:
        raise ValidationError(TIME_RANGE_MESSAGE, code="out_of_range") from exc
    if not EARLIEST <= in_utc < LATEST:
        raise ValidationError(TIME_RANGE_MESSAGE, code="out_of_range")
    return in_utc


def text_problem(value: str) -> str | None:
    """Why a database cannot store ``value``, or ``None``.

    A lone surrogate (JSON ``"\\ud800"``) has no UTF-8 form, so the write would raise
    UnicodeEncodeError; PostgreSQL refuses NUL in text (SQLite would truncate or keep it).
    """
    if "\x00" in value:
        return "Must not contain NUL characters (\\u0000)."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode text: it holds a lone surrogate (\\ud800-\\udfff)."
    return None


def text_errors(data: Any, path: str = "") -> dict[str, list[str]]:
    """Every string in parsed JSON (object keys too) that ``text_problem`` refuses, by field path.

    Paths read like the API's field errors: ``title``, ``assignments[0].role``. A refused key is
    named in escaped form so the answer itself stays plain text.
    """
    errors: dict[str, list[str]] = {}
    # A stack, not recursion: JSON nested as deep as the parser allows must not exhaust Python's stack here.
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                errors.setdefault(where or "non_field_errors", []).append(problem)
        elif isinstance(value, dict):
            for key, item in value.items():
                key_text = str(key)
                problem = text_problem(key_text)
                name = json.dumps(key_text)[1:-1] if problem else key_text
                field = f"{where}.{name}" if where else name
                if problem:
                    errors.setdefault(field, []).append(f"Field name: {problem}")
                else:
                    stack.append((item, field))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(value))
    return dict(sorted(errors.items()))
