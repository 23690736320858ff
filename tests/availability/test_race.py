"""Two writers at once, on two real database connections: exactly one booking (or assignment) is saved.

On PostgreSQL ``booking_save`` locks the boat row before it checks, so the second
writer waits and then sees the first booking; a writer that skips the service
meets the exclusion constraint. On SQLite every transaction takes the write lock
at BEGIN (IMMEDIATE), so the second writer starts only after the first committed.
The CI runs this file on both.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction

from bookings import availability
from bookings.availability import ConflictError
from bookings.models import Booking
from bookings.services import booking_save
from crew.models import Assignment, CrewEvent
from crew.services import assignment_save, crew_event_ensure
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, TenantFactory, local, role
from tests.support import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks to observe")


def in_thread(name: str, work, results: dict) -> threading.Thread:
    """Run ``work`` on its own database connection; keep what it returned or raised."""

    def run():
        try:
            results[name] = work()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each writer got
            results[name] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def booking(tenant, boat, start, name) -> Booking:
    return Booking(
        tenant=tenant,
        boat=boat,
        guest_name=name,
        party_size=2,
        start=start,
        end=start + timedelta(hours=3),
        gross_amount=Decimal("100.00"),
    )


@pytest.fixture
def place(db):
    tenant = TenantFactory(slug="queen")
    return tenant, BoatFactory(tenant=tenant, name="Queen of San Diego")


@pytest.mark.parametrize("round_", range(6))
def test_two_overlapping_saves_at_once_end_with_exactly_one(place, round_):
    tenant, boat = place
    start = local(tenant, 2026, 12, 5, 10, 0) + timedelta(days=round_)
    gate = threading.Barrier(2)
    results: dict = {}

    def writer(name, offset):
        def work():
            gate.wait(timeout=30)
            return booking_save(booking=booking(tenant, boat, start + timedelta(minutes=offset), name))

        return work

    threads = [in_thread("a", writer("a", 0), results), in_thread("b", writer("b", 60), results)]
    for t in threads:
        t.join(timeout=60)
    assert Booking.objects.filter(boat=boat).count() == 1
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["BookingChange", "ConflictError"], results


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@postgres_only
def test_the_second_writer_waits_for_the_boat_lock_then_sees_the_first(place, monkeypatch):
    """The worst interleaving, forced: A has checked and not yet saved when B arrives."""
    tenant, boat = place
    start = local(tenant, 2026, 12, 5, 10, 0)
    checked, go = threading.Event(), threading.Event()
    real = availability.booking_clashes

    def check_then_pause(b):
        found = real(b)
        if threading.current_thread().name == "a":
            checked.set()
            go.wait(timeout=30)
        return found

    monkeypatch.setattr(availability, "booking_clashes", check_then_pause)
    results: dict = {}
    a = in_thread("a", lambda: booking_save(booking=booking(tenant, boat, start, "First")), results)
    wait_until(checked.is_set, what="A to pass its check")
    b = in_thread("b", lambda: booking_save(booking=booking(tenant, boat, start, "Second")), results)
    wait_until(waiting_on_a_lock, what="B to wait for the boat's row lock")
    go.set()
    a.join(timeout=30)
    b.join(timeout=30)
    assert isinstance(results["b"], ConflictError) and "First" in results["b"].messages[0]
    assert list(Booking.objects.values_list("guest_name", flat=True)) == ["First"]


@postgres_only
def test_writers_that_skip_the_service_meet_the_exclusion_constraint(place):
    tenant, boat = place
    start = local(tenant, 2026, 12, 5, 10, 0)
    inserted, go = threading.Event(), threading.Event()
    results: dict = {}

    def raw_a():
        with transaction.atomic():
            booking(tenant, boat, start, "Raw A").save()
            inserted.set()
            go.wait(timeout=30)

    def raw_b():
        with transaction.atomic():
            booking(tenant, boat, start + timedelta(hours=2), "Raw B").save()  # inside A's turnaround

    a = in_thread("a", raw_a, results)
    wait_until(inserted.is_set, what="A's insert")
    b = in_thread("b", raw_b, results)
    wait_until(waiting_on_a_lock, what="B to wait on A's uncommitted row")
    go.set()
    a.join(timeout=30)
    b.join(timeout=30)
    assert isinstance(results["b"], IntegrityError) and "booking_no_overlap_per_boat" in str(results["b"])
    assert list(Booking.objects.values_list("guest_name", flat=True)) == ["Raw A"]


@postgres_only
def test_the_constraint_spares_overrides_and_cancelled_bookings(place):
    tenant, boat = place
    start = local(tenant, 2026, 12, 5, 10, 0)
    booking(tenant, boat, start, "First").save()
    cancelled = booking(tenant, boat, start, "Cancelled")
    cancelled.status = Booking.Status.CANCELLED
    cancelled.save()
    overridden = booking(tenant, boat, start, "Overridden")
    overridden.conflict_override_reason = "swap"
    overridden.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        booking(tenant, boat, start, "Plain").save()


@pytest.mark.parametrize("round_", range(4))
def test_one_crew_member_assigned_to_two_charters_at_once_gets_one(place, round_):
    tenant, boat = place
    start = local(tenant, 2026, 12, 5, 10, 0) + timedelta(days=round_)
    maya = CrewMemberFactory(name="Maya Captain", tenants=[tenant])
    captain = role("captain")
    events = [
        crew_event_ensure(booking=BookingFactory(tenant=tenant, boat=b, start=start))
        for b in (boat, BoatFactory(tenant=tenant))
    ]
    gate = threading.Barrier(2)
    results: dict = {}

    def writer(event: CrewEvent):
        def work():
            gate.wait(timeout=30)
            return assignment_save(
                assignment=Assignment(
                    event=event, crew_member=maya, role=captain, hourly_rate=Decimal("50"), paid_hours=Decimal("3")
                )
            )

        return work

    threads = [in_thread(f"w{i}", writer(e), results) for i, e in enumerate(events)]
    for t in threads:
        t.join(timeout=60)
    assert Assignment.objects.filter(crew_member=maya).count() == 1
    assert sorted(type(r).__name__ for r in results.values()) == ["Assignment", "ConflictError"], results
