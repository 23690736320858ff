"""The crew page and the crew calendar feed as a crew member's history grows.

One crew member holds 10 assignments: 3 charters ahead and 7 in the last 60 days (what the
crew page and the feed window show). Then 4,990 older charters are added (bulk-inserted, one a
day going back from 100 days ago: years of history), then removed again (A-B-A, so drift shows).
Each time, ``GET /crew/`` (a crew session opened by the magic link), ``GET /crew/earlier/`` (its
first and last page) and the feed (``GET /crew/calendar/<token>.ics``) are requested,
interleaved. Target: the same number of queries and bytes at 10 and 5,000 for the crew page and
the feed, and a time ratio near 1.0; the earlier pages grow only in their page count.

Nothing is asserted by time; the figures are ratios within this run.
"""

from __future__ import annotations

import argparse
import datetime as dt

from _common import django_setup_migrated, median, report, timed

HISTORY_GUEST = "History guest"  # marks the bulk-inserted rows, so they can be removed again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", type=int, default=5_000, help="assignments once grown")
    parser.add_argument("--repeat", type=int, default=40, help="requests per page and size")
    args = parser.parse_args()
    django_setup_migrated()
    run(args)


def run(args) -> None:
    import logging

    from django.test.utils import setup_test_environment

    logging.disable(logging.WARNING)
    setup_test_environment(debug=False)
    w = World.build()
    small = w.measure(args.repeat)
    w.grow(args.assignments)
    large = w.measure(args.repeat)
    w.shrink()
    again = w.measure(args.repeat)

    n_small, n_large = small["assignments"], large["assignments"]
    for name, label in (("home", "GET /crew/"), ("feed", "GET /crew/calendar/<token>.ics")):
        base = (small[name]["time"] + again[name]["time"]) / 2
        report(
            f"{label}, one crew member with {n_small:,} then {n_large:,} assignments",
            [
                ("assignments", f"{n_small:,} -> {n_large:,} -> {again['assignments']:,}"),
                ("listed", _three(small, large, again, name, "listed")),
                ("queries", _three(small, large, again, name, "queries")),
                ("bytes", _three(small, large, again, name, "bytes")),
                (
                    "median, small / grown / small again",
                    " / ".join(f"{m[name]['time'] * 1e3:.2f}" for m in (small, large, again)) + " ms",
                ),
                (f"ratio {n_large:,} / {n_small:,}", f"{large[name]['time'] / base:.2f}  (target near 1.0)"),
            ],
        )
    report(
        f"GET /crew/earlier/ (25 a page, newest first) with {n_small:,} then {n_large:,} assignments",
        [
            ("pages", f"{small['earlier_pages']} -> {large['earlier_pages']}"),
            ("queries, first page", _three(small, large, again, "earlier", "queries")),
            ("queries, last page", _three(small, large, again, "earlier_last", "queries")),
            (
                "median first page, small / grown",
                f"{small['earlier']['time'] * 1e3:.2f} / {large['earlier']['time'] * 1e3:.2f} ms",
            ),
            (
                "median last page, small / grown",
                f"{small['earlier_last']['time'] * 1e3:.2f} / {large['earlier_last']['time'] * 1e3:.2f} ms",
            ),
        ],
    )
    home, feed = (large[n]["time"] / ((small[n]["time"] + again[n]["time"]) / 2) for n in ("home", "feed"))
    print(
        f"\nREADME row: | crew page and calendar feed (`bench/crew_pages.py`) | the same crew member with "
        f"{n_small:,} assignments, same run | `/crew/`: **{large['home']['queries']} queries** at {n_small:,} and "
        f"{n_large:,} assignments, {large['home']['bytes'] / 1024:.1f} KB, ratio **{home:.2f}** "
        f"({small['home']['time'] * 1e3:.1f} vs {large['home']['time'] * 1e3:.1f} ms); feed: "
        f"**{large['feed']['queries']} queries**, {large['feed']['bytes'] / 1024:.1f} KB, ratio **{feed:.2f}** "
        f"({small['feed']['time'] * 1e3:.1f} vs {large['feed']['time'] * 1e3:.1f} ms); earlier charters "
        f"{large['earlier_pages']} pages of 25 | same query count; ratio near 1.0 |"
    )


class World:
    """One brand, one boat, one crew member whose history grows."""

    @classmethod
    def build(cls) -> World:
        from django.test import Client
        from django.utils import timezone

        from crew.links import link_token
        from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, TenantFactory, assign, role

        w = cls()
        w.now = timezone.now().replace(minute=0, second=0, microsecond=0)
        w.tenant = TenantFactory(name="Busy brand", slug="busy-brand")
        w.boat = BoatFactory(tenant=w.tenant, name="Long-serving boat")
        w.member = CrewMemberFactory(name="Long-serving deckhand", tenants=[w.tenant])
        w.role = role("deckhand")
        # 3 charters ahead, through the services (the crew page's cards, invitations, magic links).
        ahead = []
        for days in (2, 5, 9):
            booking = BookingFactory(
                tenant=w.tenant, boat=w.boat, start=w.now + dt.timedelta(days=days), guest_name="Ahead guest"
            )
            ahead.append(assign(booking, w.member, "deckhand", "25", "5"))
        # 7 in the last 60 days: on the feed and the earlier pages.
        w._insert([w.now - dt.timedelta(days=3 + 9 * k) for k in range(7)], guest="Recent guest")

        w.client = Client()
        path = f"/crew/link/{link_token(ahead[0])}/"
        w.client.get(path)
        response = w.client.post(path)
        assert response.status_code == 302, response.status_code
        w.feed_url = f"/crew/calendar/{w.member.calendar_token}.ics"
        return w

    def _insert(self, starts: list[dt.datetime], *, guest: str = HISTORY_GUEST) -> None:
        """5-hour charters with ``member`` aboard, bulk-inserted: no service runs."""
        from bookings.models import Booking, CalendarEntry, occupancy_end
        from crew.models import Assignment, CrewEvent

        bookings = Booking.objects.bulk_create(
            [
                Booking(
                    tenant=self.tenant,
                    boat=self.boat,
                    source="direct",
                    guest_name=guest,
                    party_size=4,
                    start=s,
                    end=s + dt.timedelta(hours=5),
                    occupied_until=occupancy_end(s + dt.timedelta(hours=5), self.boat.turnaround_minutes),
                    gross_amount=500,
                )
                for s in starts
            ],
            batch_size=2000,
        )
        CalendarEntry.objects.bulk_create(
            [
                CalendarEntry(
                    tenant=self.tenant,
                    boat=self.boat,
                    booking=b,
                    title=guest,
                    start=b.start,
                    end=b.end,
                    kind=CalendarEntry.Kind.CHARTER,
                )
                for b in bookings
            ],
            batch_size=2000,
        )
        events = CrewEvent.objects.bulk_create([CrewEvent(booking=b) for b in bookings], batch_size=2000)
        Assignment.objects.bulk_create(
            [
                Assignment(
                    event=e,
                    crew_member=self.member,
                    role=self.role,
                    hourly_rate=25,
                    paid_hours=5,
                    status=Assignment.Status.ACCEPTED,
                )
                for e in events
            ],
            batch_size=2000,
        )

    def grow(self, total: int) -> None:
        import time

        from django.db import transaction

        t0 = time.perf_counter()
        have = self.member.assignments.count()
        with transaction.atomic():
            self._insert([self.now - dt.timedelta(days=100 + k) for k in range(total - have)])
        print(f"(grew the crew member by {total - have:,} assignments in {time.perf_counter() - t0:.1f} s)")

    def shrink(self) -> None:
        """Remove the grown rows again (raw deletes: the ORM would collect and log each of them)."""
        from django.db import connection, transaction

        from bookings.models import Booking, CalendarEntry
        from crew.models import Assignment, CrewEvent

        grown = f"SELECT id FROM {Booking._meta.db_table} WHERE boat_id = %s AND guest_name = %s"
        params = [self.boat.pk, HISTORY_GUEST]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {Assignment._meta.db_table} WHERE event_id IN "
                f"(SELECT id FROM {CrewEvent._meta.db_table} WHERE booking_id IN ({grown}))",
                params,
            )
            for model in (CrewEvent, CalendarEntry):
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE booking_id IN ({grown})", params)
            cursor.execute(f"DELETE FROM {Booking._meta.db_table} WHERE id IN ({grown})", params)

    def measure(self, repeat: int) -> dict:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from crew.selectors import CREW_EARLIER_PER_PAGE

        count = self.member.assignments.count()
        last = max(1, -(-(count - 3) // CREW_EARLIER_PER_PAGE))  # the 3 ahead are not earlier charters
        pages = {
            "home": "/crew/",
            "feed": self.feed_url,
            "earlier": "/crew/earlier/",
            "earlier_last": f"/crew/earlier/?page={last}",
        }
        listed = {"home": b"<article", "feed": b"BEGIN:VEVENT", "earlier": b'<li id="event-', "earlier_last": b"<li"}

        def get(url: str):
            response = self.client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        out: dict = {"assignments": count, "earlier_pages": last}
        for name, url in pages.items():
            get(url)  # warm up
            with CaptureQueriesContext(connection) as q:
                body = get(url).content
            out[name] = {"queries": len(q), "bytes": len(body), "listed": body.count(listed[name])}
        times: dict[str, list[float]] = {name: [] for name in pages}
        for _ in range(repeat):  # interleaved, so drift hits every page alike
            for name, url in pages.items():
                times[name] += timed(lambda url=url: get(url), 1)
        for name in pages:
            out[name]["time"] = median(times[name])
        return out


def _three(small: dict, large: dict, again: dict, name: str, key: str) -> str:
    values = [m[name][key] for m in (small, large, again)]
    text = " / ".join(f"{v:,}" for v in values)
    return text + ("  (equal)" if len(set(values)) == 1 else "")


if __name__ == "__main__":
    main()
