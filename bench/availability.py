"""Availability checks as history grows, and what they add to an admin save.

1. The boat's clash check for a new booking (``booking_availability_check`` in a
   transaction, and ``booking_clashes`` alone) on one boat holding 10 bookings, then
   the same boat grown to 100,000 (bulk-inserted back-to-back charters going back
   in time, a few hundred ahead), then shrunk back to 10 (A-B-A, so drift shows).
   Target: the same number of queries at 10 and at 100,000. The query plans show
   which index SQLite picks. The crew check (``availability_for``) is measured the
   same way for one crew member with 10, then 10,000 past assignments.
2. The real admin change POST of a booking with 3 crew that moves it (so every
   check runs), with the checks on vs. the same POST with them replaced by no-ops in
   this process (not in the app), interleaved; once on a quiet brand and once on the
   grown boat. Side effects (crew email, guest page) run in-process after commit on
   both sides. Target: ratio <= 1.3.

Nothing is asserted by time; the figures are ratios within this run.
"""

from __future__ import annotations

import argparse
import datetime as dt
from contextlib import ExitStack
from unittest import mock

from _common import django_setup_migrated, median, report, timed

SLOT = dt.timedelta(hours=2, minutes=30)  # a 2-hour charter and the boat's 30-minute turnaround
HISTORY_GUEST = "History guest"  # marks the bulk-inserted rows, so they can be removed again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="admin POSTs per side")
    parser.add_argument("--bookings", type=int, default=100_000, help="bookings on the boat once grown")
    parser.add_argument("--ahead", type=int, default=300, help="of which in the future")
    parser.add_argument("--crew-history", type=int, default=10_000, help="past assignments of one crew member")
    parser.add_argument("--repeat", type=int, default=300, help="calls per timing of a check")
    args = parser.parse_args()
    django_setup_migrated()
    run(args)


def run(args) -> None:
    import logging

    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, TenantFactory, assign

    logging.disable(logging.WARNING)
    setup_test_environment()
    w = World.build(args)

    # Before the growth: the checks at 10, and the admin save on a quiet brand.
    small = w.measure(args.repeat)
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("bench", "b@example.com", "x"))
    quiet_tenant = TenantFactory(name="Quiet brand", slug="quiet-brand")
    quiet = BookingFactory(
        tenant=quiet_tenant,
        boat=BoatFactory(tenant=quiet_tenant, turnaround_minutes=30),
        start=w.at(1, 16),
        end=w.at(1, 19),
    )
    for role_slug in ("captain", "deckhand", "deckhand"):
        assign(quiet, CrewMemberFactory(tenants=[quiet_tenant]), role_slug, "25", "3")
    admin_quiet = admin_rounds(
        client, quiet.pk, [(w.at(1, 16), w.at(1, 19)), (w.at(2, 10), w.at(2, 13))], args.rounds, mail
    )

    w.grow(args)
    large = w.measure(args.repeat)
    admin_grown = admin_rounds(client, w.admin_booking.pk, w.admin_slots, args.rounds, mail)
    w.shrink()
    again = w.measure(args.repeat)

    n_small, n_large = small["bookings"], large["bookings"]
    baseline = (small["check"] + again["check"]) / 2
    baseline_alone = (small["clashes"] + again["clashes"]) / 2
    report(
        f"Boat clash check for a new booking, one boat with {n_small:,} then {n_large:,} bookings",
        [
            (
                "bookings on the boat (ahead of now)",
                f"{n_small:,} ({small['ahead']}) -> {n_large:,} ({large['ahead']}) -> {again['bookings']:,}",
            ),
            ("queries, check in atomic()", _equal(small["check_q"], large["check_q"], again["check_q"])),
            ("queries, booking_clashes alone", _equal(small["clashes_q"], large["clashes_q"], again["clashes_q"])),
            (
                "check median, small / grown / small again",
                f"{small['check'] * 1e3:.3f} / {large['check'] * 1e3:.3f} / {again['check'] * 1e3:.3f} ms",
            ),
            (
                "booking_clashes median, same",
                f"{small['clashes'] * 1e3:.3f} / {large['clashes'] * 1e3:.3f} / {again['clashes'] * 1e3:.3f} ms",
            ),
            (
                f"ratio {n_large:,} / {n_small:,} (check, clashes)",
                f"{large['check'] / baseline:.2f}, {large['clashes'] / baseline_alone:.2f}",
            ),
            ("bookings query plan (grown)", large["plan_bookings"]),
            ("  uses booking_boat_occupancy", _yes("booking_boat_occupancy" in large["plan_bookings"])),
            ("blocks query plan (grown)", large["plan_blocks"]),
            ("  uses entry_tenant_end", _yes("entry_tenant_end" in large["plan_blocks"])),
        ],
    )
    c_small, c_large = small["crew_history"], large["crew_history"]
    report(
        f"Crew check (availability_for) for one crew member with {c_small:,} then {c_large:,} past assignments",
        [
            ("queries", _equal(small["crew_q"], large["crew_q"], again["crew_q"])),
            (
                "median, small / grown / small again",
                f"{small['crew'] * 1e3:.3f} / {large['crew'] * 1e3:.3f} / {again['crew'] * 1e3:.3f} ms",
            ),
            (f"ratio {c_large:,} / {c_small:,}", f"{large['crew'] / ((small['crew'] + again['crew']) / 2):.2f}"),
            ("busy query plan (grown)", large["plan_crew"]),
        ],
    )
    for title, a in (
        ("a quiet brand", admin_quiet),
        (f"the boat with {n_large:,} bookings, one of the crew with {c_large:,} past assignments", admin_grown),
    ):
        report(
            f"Admin save of a booking with 3 crew that moves it, on {title}",
            [
                ("rounds", str(args.rounds)),
                ("checks off (median)", f"{median(a['off']) * 1e3:.1f} ms"),
                ("checks on (median)", f"{median(a['on']) * 1e3:.1f} ms"),
                ("difference", f"{(median(a['on']) - median(a['off'])) * 1e3:.1f} ms"),
                ("ratio with checks / without", f"{median(a['on']) / median(a['off']):.2f}  (target <= 1.3)"),
                ("queries per save, on / off", f"{a['q_on']} / {a['q_off']}"),
                (
                    "replaced calls per save off",
                    f"booking_clashes {a['calls']['booking_clashes']}, availability_for {a['calls']['availability_for']}",
                ),
            ],
        )


class World:
    """One brand, one boat (the one that grows), one crew member (whose history grows)."""

    @classmethod
    def build(cls, args) -> World:
        from django.utils import timezone

        from bookings.models import Booking
        from crew.models import Credential, CredentialKind, Role
        from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, TenantFactory, assign

        w = cls()
        w.now = timezone.now().replace(minute=0, second=0, microsecond=0)
        w.tenant = TenantFactory(name="Busy brand", slug="busy-brand")
        w.zone = w.tenant.zone
        w.boat = BoatFactory(tenant=w.tenant, name="Grown boat", turnaround_minutes=30)
        w.crew_boat = BoatFactory(tenant=w.tenant, name="Crew history boat", turnaround_minutes=30)
        w.member = CrewMemberFactory(name="Long-serving deckhand", tenants=[w.tenant])
        # A role that needs a credential, so the crew check makes all of its queries.
        w.role = Role.objects.create(name="Bench skipper", slug="bench-skipper")
        kind = CredentialKind.objects.order_by("pk").first()
        w.role.required_credential_kinds.add(kind)
        Credential.objects.create(crew_member=w.member, kind=kind, expires_on=(w.now + dt.timedelta(days=900)).date())

        # 10 on the boat: 7 behind, 2 ahead, and the booking the admin benchmark moves.
        w.past_end = w.now - dt.timedelta(days=1)
        w.ahead_start = w.at(3, 8)
        w._insert(w.boat, [w.past_end - (k + 1) * SLOT for k in range(7)], guest="Small guest")
        w._insert(w.boat, [w.ahead_start + k * SLOT for k in range(2)], guest="Small guest")
        w.admin_slots = [(w.at(1, 16), w.at(1, 19)), (w.at(2, 10), w.at(2, 13))]
        w.admin_booking = BookingFactory(
            tenant=w.tenant, boat=w.boat, start=w.admin_slots[0][0], end=w.admin_slots[0][1]
        )
        assign(w.admin_booking, w.member, "deckhand", "25", "3")
        for role_slug in ("captain", "deckhand"):
            assign(w.admin_booking, CrewMemberFactory(tenants=[w.tenant]), role_slug, "25", "3")
        # The crew member's first 10 charters, on another boat.
        crew_past = w._insert(w.crew_boat, [w.past_end - (k + 1) * SLOT for k in range(10)], guest="Small guest")
        w._assign(crew_past)
        w.new = Booking(
            tenant=w.tenant,
            boat=w.boat,
            source="direct",
            guest_name="New guest",
            party_size=4,
            start=w.at(1, 10),
            end=w.at(1, 13),
            gross_amount=500,
        )
        return w

    def at(self, days: int, hour: int) -> dt.datetime:
        """``hour`` o'clock, local time, ``days`` after today."""
        day = self.now.astimezone(self.zone).date() + dt.timedelta(days=days)
        return dt.datetime.combine(day, dt.time(hour), tzinfo=self.zone)

    def _insert(self, boat, starts: list[dt.datetime], *, guest: str = HISTORY_GUEST) -> list:
        """Bookings (2-hour charters) with their calendar entries, bulk-inserted: no service runs."""
        from bookings.models import Booking, CalendarEntry

        bookings = [
            Booking(
                tenant=self.tenant,
                boat=boat,
                source="direct",
                guest_name=guest,
                party_size=4,
                start=s,
                end=s + dt.timedelta(hours=2),
                gross_amount=500,
                # What save() would compute: the end plus the turnaround, in UTC.
                occupied_until=(s + dt.timedelta(hours=2)).astimezone(dt.UTC)
                + dt.timedelta(minutes=boat.turnaround_minutes),
            )
            for s in starts
        ]
        Booking.objects.bulk_create(bookings, batch_size=2000)
        CalendarEntry.objects.bulk_create(
            [
                CalendarEntry(
                    tenant=self.tenant,
                    boat=boat,
                    booking=b,
                    title=f"{boat.name}: {guest}",
                    start=b.start,
                    end=b.end,
                    kind=CalendarEntry.Kind.CHARTER,
                )
                for b in bookings
            ],
            batch_size=2000,
        )
        return bookings

    def _assign(self, bookings: list) -> None:
        from crew.models import Assignment, CrewEvent

        events = CrewEvent.objects.bulk_create([CrewEvent(booking=b) for b in bookings], batch_size=2000)
        Assignment.objects.bulk_create(
            [
                Assignment(
                    event=e,
                    crew_member=self.member,
                    role=self.role,
                    hourly_rate=25,
                    paid_hours=2,
                    status=Assignment.Status.ACCEPTED,
                )
                for e in events
            ],
            batch_size=2000,
        )

    def grow(self, args) -> None:
        import time

        from django.db import transaction

        from bookings.models import Booking

        t0 = time.perf_counter()
        have = Booking.objects.filter(boat=self.boat).count()
        have_ahead = Booking.objects.filter(boat=self.boat, start__gt=self.now).count()
        ahead = max(args.ahead - have_ahead, 0)
        behind = args.bookings - have - ahead
        with transaction.atomic():
            past = self._insert(self.boat, [self.past_end - (k + 8) * SLOT for k in range(behind)])
            self._insert(self.boat, [self.ahead_start + (k + 2) * SLOT for k in range(ahead)])
            self._assign(past[: args.crew_history - 10])
        print(
            f"(grew the boat by {behind + ahead:,} bookings and the crew member by "
            f"{min(len(past), args.crew_history - 10):,} assignments in {time.perf_counter() - t0:.1f} s)"
        )

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
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        from bookings.availability import booking_clashes
        from bookings.models import Booking
        from bookings.services import booking_availability_check
        from crew.availability import availability_for
        from crew.models import Assignment

        def check():
            with transaction.atomic():
                booking_availability_check(booking=self.new)

        def clashes():
            assert booking_clashes(self.new) == []

        def crew():
            found = availability_for(members=[self.member], booking=self.new, roles=[self.role])
            assert not found[self.member.pk].clashes and not found[self.member.pk].unqualified

        out = {
            "bookings": Booking.objects.filter(boat=self.boat).count(),
            "ahead": Booking.objects.filter(boat=self.boat, start__gt=self.now).count(),
            "crew_history": Assignment.objects.filter(
                crew_member=self.member, event__booking__end__lt=self.now
            ).count(),
        }
        with transaction.atomic(), CaptureQueriesContext(connection) as q:
            booking_availability_check(booking=self.new)
        out["check_q"] = len(q)
        with CaptureQueriesContext(connection) as q:
            clashes()
        out["clashes_q"] = len(q)
        plans = [_plan(x["sql"]) for x in q.captured_queries] + ["(no query)", "(no query)"]
        out["plan_bookings"], out["plan_blocks"] = plans[:2]
        with CaptureQueriesContext(connection) as q:
            crew()
        out["crew_q"] = len(q)
        out["plan_crew"] = _plan(q.captured_queries[0]["sql"])
        for fn in (check, clashes, crew):
            fn()  # warm up
        times = {"check": [], "clashes": [], "crew": []}
        for _ in range(repeat):  # interleaved, so drift hits all three
            times["check"] += timed(check, 1)
            times["clashes"] += timed(clashes, 1)
            times["crew"] += timed(crew, 1)
        out.update({k: median(v) for k, v in times.items()})
        return out


def admin_rounds(client, booking_pk: int, slots, rounds: int, mail) -> dict:
    """The admin change POST, alternating between the two slots so each save moves the booking."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookings.models import Booking
    from crew.models import Assignment, CrewEvent
    from tests.availability.test_admin import row
    from tests.bookings.test_admin import booking_form_data, management_form

    url = f"/admin/bookings/booking/{booking_pk}/change/"
    slot_index = iter(range(10**9))

    def form_data() -> dict:
        booking = Booking.objects.select_related("tenant").get(pk=booking_pk)
        start, end = slots[next(slot_index) % 2]
        data = booking_form_data(
            booking,
            start_0=f"{start:%Y-%m-%d}",
            start_1=f"{start:%H:%M:%S}",
            end_0=f"{end:%Y-%m-%d}",
            end_1=f"{end:%H:%M:%S}",
        )
        event = CrewEvent.objects.get(booking=booking)
        rows = list(Assignment.objects.filter(event=event).order_by("pk"))
        data.update(management_form("assignments", total=len(rows), initial=len(rows)))
        for i, a in enumerate(rows):
            data.update(row(i, a.crew_member, a.role, pk=a.pk, event=event.pk, status=a.status))
        return data

    def post(data: dict) -> None:
        response = client.post(url, data)
        assert response.status_code == 302, response.content[:2000]

    def timed_post() -> float:
        data = form_data()  # untimed: reading the page's current state
        mail.outbox = []
        return timed(lambda: post(data), 1)[0]

    for _ in range(4):
        timed_post()  # warm up
        with checks_off():
            timed_post()
    with CaptureQueriesContext(connection) as q:
        post(form_data())
    q_on = len(q)
    with checks_off() as replaced, CaptureQueriesContext(connection) as q:
        post(form_data())
    q_off, calls = len(q), replaced.calls()
    on: list[float] = []
    off: list[float] = []
    for _ in range(rounds):
        on.append(timed_post())
        with checks_off():
            off.append(timed_post())
    return {"on": on, "off": off, "q_on": q_on, "q_off": q_off, "calls": calls}


class checks_off(ExitStack):
    """The availability rules replaced by no-ops, wherever they are looked up (``calls()`` counts them)."""

    def __enter__(self):
        super().__enter__()
        from crew.availability import Availability

        def free(*, members, **kwargs):
            return {m.pk: Availability() for m in members}

        self.booking = self.enter_context(mock.patch("bookings.availability.booking_clashes", return_value=[]))
        self.enter_context(mock.patch("bookings.availability.block_clashes", return_value=[]))
        self.crew = [
            self.enter_context(mock.patch(target, side_effect=free))
            for target in ("crew.availability.availability_for", "crew.admin_forms.availability_for")
        ]
        return self

    def calls(self) -> dict[str, int]:
        return {
            "booking_clashes": self.booking.call_count,
            "availability_for": sum(m.call_count for m in self.crew),
        }


def _plan(sql: str) -> str:
    from django.db import connection

    if connection.vendor != "sqlite":
        return f"(not shown on {connection.vendor})"
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " / ".join(r[3] for r in cursor.fetchall())


def _equal(*counts: int) -> str:
    return " / ".join(map(str, counts)) + ("  (equal)" if len(set(counts)) == 1 else "  (NOT equal)")


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


if __name__ == "__main__":
    main()
