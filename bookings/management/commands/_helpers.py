"""What the operations commands share: chunked iteration, a progress bar on a terminal, dates."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

T = TypeVar("T")
M = TypeVar("M", bound=Model)

CHUNK_SIZE = 500


def progress(items: Iterable[T], *, stdout, total: int | None = None, desc: str = "", unit: str = "row") -> Iterable[T]:
    """``items`` with a tqdm bar when the command's output is a terminal (not in logs or pipes)."""
    if not stdout.isatty():
        return items
    return tqdm(items, total=total, desc=desc, unit=unit, file=stdout._out, dynamic_ncols=True)


def in_chunks(qs: QuerySet[M], *, size: int = CHUNK_SIZE) -> Iterator[list[M]]:
    """Lists of at most ``size`` rows in primary-key order, each fetched by its own keyset query.

    Unlike ``.iterator()`` on SQLite this is safe while the loop writes, and
    memory stays constant however many rows match.
    """
    last = None
    while True:
        page = qs.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def each(qs: QuerySet[M], *, size: int = CHUNK_SIZE) -> Iterator[M]:
    for rows in in_chunks(qs, size=size):
        yield from rows


def date_or_datetime(value: str) -> dt.datetime:
    """argparse type: ``2026-06-01`` (midnight UTC) or an ISO-8601 time with offset."""
    parsed_date = parse_date(value) if len(value) == 10 else None
    if parsed_date is not None:
        return dt.datetime.combine(parsed_date, dt.time.min, tzinfo=dt.UTC)
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD) or an ISO time with offset")
    return parsed


def row_list(numbers: list[int], total: int) -> str:
    shown = ", ".join(str(n) for n in numbers)
    return shown + (f" and {total - len(numbers)} more" if total > len(numbers) else "")
