"""A boat's export iCal feed (``GET /feeds/boats/<token>.ics``) at 10 and at 10,000 future charters.

One brand, two boats: a quiet one with 10 charters ahead, a busy one with 10,000 charters
ahead (back-to-back, each with its own charter calendar entry, as booking_save writes them)
and 5,000 behind it, plus a few maintenance blocks and brand blackouts. Both feeds are asked
for the way a marketplace polls: anonymously, first plainly, then with the ETag it got
(``If-None-Match``: 304). Requests are interleaved (quiet, busy, quiet, ...) so drift hits both
alike. The exporter's two queries and its rendering are timed alone too.

Targets: the same number of queries at 10 and at 10,000; the time grows with the events
rendered (µs per event), not with round trips. Nothing is asserted by time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import secrets

from _common import django_setup_migrated, median, report, timed

BEHIND = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=10_000, help="charters ahead on the busy boat")
    parser.add_argument("--quiet", type=int, default=10, help="charters ahead on the quiet boat")
    parser.add_argument("--repeat", type=int, default=5, help="requests per boat and kind")
    args = parser.parse_args()
    # Production-like: debug off (no query log). The in-process client talks to "testserver" over http.
    django_setup_migrated(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        CHARTEROPS_BASE_URL="https://ops.example.com",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",
    )
    run(args)


def run(args) -> None:
    import logging
    import time

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from marketplaces.export import boat_busy_intervals, boat_calendar, boat_for_export_token

    logging.disable(logging.WARNING)
    setup_test_environment()
    t0 = time.perf_counter()
    quiet, busy = build(quiet=args.quiet, busy=args.busy)
    print(f"(built both boats in {time.perf_counter() - t0:.1f} s)")
    client = Client()

    out = {}
    for name, boat in (("quiet", quiet), ("busy", busy)):
        path = f"/feeds/boats/{boat.export_token}.ics"
        client.get(path)  # warm up
        with CaptureQueriesContext(connection) as q:
            response = client.get(path)
        assert response.status_code == 200, response.status_code
        etag = response["ETag"]
        with CaptureQueriesContext(connection) as q304:
            not_modified = client.get(path, headers={"If-None-Match": etag})
        assert not_modified.status_code == 304, not_modified.status_code
        out[name] = {
            "boat": boat,
            "path": path,
            "etag": etag,
            "queries": len(q),
            "queries_304": len(q304),
            "events": response.content.count(b"BEGIN:VEVENT"),
            "bytes": len(response.content),
            "get": [],
            "304": [],
            "select": [],
            "render": [],
            "plans": [_plan(sql) for sql in (x["sql"] for x in q.captured_queries[1:])],
        }

    def get(name, **headers):
        def call():
            response = client.get(out[name]["path"], headers=headers)
            assert response.status_code in (200, 304)

        return call

    def select(name):
        boat = boat_for_export_token(out[name]["boat"].export_token)
        return lambda: boat_busy_intervals(boat=boat, now=timezone.now())

    def render(name):
        boat = boat_for_export_token(out[name]["boat"].export_token)
        intervals = boat_busy_intervals(boat=boat, now=timezone.now())
        return lambda: boat_calendar(boat=boat, intervals=intervals)

    for _ in range(args.repeat):
        for name in ("quiet", "busy"):
            out[name]["get"] += timed(get(name), 1)
            out[name]["304"] += timed(get(name, **{"If-None-Match": out[name]["etag"]}), 1)
            out[name]["select"] += timed(select(name), 1)
            out[name]["render"] += timed(render(name), 1)

    q, b = out["quiet"], out["busy"]
    same = "equal" if q["queries"] == b["queries"] else "DIFFERENT"
    m = {k: (median(q[k]), median(b[k])) for k in ("get", "304", "select", "render")}
    per_event = (m["get"][1] - m["get"][0]) / max(b["events"] - q["events"], 1)
    ms = lambda pair: f"{pair[0] * 1e3:.1f} ms / {pair[1] * 1e3:.1f} ms"  # noqa: E731
    report(
        f"Boat export feed, {q['events']:,} vs {b['events']:,} events",
        [
            ("charters ahead, quiet / busy", f"{args.quiet:,} / {args.busy:,} (busy: {BEHIND:,} more behind)"),
            ("events in the feed (with blocks)", f"{q['events']:,} / {b['events']:,}"),
            ("feed size", f"{q['bytes'] / 1024:.1f} KiB / {b['bytes'] / 1024:.1f} KiB"),
            ("queries per request", f"{q['queries']} / {b['queries']} ({same})"),
            ("queries per 304", f"{q['queries_304']} / {b['queries_304']}"),
            ("requests per boat and kind (interleaved)", str(args.repeat)),
            ("GET median", ms(m["get"])),
            ("GET with If-None-Match (304) median", ms(m["304"])),
            ("the two queries alone median", ms(m["select"])),
            ("rendering alone median", ms(m["render"])),
            (f"ratio {b['events']:,} / {q['events']:,} (GET)", f"{m['get'][1] / m['get'][0]:.0f}x"),
            ("per event (GET, busy minus quiet)", f"{per_event * 1e6:.0f} µs"),
            *((f"plan, query {i + 1} (busy)", plan) for i, plan in enumerate(b["plans"])),
        ],
    )
    print(
        "\nREADME row:\n"
        "| Boat export feed (`bench/export_feed.py`) "
        f"| {q['events']:,} vs {b['events']:,} events on one boat "
        f"| {q['queries']} vs {b['queries']} queries ({same}) "
        f"| GET {m['get'][0] * 1e3:.0f} ms vs {m['get'][1] * 1e3:.0f} ms ({per_event * 1e6:.0f} µs per event); "
        f"304 {m['304'][0] * 1e3:.0f} ms vs {m['304'][1] * 1e3:.0f} ms |"
    )


def _plan(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        rows = cursor.fetchall()
    return " / ".join(re.sub(r"\s+", " ", str(row[-1])) for row in rows)


def build(*, quiet: int, busy: int):
    """Two boats of one brand; charters bulk-inserted with their calendar entries (no service runs)."""
    from django.db import transaction
    from django.utils import timezone

    from bookings.models import Booking, CalendarEntry, MarketplaceFeed, occupancy_end
    from tests.factories import BoatFactory, TenantFactory

    tenant = TenantFactory(name="Export brand", slug="export-brand")
    quiet_boat = BoatFactory(tenant=tenant, name="Quiet boat", turnaround_minutes=30)
    busy_boat = BoatFactory(tenant=tenant, name="Busy boat", turnaround_minutes=30)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    slot = dt.timedelta(hours=3)  # a 2-hour charter, the turnaround, a gap

    def charters(boat, starts):
        return [
            Booking(
                tenant=tenant,
                boat=boat,
                source="direct",
                guest_name=f"Guest {k}",
                party_size=4,
                start=s,
                end=s + dt.timedelta(hours=2),
                gross_amount=500,
                occupied_until=occupancy_end(s + dt.timedelta(hours=2), boat.turnaround_minutes),
            )
            for k, s in enumerate(starts)
        ]

    with transaction.atomic():
        rows = (
            charters(quiet_boat, [now + dt.timedelta(days=1) + slot * k for k in range(quiet)])
            + charters(busy_boat, [now + dt.timedelta(hours=1) + slot * k for k in range(busy)])
            + charters(busy_boat, [now - dt.timedelta(days=1) - slot * k for k in range(BEHIND)])
        )
        bookings = Booking.objects.bulk_create(rows, batch_size=2000)
        entries = [
            CalendarEntry(
                tenant=tenant,
                boat_id=b.boat_id,
                booking=b,
                title=f"Charter {b.guest_name}",
                start=b.start,
                end=b.end,
                kind=CalendarEntry.Kind.CHARTER,
            )
            for b in bookings
        ]
        # Between charters: a maintenance block per boat, brand blackouts, a hold on each boat.
        for boat in (quiet_boat, busy_boat):
            entries.append(
                CalendarEntry(
                    tenant=tenant,
                    boat=boat,
                    kind=CalendarEntry.Kind.MAINTENANCE,
                    title="Engine service",
                    start=now - dt.timedelta(days=2),
                    end=now - dt.timedelta(days=2) + dt.timedelta(hours=2),
                )
            )
            feed = MarketplaceFeed.objects.create(boat=boat, source="getmyboat", url="https://feeds.example.net/x.ics")
            entries.append(
                CalendarEntry(
                    tenant=tenant,
                    boat=boat,
                    feed=feed,
                    external_uid=f"gmb-{boat.pk}",
                    kind=CalendarEntry.Kind.MARKETPLACE,
                    title="Reserved",
                    start=now + slot * (busy + 10),
                    end=now + slot * (busy + 10) + dt.timedelta(hours=2),
                )
            )
        for day in (400, 800, 1200, 1600):
            entries.append(
                CalendarEntry(
                    tenant=tenant,
                    kind=CalendarEntry.Kind.BLACKOUT,
                    title="Harbor closed",
                    start=now + dt.timedelta(days=day),
                    end=now + dt.timedelta(days=day, hours=12),
                )
            )
        CalendarEntry.objects.bulk_create(entries, batch_size=2000)
    return quiet_boat, busy_boat


if __name__ == "__main__":
    main()
