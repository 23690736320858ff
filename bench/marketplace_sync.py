"""Marketplace feed import: 50 feeds of 500 events each, served by a local HTTP server.

1. First sync of every feed (fetch, parse, 25,000 holds written with their history).
2. Second sync, nothing changed, no ETag (each feed fetched, parsed and compared in full).
   Target: zero writes to holds; the only write is each feed's ``last_fetched_at``.
3. Third sync with ETag / If-None-Match: the server answers 304 and nothing is parsed.
4. One event moved in each feed: 50 holds moved.

Times are medians over nothing: each pass runs once over all 50 feeds (the sync of one feed is
what beat runs every 15 minutes). Queries counted with Django's capture; "writes" are INSERT,
UPDATE and DELETE statements. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from _common import django_setup_migrated, free_port, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--events", type=int, default=500, help="events per feed")
    args = parser.parse_args()
    django_setup_migrated(MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS="true")
    run(args)


class Feeds:
    """The bodies the server answers with, by path; ``etag`` switches conditional answers on."""

    def __init__(self):
        self.bodies: dict[str, bytes] = {}
        self.etag = False
        self.requests = 0


def ics(feed_no: int, events: int, start: dt.datetime, moved: bool = False) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//marketplace//EN"]
    for i in range(events):
        begin = start + dt.timedelta(hours=20 * i)
        if moved and i == 0:
            begin += dt.timedelta(hours=1)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{feed_no}-{i}@bench.example",
            "DTSTAMP:20261101T000000Z",
            f"DTSTART:{begin:%Y%m%dT%H%M%SZ}",
            f"DTEND:{begin + dt.timedelta(hours=4):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:Reservation #BS-{feed_no:03d}{i:04d}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def serve(feeds: Feeds) -> int:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            feeds.requests += 1
            body = feeds.bodies[self.path]
            tag = f'"{hash(body)}"'
            if feeds.etag and self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(body)))
            if feeds.etag:
                self.send_header("ETag", tag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return port


def run(args) -> None:
    import logging

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bookings.models import CalendarEntry, MarketplaceFeed
    from marketplaces.services import marketplace_feed_sync
    from tests.factories import BoatFactory, TenantFactory

    logging.disable(logging.WARNING)
    feeds = Feeds()
    port = serve(feeds)
    tenant = TenantFactory(name="Feed brand", slug="feed-brand")
    start = (timezone.now() + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    ids = []
    for n in range(args.feeds):
        path = f"/ical/{n}.ics?token=bench-secret-{n}"
        feeds.bodies[path] = ics(n, args.events, start)
        boat = BoatFactory(tenant=tenant, name=f"Bench boat {n}")
        ids.append(
            MarketplaceFeed.objects.create(boat=boat, source="boatsetter", url=f"http://127.0.0.1:{port}{path}").pk
        )

    def sync_all() -> dict:
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            results = [marketplace_feed_sync(feed_id=i) for i in ids]
            seconds = time.perf_counter() - t0
        sql = [q["sql"] for q in queries.captured_queries]
        writes = [s for s in sql if s.split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE")]
        return {
            "seconds": seconds,
            "queries": len(sql),
            "writes": len(writes),
            "hold_writes": sum(1 for s in writes if "calendarentry" in s.split("(")[0].split(" SET")[0]),
            "failed": sum(not r.ok for r in results),
        }

    first = sync_all()
    holds = CalendarEntry.objects.filter(kind=CalendarEntry.Kind.MARKETPLACE, status="active").count()
    history = CalendarEntry.history.count()
    second = sync_all()
    history_after = CalendarEntry.history.count()
    feeds.etag = True
    sync_all()  # the server hands out ETags; this pass stores them
    third = sync_all()
    feeds.etag = False
    for n, path in enumerate(sorted(feeds.bodies, key=lambda p: int(p.split("/")[2].split(".")[0]))):
        feeds.bodies[path] = ics(n, args.events, start, moved=True)
    fourth = sync_all()

    def row(r: dict) -> str:
        return (
            f"{r['seconds']:.2f} s ({r['seconds'] / len(ids) * 1e3:.0f} ms a feed), {r['queries']:,} queries, "
            f"{r['writes']:,} writes ({r['hold_writes']:,} to holds), {r['failed']} failed"
        )

    report(
        f"Marketplace sync: {len(ids)} feeds x {args.events} events from a local server",
        [
            ("holds after the first sync", f"{holds:,} (history rows {history:,})"),
            ("1. first sync", row(first)),
            ("2. unchanged, full fetch and compare", row(second)),
            ("   history rows added", f"{history_after - history}"),
            ("   ratio second / first (time)", f"{second['seconds'] / first['seconds']:.2f}"),
            ("   queries a feed (second)", f"{second['queries'] / len(ids):.1f}"),
            ("3. unchanged, 304 Not Modified", row(third)),
            ("   ratio 304 / first (time)", f"{third['seconds'] / first['seconds']:.3f}"),
            ("4. one event moved in each feed", row(fourth)),
        ],
    )
    print(
        "\nREADME row:\n"
        f"| marketplace feed import (`bench/marketplace_sync.py`): {len(ids)} feeds x {args.events} events, local server "
        f"| the first sync ({first['seconds']:.1f} s, {first['queries']:,} queries, {holds:,} holds written) "
        f"| unchanged second sync: **{second['hold_writes']} writes to holds** (and {second['writes']} `last_fetched_at` "
        f"UPDATEs, one a feed), {second['queries'] / len(ids):.0f} queries a feed, "
        f"ratio **{second['seconds'] / first['seconds']:.2f}** ({second['seconds']:.1f} s); with ETag (304): "
        f"**{third['seconds'] / first['seconds']:.3f}** | 0 writes to holds when unchanged |"
    )


if __name__ == "__main__":
    main()
