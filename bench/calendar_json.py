"""The admin calendar's JSON for a month holding 10 charters and one holding 2,000.

Two brands in one database: a quiet one (10 charters in December) and a busy one
(2,000 charters in December on 20 boats, each charter with 3 crew and a 5-line
checklist, maintenance blocks, brand blackouts and a crew member's time off), plus a
year of other charters around December on the busy brand's boats, so the range query
has to find December among them. Both are asked for what the month view asks for (six
weeks, with a crew member picked) through ``GET /admin/calendar/events.json``, the way
the page asks: a staff user of both brands, through the admin's login check.

Targets: the same number of queries at 10 and at 2,000 charters; the time grows with
the JSON, not with round trips. The requests are interleaved (quiet, busy, quiet, ...)
so drift hits both alike. The selector alone (``operations.calendar.calendar_events``)
is timed the same way.

Nothing is asserted by time; the figures are ratios within this run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re

from _common import django_setup_migrated, median, report, timed

BOATS = 20
CREW = 60
CHECKLIST = ["Fuel checked", "Life jackets counted", "Head pumped out", "Lines and fenders", "Safety briefing"]
RANGE = {"start": "2026-11-30", "end": "2027-01-11"}  # the month view of December 2026 (weeks from Monday)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=2000, help="charters in the busy brand's December (at most 2,480)")
    parser.add_argument("--quiet", type=int, default=10, help="charters in the quiet brand's December")
    parser.add_argument("--around", type=int, default=10000, help="the busy brand's charters before December (history)")
    parser.add_argument("--repeat", type=int, default=20, help="requests per brand")
    args = parser.parse_args()
    django_setup_migrated()
    run(args)


def run(args) -> None:
    import logging
    import time

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from operations.calendar import CalendarFilters, bookings_in_range, calendar_boats, calendar_range
    from operations.calendar import calendar_events as selector

    logging.disable(logging.WARNING)
    setup_test_environment()
    t0 = time.perf_counter()
    quiet = Brand.build("Quiet brand", "quiet-brand", boats=2, charters=args.quiet, around=0)
    busy = Brand.build("Busy brand", "busy-brand", boats=BOATS, charters=args.busy, around=args.around)
    staff = staff_for(quiet.tenant, busy.tenant)
    print(f"(built both brands in {time.perf_counter() - t0:.1f} s)")

    client = Client()
    client.force_login(staff)

    def request(brand):
        params = {**RANGE, "tenant": brand.tenant.pk, "crew_member": brand.away.pk}

        def get():
            response = client.get("/admin/calendar/events.json", params)
            assert response.status_code == 200, response.content[:200]
            return response

        return get

    def alone(brand):
        filters = CalendarFilters(tenant=brand.tenant, crew_member=brand.away)
        start, end = calendar_range(params=RANGE, zone=brand.tenant.zone)
        return lambda: selector(filters=filters, start=start, end=end, can_move=True)

    def charters_query(brand):
        lanes = [b.pk for b in calendar_boats(filters=CalendarFilters(tenant=brand.tenant))]
        start, end = calendar_range(params=RANGE, zone=brand.tenant.zone)
        return bookings_in_range(lane_ids=lanes, start=start, end=end)

    out = {}
    for brand in (quiet, busy):
        request(brand)()  # warm up
        with CaptureQueriesContext(connection) as q:
            response = request(brand)()
        events = response.json()["events"]
        charters = sum(1 for e in events if e["id"].startswith("booking-"))
        with CaptureQueriesContext(connection) as q_alone:
            alone(brand)()
        out[brand.slug] = {
            "queries": len(q),
            "queries_alone": len(q_alone),
            "charters": charters,
            "events": len(events),
            "bytes": len(response.content),
            "times": [],
            "alone": [],
            "query": [],
            "plan": " / ".join(
                re.sub(r"^[\d\s]+", "", line)
                for line in charters_query(brand).explain().splitlines()
                if "bookings_booking" in line
            ),
        }
    for _ in range(args.repeat):
        for brand in (quiet, busy):
            out[brand.slug]["times"] += timed(request(brand), 1)
            out[brand.slug]["alone"] += timed(alone(brand), 1)
            out[brand.slug]["query"] += timed(lambda b=brand: list(charters_query(b)), 1)

    q, b = out[quiet.slug], out[busy.slug]
    same = "equal" if q["queries"] == b["queries"] else "DIFFERENT"
    tq, tb = median(q["times"]), median(b["times"])
    aq, ab = median(q["alone"]), median(b["alone"])
    cq, cb = median(q["query"]), median(b["query"])
    report(
        f"Calendar JSON for December (month view, six weeks), {q['charters']:,} vs {b['charters']:,} charters",
        [
            ("charters in the range, quiet / busy", f"{q['charters']:,} / {b['charters']:,}"),
            ("events sent (with blocks and time off)", f"{q['events']:,} / {b['events']:,}"),
            ("busy brand's charters outside the range", f"{args.around:,}"),
            ("JSON size", f"{q['bytes'] / 1024:.1f} KiB / {b['bytes'] / 1024:.1f} KiB"),
            ("queries per request", f"{q['queries']} / {b['queries']} ({same})"),
            ("queries, selector alone", f"{q['queries_alone']} / {b['queries_alone']}"),
            ("requests per brand (interleaved)", str(args.repeat)),
            ("request median", f"{tq * 1e3:.1f} ms / {tb * 1e3:.1f} ms"),
            ("selector median", f"{aq * 1e3:.1f} ms / {ab * 1e3:.1f} ms"),
            ("charters query alone (with counts) median", f"{cq * 1e3:.1f} ms / {cb * 1e3:.1f} ms"),
            (f"ratio {b['charters']:,} / {q['charters']:,} (request, selector)", f"{tb / tq:.1f}, {ab / aq:.1f}"),
            ("per charter at 2,000 (request)", f"{(tb - tq) / max(b['charters'] - q['charters'], 1) * 1e6:.0f} µs"),
            ("charters query plan (busy)", b["plan"]),
        ],
    )


def staff_for(*tenants):
    from tests.factories import staff_user

    return staff_user(*tenants, username="bench-office")


class Brand:
    """A brand with ``charters`` in December 2026 (bulk-inserted, each with crew and a checklist)."""

    @classmethod
    def build(cls, name: str, slug: str, *, boats: int, charters: int, around: int) -> Brand:
        from bookings.models import CalendarEntry
        from crew.models import TimeOff
        from tests.factories import BoatFactory, CrewMemberFactory, TenantFactory, role

        b = cls()
        b.slug = slug
        b.tenant = TenantFactory(name=name, slug=slug)
        zone = b.tenant.zone
        b.boats = [BoatFactory(tenant=b.tenant, name=f"{name} boat {i + 1}") for i in range(boats)]
        b.crew = [
            CrewMemberFactory(name=f"{name} crew {i + 1}", tenants=[b.tenant]) for i in range(min(CREW, 3 * boats))
        ]
        b.away = b.crew[0]
        b.role = role("deckhand")

        # Spread over December's 31 days and every boat, in 3-hour slots from 07:00 (no two on a boat overlap).
        starts = []
        for k in range(charters):
            boat, index = b.boats[k % boats], k // boats
            slot, day = divmod(index, 31)
            starts.append((boat, dt.datetime(2026, 12, 1 + day, 7 + 4 * slot, 0, tzinfo=zone)))
        b.insert(starts, with_crew=True)
        # History before December, going back four a day per boat: the range query has to skip it.
        outside = []
        for k in range(around):
            boat, index = b.boats[k % boats], k // boats
            day = dt.date(2026, 11, 26) - dt.timedelta(days=index // 4)
            outside.append((boat, dt.datetime.combine(day, dt.time(7 + 4 * (index % 4)), tzinfo=zone)))
        b.insert(outside, with_crew=False)

        CalendarEntry.objects.bulk_create(
            [
                CalendarEntry(
                    tenant=b.tenant,
                    boat=boat,
                    kind=CalendarEntry.Kind.MAINTENANCE,
                    title="Engine service",
                    start=dt.datetime(2026, 12, 2 + i % 28, 6, 0, tzinfo=zone),
                    end=dt.datetime(2026, 12, 2 + i % 28, 8, 30, tzinfo=zone),
                )
                for i, boat in enumerate(b.boats)
            ]
            + [
                CalendarEntry(
                    tenant=b.tenant,
                    kind=CalendarEntry.Kind.BLACKOUT,
                    title="Harbor closed",
                    start=dt.datetime(2026, 12, day, 21, 0, tzinfo=zone),
                    end=dt.datetime(2026, 12, day, 23, 0, tzinfo=zone),
                )
                for day in (6, 13, 20, 27)
            ]
        )
        TimeOff.objects.bulk_create(
            [
                TimeOff(
                    crew_member=b.away,
                    start=dt.datetime(2026, 12, day, 0, 0, tzinfo=zone),
                    end=dt.datetime(2026, 12, day + 1, 0, 0, tzinfo=zone),
                )
                for day in range(1, 31, 3)
            ]
        )
        return b

    def insert(self, starts: list, *, with_crew: bool) -> None:
        """Bookings (3-hour charters) with their calendar entries, crew and checklists: no service runs."""
        from django.db import transaction

        from bookings.models import Booking, CalendarEntry, occupancy_end
        from crew.models import Assignment, ChecklistItem, CrewEvent

        with transaction.atomic():
            bookings = Booking.objects.bulk_create(
                [
                    Booking(
                        tenant=self.tenant,
                        boat=boat,
                        source="direct",
                        guest_name=f"Guest {k}",
                        party_size=1 + k % 8,
                        start=start,
                        end=start + dt.timedelta(hours=3),
                        status=Booking.Status.CANCELLED if k % 25 == 0 else Booking.Status.CONFIRMED,
                        gross_amount=500,
                        occupied_until=occupancy_end(start + dt.timedelta(hours=3), boat.turnaround_minutes),
                    )
                    for k, (boat, start) in enumerate(starts)
                ],
                batch_size=2000,
            )
            CalendarEntry.objects.bulk_create(
                [
                    CalendarEntry(
                        tenant=self.tenant,
                        boat_id=b.boat_id,
                        booking=b,
                        title=f"Charter {b.guest_name}",
                        start=b.start,
                        end=b.end,
                        kind=CalendarEntry.Kind.CHARTER,
                    )
                    for b in bookings
                ],
                batch_size=2000,
            )
            if not with_crew:
                return
            events = CrewEvent.objects.bulk_create([CrewEvent(booking=b) for b in bookings], batch_size=2000)
            Assignment.objects.bulk_create(
                [
                    Assignment(
                        event=e,
                        crew_member=self.crew[(k * 3 + j) % len(self.crew)],
                        role=self.role,
                        hourly_rate=25,
                        paid_hours=3,
                        status=(Assignment.Status.ACCEPTED, Assignment.Status.INVITED, Assignment.Status.DECLINED)[
                            (k + j) % 3
                        ],
                    )
                    for k, e in enumerate(events)
                    for j in range(3)
                ],
                batch_size=2000,
            )
            ChecklistItem.objects.bulk_create(
                [
                    ChecklistItem(event=e, position=i, text=text, done=(k + i) % 2 == 0)
                    for k, e in enumerate(events)
                    for i, text in enumerate(CHECKLIST)
                ],
                batch_size=2000,
            )


if __name__ == "__main__":
    main()
