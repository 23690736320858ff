"""send_due_messages as history piles up: one beat run over 100 bookings vs. over 20,000.

Each run of ``due_messages_send`` (beat, every 5 minutes) looks only at charters whose
reminders or after-charter messages can fall due now, so its cost must not grow with the
bookings behind it. Both sides run in the same process on the same database; the figure is
the ratio (target <= 1.5) and the queries per run. Then 200 reminders fall due at once:
queries per scheduled message, sent in-process by email (locmem) and text (console).
"""

from __future__ import annotations

import argparse
import io
from contextlib import redirect_stdout
from datetime import timedelta
from decimal import Decimal

from _common import django_setup_migrated, median, report, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--due", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    django_setup_migrated(SMS_BACKEND="console")
    run(args.history, args.due, args.repeat)


def bookings(tenant, boats, count: int, first_start, step: timedelta) -> None:
    from bookings.models import Booking, occupancy_end

    rows = []
    for n in range(count):
        start = first_start + step * n
        end = start + timedelta(hours=3)
        rows.append(
            Booking(
                tenant=tenant,
                boat=boats[n % len(boats)],
                guest_name=f"Guest {n}",
                guest_email=f"guest{n}@example.com",
                guest_phone="+16195550142",
                party_size=4,
                start=start,
                end=end,
                occupied_until=occupancy_end(end, 30),
                gross_amount=Decimal("800.00"),
            )
        )
    Booking.objects.bulk_create(rows, batch_size=1000)


def run(history: int, due: int, repeat: int) -> None:
    import logging

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from messaging.models import Message
    from messaging.services import due_messages_send
    from tests.factories import BoatFactory, TenantFactory

    logging.disable(logging.WARNING)
    now = timezone.now()
    tenant = TenantFactory()
    boats = [BoatFactory(tenant=tenant) for _ in range(20)]

    def one_run():
        with redirect_stdout(io.StringIO()):
            return due_messages_send(now=now)

    # Baseline: 100 bookings, ended ones and ones weeks ahead (nothing due).
    bookings(tenant, boats, 50, now - timedelta(days=400), timedelta(days=7))
    bookings(tenant, boats, 50, now + timedelta(days=10), timedelta(days=3))
    one_run()
    small = median(timed(one_run, repeat))
    with CaptureQueriesContext(connection) as small_q:
        one_run()
    # Then years of history and a season booked ahead.
    bookings(tenant, boats, history // 2, now - timedelta(days=1500), timedelta(minutes=30))
    bookings(tenant, boats, history // 2, now + timedelta(days=5), timedelta(minutes=40))
    one_run()
    large = median(timed(one_run, repeat))
    with CaptureQueriesContext(connection) as large_q:
        one_run()
    # Now many reminders fall due at once: charters starting in 2 hours (the 2-hour reminder).
    bookings(tenant, boats, due, now + timedelta(hours=2) - timedelta(minutes=5), timedelta(seconds=1))
    before = Message.objects.count()
    with CaptureQueriesContext(connection) as due_q:
        result = one_run()
    scheduled = Message.objects.count() - before
    sent = Message.objects.filter(status=Message.Status.SENT).count()
    report(
        "send_due_messages as bookings pile up",
        [
            ("bookings (baseline / large)", f"{100} / {history + 100}"),
            ("run, baseline", f"{small * 1000:.1f} ms, {len(small_q)} queries"),
            ("run, large", f"{large * 1000:.1f} ms, {len(large_q)} queries"),
            ("ratio large / baseline", f"{large / small:.2f}  (target <= 1.5)"),
            (f"{due} reminders due at once", f"{len(result.scheduled)} scheduled, {scheduled} messages, {sent} sent"),
            ("queries per scheduled message", f"{len(due_q) / max(scheduled, 1):.1f} (scheduling and sending)"),
        ],
    )


if __name__ == "__main__":
    main()
