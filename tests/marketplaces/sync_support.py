"""Feeds shaped like the ones marketplaces, Google Calendar and Airbnb-style exporters serve, and the holds to expect.

Import into a test module: ``from tests.marketplaces.sync_support import ...``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from bookings.models import CalendarEntry, MarketplaceFeed
from tests.factories import BoatFactory

# Tuesday Dec 1, 2026, noon in San Diego.
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)

LA_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:America/Los_Angeles
X-LIC-LOCATION:America/Los_Angeles
BEGIN:DAYLIGHT
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
TZNAME:PDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
TZNAME:PST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE"""


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def vevent(uid: str, start: str, end: str | None = None, *lines: str) -> str:
    """``start``/``end`` are property tails: ``:20261206T170000Z``, ``;VALUE=DATE:20261224``, ``;TZID=...:...``."""
    body = [f"UID:{uid}", "DTSTAMP:20261120T120000Z", f"DTSTART{start}"]
    if end is not None:
        body.append(f"DTEND{end}")
    return "\n".join(["BEGIN:VEVENT", *body, *lines, "END:VEVENT"])


def calendar(*components: str, prodid: str = "-//Google Inc//Google Calendar 70.9054//EN") -> bytes:
    """A VCALENDAR with CRLF line ends, as RFC 5545 (and every exporter) writes it."""
    text = "\n".join(
        ["BEGIN:VCALENDAR", f"PRODID:{prodid}", "VERSION:2.0", "CALSCALE:GREGORIAN", *components, "END:VCALENDAR"]
    )
    return ("\r\n".join(text.split("\n")) + "\r\n").encode()


def simple_feed(n: int, *, skip: set[int] = frozenset()) -> bytes:
    """``n`` two-hour events on consecutive days from Dec 10, 17:00Z (``uid-<i>@bench``), minus ``skip``."""
    return calendar(
        *(
            vevent(f"uid-{i}@feed", f":202612{10 + i:02d}T170000Z", f":202612{10 + i:02d}T190000Z")
            for i in range(n)
            if i not in skip
        )
    )


def holds(feed: MarketplaceFeed, **filters) -> list[CalendarEntry]:
    return list(CalendarEntry.objects.filter(feed=feed, **filters).order_by("start", "external_uid"))


def hold_rows(feed: MarketplaceFeed) -> list[tuple]:
    """Every hold of the feed as (uid, recurrence id, start, end, status), by start."""
    return [(h.external_uid, h.recurrence_id, h.start, h.end, h.status) for h in holds(feed)]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def boat(tenant):
    return BoatFactory(tenant=tenant, name="Queen of San Diego")


@pytest.fixture
def serve(feed_server):
    """``serve(body, path=...)`` answers that path with the body (text/calendar) from now on; returns the URL."""

    def answer(body: bytes, path: str = "/ical/boat-17.ics", **kwargs) -> str:
        feed_server.clear_all_handlers()
        feed_server.expect_request(path).respond_with_data(body, content_type="text/calendar; charset=utf-8", **kwargs)
        return feed_server.url_for(path) + "?token=s3cr3t-marketplace-token"

    return answer


@pytest.fixture
def make_feed(boat):
    def make(url: str, source: str = "boatsetter", **extra) -> MarketplaceFeed:
        return MarketplaceFeed.objects.create(boat=extra.pop("boat", boat), source=source, url=url, **extra)

    return make
