"""A boat's export feed under test: a frozen clock, a busy brand next to another, and the feed parsed back.

The fixtures are defined under a ``_fixture`` name and registered as ``frozen`` and ``scene``: import
``frozen_fixture`` and ``scene_fixture`` into a test module (``# noqa: F401``) and ask for ``frozen``, ``scene``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from bookings.models import Booking, CalendarEntry, MarketplaceFeed
from bookings.services import calendar_entry_save
from tests.factories import BoatFactory, BookingFactory, local

# Four days before the first charter (Sat 2026-12-05 10:00 in San Diego).
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


@pytest.fixture(name="frozen")
def frozen_fixture():
    """Time stands still at ``NOW``; ``frozen.shift(...)`` moves it."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def feed_path(boat) -> str:
    return reverse("marketplaces:boat_export", kwargs={"token": boat.export_token})


def fetch(boat, client: Client | None = None, **headers):
    return (client or Client()).get(feed_path(boat), headers=headers)


def events(boat) -> dict[str, dict]:
    """The boat's feed parsed back: {uid: {start, end, summary, sequence}}, times in UTC."""
    response = fetch(boat)
    assert response.status_code == 200
    return parse(response.content)


def parse(body: bytes) -> dict[str, dict]:
    out = {}
    for event in Calendar.from_ical(body).walk("VEVENT"):
        uid = str(event["uid"])
        assert uid not in out, f"UID {uid} twice"
        out[uid] = {
            "start": event.decoded("dtstart"),
            "end": event.decoded("dtend"),
            "summary": str(event["summary"]),
            "sequence": int(event["sequence"]),
        }
    return out


def booking_uid(booking) -> str:
    return f"booking-{booking.pk}@ops.example.com"


def entry_uid(entry) -> str:
    return f"entry-{entry.pk}@ops.example.com"


def block(tenant, boat, kind, start, end, title="Engine service", **extra) -> CalendarEntry:
    return calendar_entry_save(
        entry=CalendarEntry(tenant=tenant, boat=boat, kind=kind, title=title, start=start, end=end, **extra),
        service="tests",
    )


def hold(feed: MarketplaceFeed, start, end, *, uid: str, claimed_by=None, **extra) -> CalendarEntry:
    """A marketplace hold as the sync writes it (the sync itself is tested with the import)."""
    return CalendarEntry.objects.create(
        tenant=feed.boat.tenant,
        boat=feed.boat,
        kind=CalendarEntry.Kind.MARKETPLACE,
        feed=feed,
        external_uid=uid,
        title=extra.pop("title", "Reserved"),
        start=start,
        end=end,
        claimed_by=claimed_by,
        **extra,
    )


@dataclass
class Scene:
    """Sea Breeze (turnaround 30 min) of Queen of San Diego, what takes it, and what must not show."""

    boat: object
    sister: object  # another boat of the same brand
    foreign: object  # a boat of another brand
    listed: dict[str, tuple[datetime, datetime, str]]  # what Sea Breeze's feed must hold, exactly
    direct: Booking
    cancelled: Booking


@pytest.fixture(name="scene")
def scene_fixture(tenant, other_tenant, frozen) -> Scene:
    Kind = CalendarEntry.Kind
    boat = BoatFactory(tenant=tenant, name="Sea Breeze", turnaround_minutes=30)
    sister = BoatFactory(tenant=tenant, name="Lady Luck", turnaround_minutes=30)
    foreign = BoatFactory(tenant=other_tenant, name="Conch Republic", turnaround_minutes=30)
    t = lambda *a: local(tenant, 2026, 12, *a)  # noqa: E731 - San Diego wall clock in December

    direct = BookingFactory(
        tenant=tenant,
        boat=boat,
        source=Booking.Source.DIRECT,
        external_reference="",
        start=t(5, 10, 0),
        end=t(5, 15, 0),
    )
    boatsetter = BookingFactory(tenant=tenant, boat=boat, start=t(6, 9, 0), end=t(6, 12, 0))
    samboat = BookingFactory(
        tenant=tenant, boat=boat, source=Booking.Source.SAMBOAT, start=t(12, 9, 0), end=t(12, 12, 0)
    )
    # Began before now and its turnaround still runs: the boat is taken until 12:30.
    running = BookingFactory(tenant=tenant, boat=boat, start=t(1, 8, 0), end=t(1, 12, 0))
    # Not listed: ended (with the turnaround) before now, cancelled, weather-owed.
    BookingFactory(tenant=tenant, boat=boat, start=t(1, 6, 0), end=t(1, 7, 0))
    cancelled = BookingFactory(tenant=tenant, boat=boat, start=t(7, 9, 0), end=t(7, 12, 0))
    cancelled.status = Booking.Status.CANCELLED
    from bookings.services import booking_save

    booking_save(booking=cancelled)
    BookingFactory(tenant=tenant, boat=boat, start=t(8, 9, 0), end=t(8, 12, 0), status=Booking.Status.WEATHER_OWED)

    maintenance = block(tenant, boat, Kind.MAINTENANCE, t(9, 6, 0), t(9, 18, 0))
    own_blackout = block(tenant, boat, Kind.BLACKOUT, t(10, 0, 0), t(11, 0, 0), title="Owner's weekend")
    brand_blackout = block(tenant, None, Kind.BLACKOUT, t(24, 18, 0), t(26, 8, 0), title="Harbor closed")
    # Not listed: brand-wide maintenance blocks nothing, "other" entries block nothing, cancelled blocks,
    # blocks that ended, the sister boat's blocks and bookings, and everything of the other brand.
    block(tenant, None, Kind.MAINTENANCE, t(13, 6, 0), t(13, 8, 0))
    block(tenant, boat, Kind.OTHER, t(14, 6, 0), t(14, 8, 0), title="Photo shoot")
    block(tenant, boat, Kind.BLACKOUT, t(15, 6, 0), t(15, 8, 0), status=CalendarEntry.Status.CANCELLED)
    block(tenant, boat, Kind.MAINTENANCE, t(1, 3, 0), t(1, 5, 0))
    block(tenant, sister, Kind.MAINTENANCE, t(16, 6, 0), t(16, 8, 0))
    BookingFactory(tenant=tenant, boat=sister, start=t(5, 10, 0), end=t(5, 15, 0))
    o = lambda *a: local(other_tenant, 2026, 12, *a)  # noqa: E731
    BookingFactory(tenant=other_tenant, boat=foreign, start=o(5, 10, 0), end=o(5, 15, 0))
    block(other_tenant, None, Kind.BLACKOUT, o(20, 0, 0), o(21, 0, 0), title="Hurricane")
    block(other_tenant, foreign, Kind.MAINTENANCE, o(17, 0, 0), o(18, 0, 0))

    getmyboat = MarketplaceFeed.objects.create(
        boat=boat, source=Booking.Source.GETMYBOAT, url="https://feeds.example.net/gmb/sea-breeze.ics"
    )
    boatsetter_feed = MarketplaceFeed.objects.create(
        boat=boat, source=Booking.Source.BOATSETTER, url="https://feeds.example.net/bs/sea-breeze.ics"
    )
    unclaimed = hold(getmyboat, t(19, 9, 0), t(19, 13, 0), uid="gmb-777@getmyboat.example")
    # Claimed by the Boatsetter booking: that booking stands for it, listed once.
    hold(boatsetter_feed, t(6, 9, 0), t(6, 12, 0), uid="bs-555@boatsetter.example", claimed_by=boatsetter)
    # Not listed: a hold the marketplace cancelled, a hold of the sister boat.
    hold(getmyboat, t(20, 9, 0), t(20, 13, 0), uid="gmb-778@getmyboat.example", status=CalendarEntry.Status.CANCELLED)
    sister_feed = MarketplaceFeed.objects.create(
        boat=sister, source=Booking.Source.GETMYBOAT, url="https://feeds.example.net/gmb/lady-luck.ics"
    )
    hold(sister_feed, t(21, 9, 0), t(21, 13, 0), uid="gmb-900@getmyboat.example")

    turnaround = timedelta(minutes=30)
    listed = {
        booking_uid(direct): (t(5, 10, 0), t(5, 15, 30), "Reserved"),
        booking_uid(boatsetter): (t(6, 9, 0), t(6, 12, 30), "Reserved"),
        booking_uid(samboat): (t(12, 9, 0), t(12, 12, 30), "Reserved"),
        booking_uid(running): (t(1, 8, 0), t(1, 12, 30), "Reserved"),
        entry_uid(maintenance): (t(9, 6, 0), t(9, 18, 0), "Maintenance"),
        entry_uid(own_blackout): (t(10, 0, 0), t(11, 0, 0), "Blackout"),
        entry_uid(brand_blackout): (t(24, 18, 0), t(26, 8, 0), "Blackout"),
        entry_uid(unclaimed): (t(19, 9, 0), t(19, 13, 0) + turnaround, "Reserved"),
    }
    return Scene(boat=boat, sister=sister, foreign=foreign, listed=listed, direct=direct, cancelled=cancelled)


def as_utc(listed: dict[str, tuple[datetime, datetime, str]]) -> dict[str, tuple[datetime, datetime, str]]:
    return {uid: (s.astimezone(UTC), e.astimezone(UTC), summary) for uid, (s, e, summary) in listed.items()}
