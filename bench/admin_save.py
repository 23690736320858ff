"""Admin save of a booking with 3 crew, with side effects on vs. off, in the same run.

"On": the real admin path (booking_save, assignments, outbox rows, enqueue to a real
Redis broker on commit; no worker runs, so only the web request is timed).
"Off": the same POST with outbox scheduling replaced by a no-op (done here, in the
benchmark, not in the app). Runs are interleaved so drift hits both equally.
Target: ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from unittest import mock

from _common import django_setup_migrated, free_port, median, report, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    redis = shutil.which("redis-server")
    proc = None
    env = {}
    if redis:
        port = free_port()
        proc = subprocess.Popen(
            [redis, "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
    try:
        django_setup_migrated(**env)
        run(args.rounds, broker="redis" if redis else "in-process (no redis-server found)")
    finally:
        if proc:
            proc.terminate()


def run(rounds: int, broker: str) -> None:
    import time

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tests.bookings.test_admin import booking_form_data
    from tests.factories import BookingFactory, CrewMemberFactory, TenantFactory, assign

    setup_test_environment()
    for _ in range(100):  # wait for Redis to accept connections before timing anything
        if _broker_ready():
            break
        time.sleep(0.05)
    tenant = TenantFactory()
    booking = BookingFactory(tenant=tenant)
    for role, rate, hours in (("captain", "50", "3"), ("deckhand", "25", "5"), ("deckhand", "25", "5")):
        assign(booking, CrewMemberFactory(tenants=[tenant]), role, rate, hours)
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("bench", "b@example.com", "x"))
    url = f"/admin/bookings/booking/{booking.pk}/change/"
    assignments = list(booking.crew_event.assignments.order_by("id"))

    def post(i: int) -> None:
        data = booking_form_data(booking, guest_notes=f"note {i}")
        data.update({"assignments-TOTAL_FORMS": "3", "assignments-INITIAL_FORMS": "3"})
        for n, a in enumerate(assignments):
            data.update(
                {
                    f"assignments-{n}-id": a.pk,
                    f"assignments-{n}-event": booking.crew_event.pk,
                    f"assignments-{n}-crew_member": a.crew_member_id,
                    f"assignments-{n}-role": a.role_id,
                    f"assignments-{n}-hourly_rate": str(a.hourly_rate),
                    f"assignments-{n}-paid_hours": str(a.paid_hours),
                    f"assignments-{n}-status": a.status,
                }
            )
        response = client.post(url, data)
        assert response.status_code == 302, response.content[:500]

    counter = iter(range(10**9))
    for _ in range(5):
        post(next(counter))  # warm up both paths' caches
    on: list[float] = []
    off: list[float] = []
    noop = mock.patch("outbox.services.Effect.objects.create")
    from outbox.models import Effect

    for _ in range(rounds):
        on += timed(lambda: post(next(counter)), 1)
        # Untimed: a worker would have finished the effect, so the next save records a new one.
        Effect.objects.update(status=Effect.Status.SENT)
        with noop:
            off += timed(lambda: post(next(counter)), 1)
    enqueued = Effect.objects.filter(enqueued_at__isnull=False).count()

    report(
        "Admin save of a booking with 3 crew",
        [
            ("broker", broker),
            ("rounds", str(rounds)),
            ("side effects off (median)", f"{median(off) * 1000:.1f} ms"),
            ("side effects on (median)", f"{median(on) * 1000:.1f} ms"),
            ("ratio on/off", f"{median(on) / median(off):.2f}  (target <= 1.3)"),
            ("outbox rows written / enqueued", f"{Effect.objects.count()} / {enqueued}"),
        ],
    )


def _broker_ready() -> bool:
    from charterops.celery import app

    if app.conf.task_always_eager:
        return True
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:  # noqa: BLE001
        return False


if __name__ == "__main__":
    main()
