# ruff: noqa: F811 - pytest fixtures imported from sync_support are requested by name
"""Importing marketplace feeds into holds: every shape of feed exporters serve, moves, cancellations, no-op syncs."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import CalendarEntry, MarketplaceFeed
from marketplaces.services import marketplace_feed_sync
from tests.factories import BookingFactory, local
from tests.marketplaces.sync_support import (  # noqa: F401 - fixtures
    LA_VTIMEZONE,
    boat,
    calendar,
    frozen,
    hold_rows,
    holds,
    make_feed,
    serve,
    simple_feed,
    utc,
    vevent,
)

pytestmark = pytest.mark.django_db

ACTIVE, CANCELLED = CalendarEntry.Status.ACTIVE, CalendarEntry.Status.CANCELLED
LA = ";TZID=America/Los_Angeles"

# Google Calendar-like: VTIMEZONE, TZID, UTC, floating and all-day times, a weekly series with an
# EXDATE and one occurrence moved, a cancelled event, a duplicated UID, a past event, folded lines.
GOOGLE_FEED = calendar(
    LA_VTIMEZONE,
    vevent(
        "tz@google",
        f"{LA}:20261205T100000",
        f"{LA}:20261205T130000",
        "SUMMARY:Reservation #BS-778899 – Jordan Guest and a long summary that an exporter folds over",
        "  two lines",
        "DESCRIPTION:Guest: Jordan Guest\\, +1 858 555 0199\\, jordan.guest@example.com\\, party of 6",
    ),
    vevent("utc@google", ":20261206T170000Z", ":20261206T200000Z", "X-BOATSETTER-BOOKING-ID:BS-1234"),
    vevent("floating@google", ":20261207T090000", ":20261207T120000", "SUMMARY:Sunset sail"),
    vevent("allday@google", ";VALUE=DATE:20261224", ";VALUE=DATE:20261226", "SUMMARY:Christmas charter"),
    vevent(
        "weekly@google",
        f"{LA}:20261203T090000",
        f"{LA}:20261203T110000",
        "RRULE:FREQ=WEEKLY;COUNT=6",
        f"EXDATE{LA}:20261217T090000",
    ),
    vevent("weekly@google", f"{LA}:20261226T140000", f"{LA}:20261226T160000", f"RECURRENCE-ID{LA}:20261224T090000"),
    vevent("cancelled@google", ":20261208T170000Z", ":20261208T190000Z", "STATUS:CANCELLED"),
    vevent("dup@google", ":20261209T170000Z", ":20261209T190000Z", "SEQUENCE:1"),
    vevent("dup@google", ":20261210T170000Z", ":20261210T190000Z", "SEQUENCE:1"),  # tie: the last one wins
    vevent("dup@google", ":20261211T170000Z", ":20261211T190000Z", "SEQUENCE:0"),  # lower: loses
    vevent("summer@google", f"{LA}:20270704T100000", f"{LA}:20270704T140000"),  # PDT: UTC-7
    vevent("past@google", ":20261120T170000Z", ":20261120T190000Z"),
)

GOOGLE_HOLDS = [
    ("weekly@google", "2026-12-03T17:00:00Z", utc(2026, 12, 3, 17), utc(2026, 12, 3, 19), ACTIVE),
    ("tz@google", "", utc(2026, 12, 5, 18), utc(2026, 12, 5, 21), ACTIVE),
    ("utc@google", "", utc(2026, 12, 6, 17), utc(2026, 12, 6, 20), ACTIVE),
    ("floating@google", "", utc(2026, 12, 7, 17), utc(2026, 12, 7, 20), ACTIVE),  # the brand's zone
    ("dup@google", "", utc(2026, 12, 10, 17), utc(2026, 12, 10, 19), ACTIVE),
    ("weekly@google", "2026-12-10T17:00:00Z", utc(2026, 12, 10, 17), utc(2026, 12, 10, 19), ACTIVE),
    ("allday@google", "", utc(2026, 12, 24, 8), utc(2026, 12, 26, 8), ACTIVE),  # local midnight to midnight
    ("weekly@google", "2026-12-24T17:00:00Z", utc(2026, 12, 26, 22), utc(2026, 12, 27, 0), ACTIVE),  # moved
    ("weekly@google", "2026-12-31T17:00:00Z", utc(2026, 12, 31, 17), utc(2026, 12, 31, 19), ACTIVE),
    ("weekly@google", "2027-01-07T17:00:00Z", utc(2027, 1, 7, 17), utc(2027, 1, 7, 19), ACTIVE),
    ("summer@google", "", utc(2027, 7, 4, 17), utc(2027, 7, 4, 21), ACTIVE),
]


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE")]


def test_a_google_style_feed_becomes_exactly_its_future_holds(frozen, serve, make_feed, boat, tenant):
    feed = make_feed(serve(GOOGLE_FEED))

    result = marketplace_feed_sync(feed_id=feed.pk)

    assert result.ok, result.summary()
    assert hold_rows(feed) == GOOGLE_HOLDS
    for hold in holds(feed):
        assert (hold.kind, hold.boat, hold.tenant, hold.title) == (
            CalendarEntry.Kind.MARKETPLACE,
            boat,
            tenant,
            "Boatsetter booking",
        )
        assert hold.created_by == "marketplace sync"
    # Only the booking reference is kept; the guest's name, phone and email never are.
    assert {h.external_uid: h.external_reference for h in holds(feed) if h.external_reference} == {
        "tz@google": "BS-778899",
        "utc@google": "BS-1234",
    }
    stored = " ".join(str(v) for row in CalendarEntry.objects.filter(feed=feed).values() for v in row.values())
    assert "Jordan" not in stored and "555" not in stored and "Sunset" not in stored
    feed.refresh_from_db()
    assert (feed.health, feed.last_status, feed.last_error, feed.events_seen) == ("ok", "200 OK", "", 11)
    assert feed.last_fetched_at == feed.last_changed_at


def test_an_airbnb_style_all_day_feed_blocks_whole_local_days_in_the_brands_zone(
    frozen, serve, make_feed, other_tenant
):
    from tests.factories import BoatFactory

    key_west = BoatFactory(tenant=other_tenant, name="Sunset Cat")
    body = calendar(
        vevent("a1@airbnb", ";VALUE=DATE:20261212", ";VALUE=DATE:20261215", "SUMMARY:Reserved"),
        vevent("a2@airbnb", ";VALUE=DATE:20270314", ";VALUE=DATE:20270315", "SUMMARY:Airbnb (Not available)"),
        vevent("a3@airbnb", ";VALUE=DATE:20270101"),  # no DTEND: one day
        prodid="-//Airbnb Inc//Hosting Calendar 1.0//EN",
    )
    feed = make_feed(serve(body), source="getmyboat", boat=key_west)

    assert marketplace_feed_sync(feed_id=feed.pk).ok

    assert hold_rows(feed) == [
        ("a1@airbnb", "", utc(2026, 12, 12, 5), utc(2026, 12, 15, 5), ACTIVE),  # New York midnights
        ("a3@airbnb", "", utc(2027, 1, 1, 5), utc(2027, 1, 2, 5), ACTIVE),
        ("a2@airbnb", "", utc(2027, 3, 14, 5), utc(2027, 3, 15, 4), ACTIVE),  # clocks go forward: 23 hours
    ]
    assert {h.title for h in holds(feed)} == {"GetMyBoat booking"}


def test_syncing_an_unchanged_feed_again_writes_nothing_but_the_fetch_time(frozen, serve, make_feed):
    feed = make_feed(serve(GOOGLE_FEED))
    marketplace_feed_sync(feed_id=feed.pk)
    before = [(h.pk, h.updated_at, h.sequence) for h in holds(feed)]
    history = CalendarEntry.history.count()
    frozen.shift(900)

    with CaptureQueriesContext(connection) as queries:
        result = marketplace_feed_sync(feed_id=feed.pk)

    assert result.ok and result.counts == {"unchanged": 11}
    [only_write] = writes(queries.captured_queries)
    assert only_write.startswith('UPDATE "bookings_marketplacefeed" SET "last_fetched_at"')
    assert [(h.pk, h.updated_at, h.sequence) for h in holds(feed)] == before
    assert CalendarEntry.history.count() == history
    assert len(queries.captured_queries) <= 8


def test_a_304_answer_to_the_conditional_request_writes_no_hold(frozen, feed_server, make_feed):
    path = "/ical/etag.ics"
    feed_server.expect_ordered_request(path).respond_with_data(
        GOOGLE_FEED,
        content_type="text/calendar",
        headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Dec 2026 19:00:00 GMT"},
    )
    feed_server.expect_ordered_request(
        path, headers={"If-None-Match": '"v1"', "If-Modified-Since": "Tue, 01 Dec 2026 19:00:00 GMT"}
    ).respond_with_data("", status=304)
    feed = make_feed(feed_server.url_for(path))
    marketplace_feed_sync(feed_id=feed.pk)
    feed.refresh_from_db()
    assert (feed.etag, feed.last_modified) == ('"v1"', "Tue, 01 Dec 2026 19:00:00 GMT")

    with CaptureQueriesContext(connection) as queries:
        result = marketplace_feed_sync(feed_id=feed.pk)

    feed_server.check_assertions()
    assert result.not_modified and result.summary().endswith("unchanged (304 Not Modified)")
    assert [w.split(" SET ")[0] for w in writes(queries.captured_queries)] == ['UPDATE "bookings_marketplacefeed"']
    assert hold_rows(feed) == GOOGLE_HOLDS
    feed.refresh_from_db()
    assert (feed.health, feed.last_status) == ("ok", "304 Not Modified")


def test_moved_gone_cancelled_and_returning_events_move_cancel_and_reactivate_their_holds(frozen, serve, make_feed):
    feed = make_feed(serve(simple_feed(3)))
    marketplace_feed_sync(feed_id=feed.pk)
    first = {h.external_uid: h for h in holds(feed)}

    # uid-0 moves an hour later, uid-1 leaves the feed, uid-2 is marked cancelled.
    serve(
        calendar(
            vevent("uid-0@feed", ":20261210T180000Z", ":20261210T200000Z"),
            vevent("uid-2@feed", ":20261212T170000Z", ":20261212T190000Z", "STATUS:CANCELLED"),
        )
    )
    result = marketplace_feed_sync(feed_id=feed.pk)

    assert result.counts == {"moved": 1, "cancelled": 2}
    assert hold_rows(feed) == [
        ("uid-0@feed", "", utc(2026, 12, 10, 18), utc(2026, 12, 10, 20), ACTIVE),
        ("uid-1@feed", "", utc(2026, 12, 11, 17), utc(2026, 12, 11, 19), CANCELLED),
        ("uid-2@feed", "", utc(2026, 12, 12, 17), utc(2026, 12, 12, 19), CANCELLED),
    ]
    assert {h.external_uid: h.sequence for h in holds(feed)} == {"uid-0@feed": 1, "uid-1@feed": 1, "uid-2@feed": 1}
    assert {h.external_uid: h.pk for h in holds(feed)} == {u: h.pk for u, h in first.items()}  # never deleted

    serve(simple_feed(3))
    result = marketplace_feed_sync(feed_id=feed.pk)

    assert result.counts == {"moved": 1, "reactivated": 2}
    assert hold_rows(feed) == [
        ("uid-0@feed", "", utc(2026, 12, 10, 17), utc(2026, 12, 10, 19), ACTIVE),
        ("uid-1@feed", "", utc(2026, 12, 11, 17), utc(2026, 12, 11, 19), ACTIVE),
        ("uid-2@feed", "", utc(2026, 12, 12, 17), utc(2026, 12, 12, 19), ACTIVE),
    ]
    assert {h.sequence for h in holds(feed)} == {2}


def test_a_past_event_leaving_the_feed_leaves_its_hold_alone(frozen, serve, make_feed):
    feed = make_feed(serve(simple_feed(3)))
    marketplace_feed_sync(feed_id=feed.pk)
    frozen.move_to(utc(2026, 12, 11, 12))  # uid-0 (Dec 10) is over

    serve(simple_feed(3, skip={0}))
    result = marketplace_feed_sync(feed_id=feed.pk)

    assert result.counts == {"unchanged": 2}
    assert [h.status for h in holds(feed)] == [ACTIVE, ACTIVE, ACTIVE]


def test_a_hold_on_a_booking_of_the_same_marketplace_is_claimed_by_it(frozen, serve, make_feed, boat, tenant):
    booking = BookingFactory(
        tenant=tenant,
        boat=boat,
        source="boatsetter",
        start=local(tenant, 2026, 12, 10, 9),
        end=local(tenant, 2026, 12, 10, 11),
    )
    other_marketplace = BookingFactory(
        tenant=tenant,
        boat=boat,
        source="getmyboat",
        start=local(tenant, 2026, 12, 11, 9),
        end=local(tenant, 2026, 12, 11, 11),
    )
    feed = make_feed(serve(simple_feed(2)))

    marketplace_feed_sync(feed_id=feed.pk)

    assert {h.external_uid: h.claimed_by for h in holds(feed)} == {"uid-0@feed": booking, "uid-1@feed": None}
    assert other_marketplace.claimed_holds.count() == 0


def test_command_syncs_every_active_feed_and_one_by_id(frozen, serve, make_feed, boat):
    from tests.factories import BoatFactory

    url = serve(simple_feed(2))
    first = make_feed(url)
    second = make_feed(url, boat=BoatFactory(tenant=boat.tenant, name="Second boat"))
    inactive = make_feed(url, source="samboat", active=False)

    out = io.StringIO()
    call_command("sync_marketplace_feeds", "--feed", str(second.pk), stdout=out)
    assert (len(holds(first)), len(holds(second))) == (0, 2)
    assert f"Boatsetter feed of Second boat ({boat.tenant.name}, #{second.pk}): 2 created" in out.getvalue()

    call_command("sync_marketplace_feeds", stdout=io.StringIO())
    assert (len(holds(first)), len(holds(second)), len(holds(inactive))) == (2, 2, 0)


def test_command_dry_run_prints_what_it_would_do_and_writes_nothing(frozen, serve, make_feed):
    feed = make_feed(serve(simple_feed(3)))
    out = io.StringIO()

    with CaptureQueriesContext(connection) as queries:
        call_command("sync_marketplace_feeds", "--dry-run", stdout=out)

    assert writes(queries.captured_queries) == []
    assert "[dry run] Boatsetter feed of Queen of San Diego" in out.getvalue()
    assert "would make 3 created" in out.getvalue()
    feed.refresh_from_db()
    assert (feed.health, feed.last_fetched_at, len(holds(feed))) == ("new", None, 0)


def test_command_refuses_an_unknown_or_inactive_feed_id_with_a_clear_message(frozen, serve, make_feed):
    from django.core.management.base import CommandError

    inactive = make_feed(serve(simple_feed(1)), active=False)
    with pytest.raises(CommandError, match="No marketplace feed with id 999999"):
        call_command("sync_marketplace_feeds", "--feed", "999999")
    with pytest.raises(CommandError, match=f"Marketplace feed {inactive.pk} is not active"):
        call_command("sync_marketplace_feeds", "--feed", str(inactive.pk))
    assert MarketplaceFeed.objects.get(pk=inactive.pk).last_fetched_at is None


def test_the_beat_task_syncs_each_active_feed(frozen, serve, make_feed):
    from marketplaces import tasks

    feed = make_feed(serve(simple_feed(2)))
    make_feed(serve(simple_feed(2)), source="samboat", active=False)

    assert tasks.sync_feeds.apply().get() == 1  # eager here: each feed's task runs in-process
    assert len(holds(feed)) == 2
    assert tasks.sync_feed.apply(args=[feed.pk]).get() == "ok"


def test_our_own_exported_events_handed_back_by_a_marketplace_are_not_holds(frozen, serve, make_feed, settings):
    settings.CHARTEROPS_BASE_URL = "https://ops.example.com"
    body = calendar(
        vevent("booking-12@ops.example.com", ":20261206T170000Z", ":20261206T200000Z", "SUMMARY:Reserved"),
        vevent("entry-34@ops.example.com", ":20261207T170000Z", ":20261207T200000Z", "SUMMARY:Maintenance"),
        vevent("theirs@boatsetter", ":20261208T170000Z", ":20261208T200000Z"),
    )
    feed = make_feed(serve(body))

    marketplace_feed_sync(feed_id=feed.pk)

    assert [h.external_uid for h in holds(feed)] == ["theirs@boatsetter"]
