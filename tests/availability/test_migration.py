"""Upgrading a database that already holds double bookings: the migration marks them, never moves or deletes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("bookings", "0002_booking_reference_lookup")]
AFTER = [("bookings", "0005_availability_constraint")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_clashes_are_marked_for_staff_and_occupancy_filled_in():
    old = migrate(BEFORE)
    Tenant, Boat, Booking = (old.get_model("bookings", m) for m in ("Tenant", "Boat", "Booking"))
    tenant = Tenant.objects.create(
        name="Q", slug="q", guest_domain="q.example.com", s3_bucket="q", sender_email="q@example.com"
    )
    boat = Boat.objects.create(tenant=tenant, name="Queen", capacity=10)
    start = dt.datetime(2026, 12, 5, 18, 0, tzinfo=dt.UTC)

    def booking(ref, hours_from_start, length=3, status="confirmed"):
        s = start + dt.timedelta(hours=hours_from_start)
        return Booking.objects.create(
            tenant=tenant,
            boat=boat,
            external_reference=ref,
            guest_name=ref,
            party_size=2,
            start=s,
            end=s + dt.timedelta(hours=length),
            gross_amount=100,
            status=status,
        )

    first = booking("first", 0)
    overlapping = booking("overlapping", 1)
    in_turnaround = booking("in-turnaround", 3.25)  # starts 15 minutes after first ends
    clear = booking("clear", 10)
    cancelled = booking("cancelled", 0, status="cancelled")
    try:
        new = migrate(AFTER)
        Booking = new.get_model("bookings", "Booking")
        rows = {b.external_reference: b for b in Booking.objects.all()}
        assert rows["first"].occupied_until == first.end + dt.timedelta(minutes=30)
        assert rows["first"].conflict_override_reason == ""
        assert rows["clear"].conflict_override_reason == ""
        assert rows["cancelled"].conflict_override_reason == ""
        assert "Already clashing when availability checks arrived" in rows["overlapping"].conflict_override_reason
        assert "Already clashing" in rows["in-turnaround"].conflict_override_reason
        assert Booking.objects.count() == 5  # nothing moved or deleted
        del overlapping, in_turnaround, clear, cancelled
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
