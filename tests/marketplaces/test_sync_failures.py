# ruff: noqa: F811 - pytest fixtures imported from sync_support are requested by name
"""A broken feed changes no hold: it is marked failing, and staff hear once per streak (and once when it recovers)."""

from __future__ import annotations

import io
import logging
import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from werkzeug import Response

from bookings.models import CalendarEntry
from marketplaces.services import marketplace_feed_sync
from outbox.models import Effect
from tests.factories import staff_user
from tests.marketplaces.sync_support import (  # noqa: F401 - fixtures
    NOW,
    boat,
    calendar,
    frozen,
    hold_rows,
    make_feed,
    serve,
    simple_feed,
)

pytestmark = pytest.mark.django_db

TOKEN = "s3cr3t-marketplace-token"


@pytest.fixture
def synced(frozen, serve, make_feed):
    """A feed with five upcoming holds, synced once; returns (feed, holds as they were)."""
    feed = make_feed(serve(simple_feed(5)))
    marketplace_feed_sync(feed_id=feed.pk)
    return feed, hold_rows(feed)


def assert_failing(feed, status: str, error_part: str, rows: list) -> None:
    feed.refresh_from_db()
    assert (feed.health, feed.last_status) == ("failing", status)
    assert error_part in feed.last_error
    assert TOKEN not in feed.last_error and "/ical/" not in feed.last_error
    assert feed.failing_since == NOW and feed.last_fetched_at == NOW
    assert hold_rows(feed) == rows  # every hold as it was


def test_a_500_changes_nothing_and_marks_the_feed_failing(synced, feed_server, caplog):
    feed, rows = synced
    feed_server.clear_all_handlers()
    feed_server.expect_request("/ical/boat-17.ics").respond_with_data("oops", status=500)

    with caplog.at_level(logging.DEBUG):
        result = marketplace_feed_sync(feed_id=feed.pk)

    assert (result.ok, result.status) == (False, "HTTP 500")
    assert_failing(feed, "HTTP 500", "The marketplace answered 500 INTERNAL SERVER ERROR.", rows)
    # Nor in any log line of ours or httpx's (the werkzeug lines are the marketplace's own server).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    assert TOKEN not in logged
    assert f"marketplace feed {feed.pk} (http://localhost/… #" in logged


def test_a_marketplace_that_never_answers_times_out(synced, feed_server, settings):
    feed, rows = synced
    settings.MARKETPLACE_FEED_TIMEOUT_SECONDS = 0.5
    released = threading.Event()

    def hang(request):
        released.wait(10)  # until the client gave up (the test releases it), never longer than 10 s
        return Response("too late", content_type="text/calendar")

    feed_server.clear_all_handlers()
    feed_server.expect_request("/ical/boat-17.ics").respond_with_handler(hang)
    started = time.monotonic()
    try:
        result = marketplace_feed_sync(feed_id=feed.pk)
    finally:
        released.set()

    assert time.monotonic() - started < 5
    assert result.status == "timeout"
    assert_failing(feed, "timeout", "did not answer within 0.5 seconds", rows)


def test_an_html_error_page_is_not_a_calendar(synced, serve):
    feed, rows = synced
    serve(b"<!DOCTYPE html><html><body><h1>We'll be right back</h1></body></html>")

    marketplace_feed_sync(feed_id=feed.pk)

    assert_failing(feed, "not a calendar", "it looks like an HTML page", rows)


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "streamed"])
def test_a_50_mb_body_is_abandoned_at_the_size_limit(synced, feed_server, settings, declare_length):
    feed, rows = synced
    sent = {"bytes": 0}
    total = 50 * 1024 * 1024

    def body():
        yield b"BEGIN:VCALENDAR\r\n"
        chunk = b"X-FILLER:" + b"x" * (64 * 1024 - 11) + b"\r\n"
        while sent["bytes"] < total:
            sent["bytes"] += len(chunk)
            yield chunk

    headers = {"Content-Length": str(total)} if declare_length else {}
    feed_server.clear_all_handlers()
    feed_server.expect_request("/ical/boat-17.ics").respond_with_response(
        Response(body(), content_type="text/calendar", headers=headers, direct_passthrough=True)
    )

    marketplace_feed_sync(feed_id=feed.pk)

    assert_failing(feed, "too large", f"larger than {settings.MARKETPLACE_FEED_MAX_BYTES:,} bytes", rows)
    assert sent["bytes"] < 20 * 1024 * 1024  # the client stopped reading long before 50 MB


def test_an_empty_calendar_cancels_the_holds_of_a_small_feed(frozen, serve, make_feed):
    feed = make_feed(serve(simple_feed(3)))
    marketplace_feed_sync(feed_id=feed.pk)

    serve(calendar())
    result = marketplace_feed_sync(feed_id=feed.pk)

    assert result.ok and result.counts == {"cancelled": 3}
    assert {h[4] for h in hold_rows(feed)} == {CalendarEntry.Status.CANCELLED}
    feed.refresh_from_db()
    assert (feed.health, feed.events_seen) == ("ok", 0)


def test_a_feed_that_suddenly_lacks_most_of_its_holds_is_taken_as_broken(synced, serve):
    feed, rows = synced
    serve(simple_feed(5, skip={0, 1, 2}))  # 3 of 5 gone

    result = marketplace_feed_sync(feed_id=feed.pk)

    assert result.status == "too many events gone"
    assert_failing(feed, "too many events gone", "no longer lists 3 of its 5 upcoming holds", rows)

    serve(calendar())  # and an empty calendar is the same drop
    marketplace_feed_sync(feed_id=feed.pk)
    assert hold_rows(feed) == rows


def test_half_of_the_holds_gone_is_still_normal(synced, serve):
    feed, rows = synced
    serve(simple_feed(5, skip={0, 1}))  # 2 of 5: not more than half

    assert marketplace_feed_sync(feed_id=feed.pk).counts == {"unchanged": 3, "cancelled": 2}


def test_staff_can_accept_a_large_drop_from_the_command(synced, serve):
    feed, rows = synced
    serve(simple_feed(5, skip={0, 1, 2}))
    marketplace_feed_sync(feed_id=feed.pk)

    call_command("sync_marketplace_feeds", "--feed", str(feed.pk), "--accept-drop", stdout=io.StringIO())

    assert [r[4] for r in hold_rows(feed)] == ["cancelled"] * 3 + ["active"] * 2
    feed.refresh_from_db()
    assert feed.health == "ok"


def test_command_exits_non_zero_when_a_feed_fails(synced, feed_server):
    from django.core.management.base import CommandError

    feed, rows = synced
    feed_server.clear_all_handlers()
    feed_server.expect_request("/ical/boat-17.ics").respond_with_data("down", status=503)
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 of 1 marketplace feeds failed"):
        call_command("sync_marketplace_feeds", stdout=out)

    assert "FAILING (HTTP 503)" in out.getvalue()
    assert TOKEN not in out.getvalue()


def feed_emails() -> list:
    return [m for m in mail.outbox if " feed of " in m.subject]


def test_staff_are_emailed_once_per_failure_streak_and_once_on_recovery(
    synced, feed_server, serve, tenant, frozen, run_effects
):
    feed, rows = synced
    staff_user(tenant, username="queen-office")
    feed_server.clear_all_handlers()
    feed_server.expect_request("/ical/boat-17.ics").respond_with_data("oops", status=500)

    run_effects(marketplace_feed_sync, feed_id=feed.pk)
    frozen.shift(900)
    run_effects(marketplace_feed_sync, feed_id=feed.pk)
    frozen.shift(900)
    run_effects(marketplace_feed_sync, feed_id=feed.pk)

    [failing] = feed_emails()
    assert failing.subject == "Boatsetter feed of Queen of San Diego is failing"
    assert failing.to == ["queen-office@example.com"]
    assert failing.from_email == f"{tenant.name} <{tenant.sender_email}>"
    assert "HTTP 500" in failing.body and "stay as they were" in failing.body
    assert TOKEN not in failing.body and "/ical/" not in failing.body
    feed.refresh_from_db()
    assert feed.failing_since == NOW  # the streak's start, not the last failure

    serve(simple_feed(5))
    run_effects(marketplace_feed_sync, feed_id=feed.pk)
    run_effects(marketplace_feed_sync, feed_id=feed.pk)

    assert [m.subject for m in feed_emails()] == [
        "Boatsetter feed of Queen of San Diego is failing",
        "Boatsetter feed of Queen of San Diego works again",
    ]
    feed.refresh_from_db()
    assert (feed.health, feed.failing_since, feed.failure_notified_at, feed.last_error) == ("ok", None, None, "")
    assert list(Effect.objects.filter(target_id=feed.pk).values_list("kind", "status").order_by("id")) == [
        ("notify_feed_failing", "sent"),
        ("notify_feed_recovered", "sent"),
    ]

    feed_server.clear_all_handlers()
    feed_server.expect_request("/ical/boat-17.ics").respond_with_data("oops", status=502)
    run_effects(marketplace_feed_sync, feed_id=feed.pk)
    assert len(feed_emails()) == 3  # a new streak is told again
    assert hold_rows(feed) == rows
