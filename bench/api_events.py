"""1,000 authenticated POST /api/events against 1,000 unauthenticated GET /api/health, same process.

The service key is hashed at the production bcrypt cost (12 by default): if the
check were paid per request, 1,000 requests would take minutes. The figure of
interest is the ratio (target <= 1.5).

    .venv/bin/python bench/api_events.py [--requests 1000] [--rounds 12]
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import time

import bcrypt
from _common import django_setup, fresh_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=12, help="bcrypt cost of the service key hash")
    args = parser.parse_args()

    key = secrets.token_urlsafe(32)
    t0 = time.perf_counter()
    hashed = bcrypt.hashpw(key.encode(), bcrypt.gensalt(rounds=args.rounds)).decode()
    t_hash = time.perf_counter() - t0
    _, env = fresh_database(SERVICE_KEY_HASH=hashed)
    django_setup(env)
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the refused requests are on purpose

    from datetime import timedelta
    from decimal import Decimal

    from django.test import Client
    from django.utils import timezone

    from bookings.models import Boat, Booking, Tenant
    from bookings.services import booking_save
    from crew.models import CrewMember, Role

    tenant = Tenant.objects.create(
        name="Bench", slug="bench", guest_domain="bench.example.com", s3_bucket="b", sender_email="c@bench.example.com"
    )
    boat = Boat.objects.create(tenant=tenant, name="Bench Boat", capacity=12)
    start = timezone.now() + timedelta(days=10)
    booking = Booking(
        tenant=tenant,
        boat=boat,
        external_reference="B-1",
        guest_name="G",
        party_size=4,
        start=start,
        end=start + timedelta(hours=4),
        gross_amount=Decimal("500.00"),
    )
    booking_save(booking=booking, service="bench")
    Role.objects.create(name="Captain", slug="captain")
    member = CrewMember.objects.create(name="Cap", email="cap@example.com")
    member.tenants.add(tenant)

    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {key}"}

    def body(logistics: str) -> str:
        crew = [{"crew_member": member.pk, "role": "captain", "paid_hours": "4"}]
        return json.dumps({"booking": booking.pk, "logistics": logistics, "assignments": crew})

    changing = [body("Parking lot A"), body("Parking lot B")]
    unchanged = body("Parking lot A")
    refused = json.dumps({"booking": "not-an-id"})

    def post(data: str, status: int) -> None:
        r = client.post("/api/events", data=data, content_type="application/json", headers=headers)
        assert r.status_code == status, r.content

    kinds = {
        "POST /api/events, every request updates the event": lambda i: post(changing[i % 2], 200),
        "POST /api/events, same body (reads, no write)": lambda i: post(unchanged, 200),
        "POST /api/events, refused after auth (400, no database)": lambda i: post(refused, 400),
    }

    def trivial(i: int) -> None:
        assert client.get("/api/health").status_code == 200

    t0 = time.perf_counter()
    post(unchanged, 200)  # the first request pays bcrypt
    t_first = time.perf_counter() - t0
    for i in range(20):  # warm every path
        for fn in (*kinds.values(), trivial):
            fn(i)

    def timed(fn) -> list[float]:
        out = []
        for i in range(args.requests):
            t = time.perf_counter()
            fn(i)
            out.append(time.perf_counter() - t)
        return out

    print(
        f"bcrypt cost {args.rounds}: hashpw {t_hash * 1000:.0f} ms; first authenticated request {t_first * 1000:.0f} ms"
    )
    for label, fn in kinds.items():
        # Each measured right next to its own baseline so drift on a noisy machine hits both.
        auth_times, trivial_times = timed(fn), timed(trivial)
        a, b = sum(auth_times), sum(trivial_times)
        print(f"{args.requests} x {label}: {a:.2f} s (median {statistics.median(auth_times) * 1000:.2f} ms)")
        print(
            f"{args.requests} x unauthenticated GET /api/health: {b:.2f} s (median {statistics.median(trivial_times) * 1000:.2f} ms)"
        )
        print(f"  ratio: {a / b:.2f} (target <= 1.5)")
    print(f"bcrypt on every request would have added ~{t_hash * args.requests:.0f} s per {args.requests} requests")


if __name__ == "__main__":
    main()
