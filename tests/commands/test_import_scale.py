"""import_bookings at scale: chunked transactions, work per row that does not grow, past charters kept light."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, CalendarEntry
from bookings.selectors import bookings_by_reference
from crew.models import CrewEvent
from guestpages.models import GuestPage
from outbox.models import Effect
from tests.factories import CrewMemberFactory, assign

pytestmark = pytest.mark.django_db

HEADER = "external_reference,boat,guest_name,party_size,service_date,start_time,end_time,gross_amount\n"
BOATS = ("Queen of San Diego", "Little Queen")
SLOTS = (("08:00", "10:00"), ("11:00", "13:00"), ("14:00", "16:00"), ("17:00", "19:00"))


def charters(count: int, *, first_day: date, prefix: str, step: int = 1, name: str = "Guest") -> list[str]:
    """``count`` rows that never clash: 2 boats x 4 slots a day, from ``first_day`` (step -1: backwards)."""
    out = []
    for i in range(count):
        day = first_day + timedelta(days=step * (i // 8))
        start, end = SLOTS[(i // 2) % 4]
        out.append(f"{prefix}-{i},{BOATS[i % 2]},{name} {i},2,{day.isoformat()},{start},{end},500.00")
    return out


def csv_file(tmp_path, rows: list[str], name: str = "export.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def run(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_bookings", "--source", "boatsetter", "--tenant", "queen", str(path), *args, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def counted_run(path, *args) -> int:
    with CaptureQueriesContext(connection) as queries:
        run(path, *args)
    return len(queries)


@pytest.fixture
def today():
    return date.today()


def test_charters_that_already_ended_cost_at_most_12_queries_a_row_and_get_no_crew_event_or_guest_page(
    tenant, boats, tmp_path, today
):
    first = csv_file(tmp_path, charters(40, first_day=today - timedelta(days=2), prefix="A", step=-1), "a.csv")
    second = csv_file(tmp_path, charters(40, first_day=today - timedelta(days=8), prefix="B", step=-1), "b.csv")
    queries_first = counted_run(first)
    queries_second = counted_run(second)  # the same work with twice the bookings there
    assert queries_first / 40 <= 12, queries_first
    assert queries_second == queries_first
    assert Booking.objects.count() == 80
    assert CalendarEntry.objects.filter(booking__isnull=False).count() == 80
    assert set(Booking.history.values_list("history_actor", flat=True)) == {"command:import_bookings"}
    assert not CrewEvent.objects.exists()
    assert not GuestPage.objects.exists()
    assert not Effect.objects.exists()


def test_publish_past_gives_charters_that_ended_their_crew_event_and_guest_page(tenant, boats, tmp_path, today):
    path = csv_file(tmp_path, charters(6, first_day=today - timedelta(days=3), prefix="P", step=-1))
    out, _ = run(path, "--publish-past")
    assert "6 created" in out
    assert CrewEvent.objects.count() == 6
    assert GuestPage.objects.count() == 6
    publishes = Effect.objects.filter(kind=Effect.Kind.PUBLISH_GUEST_PAGE)
    assert sorted(publishes.values_list("target_id", flat=True)) == sorted(Booking.objects.values_list("pk", flat=True))


def test_upcoming_charters_get_crew_event_and_exactly_one_guest_page_effect_across_chunks(
    tenant, boats, tmp_path, today
):
    rows = charters(7, first_day=today + timedelta(days=30), prefix="U")
    out, _ = run(csv_file(tmp_path, rows), "--chunk-size", "3")
    assert "7 created, 0 updated, 0 unchanged, 0 skipped" in out
    assert CrewEvent.objects.count() == 7
    assert GuestPage.objects.count() == 7
    publishes = Effect.objects.filter(kind=Effect.Kind.PUBLISH_GUEST_PAGE)
    assert sorted(publishes.values_list("target_id", flat=True)) == sorted(Booking.objects.values_list("pk", flat=True))

    out, _ = run(csv_file(tmp_path, rows), "--chunk-size", "3")
    assert "0 created, 0 updated, 7 unchanged" in out
    rows[4] = rows[4].replace("Guest 4", "Guest Four")
    out, _ = run(csv_file(tmp_path, rows), "--chunk-size", "3")
    assert "0 created, 1 updated, 6 unchanged" in out
    assert publishes.count() == 7  # the page's publish still queued covers the change
    assert Booking.objects.get(external_reference="U-4").guest_name == "Guest Four"


def test_a_moved_charter_asks_its_crew_again_only_if_it_has_not_ended(tenant, boats, tmp_path, today):
    past = charters(1, first_day=today - timedelta(days=3), prefix="OLD")
    upcoming = charters(1, first_day=today + timedelta(days=20), prefix="NEW")
    run(csv_file(tmp_path, past + upcoming), "--publish-past")
    member = CrewMemberFactory(tenants=[tenant])
    for booking in Booking.objects.all():
        assign(booking, member, "deckhand", "25.00", "3")
    Effect.objects.update(status=Effect.Status.SENT)
    moved = [row.replace("08:00,10:00", "11:00,13:00") for row in past + upcoming]
    out, _ = run(csv_file(tmp_path, moved, "moved.csv"))
    assert "0 created, 2 updated" in out
    invitations = Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION, status=Effect.Status.QUEUED)
    assert [e.booking.external_reference for e in invitations] == ["NEW-0"]
    republished = Effect.objects.filter(kind=Effect.Kind.PUBLISH_GUEST_PAGE, status=Effect.Status.QUEUED)
    assert [e.booking.external_reference for e in republished] == ["NEW-0"]


def test_a_bad_row_inside_a_chunk_is_reported_by_number_and_loses_nothing_else(
    tenant, boats, tmp_path, today, monkeypatch
):
    from guestpages import signals

    real = signals.guest_page_schedule_publish

    def flaky(*, booking, reason):
        if booking.guest_name == "Unlucky":
            raise DatabaseError("disk full")
        return real(booking=booking, reason=reason)

    monkeypatch.setattr(signals, "guest_page_schedule_publish", flaky)
    day = (today + timedelta(days=10)).isoformat()
    path = csv_file(
        tmp_path,
        [
            f"R-1,Queen of San Diego,First,4,{day},10:00,13:00,500.00",  # row 2
            f"R-2,Queen of San Diego,Clashing,4,{day},12:00,14:00,500.00",  # row 3: lands on row 2
            f"R-3,Little Queen,Unlucky,2,{day},10:00,13:00,500.00",  # row 4: its guest page fails
            f"R-4,Little Queen,Bad Amount,2,{day},15:00,16:00,lots",  # row 5
            f"R-5,Little Queen,Fine,2,{day},15:00,17:00,500.00",  # row 6
        ],
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="rows 3, 4, 5"):
        call_command(
            "import_bookings", "--source", "boatsetter", "--tenant", "queen", "--chunk-size", "10", str(path),
            stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("row 3:") and "First" in lines[0]  # names the booking it lands on
    assert lines[1] == "row 4: disk full"
    assert lines[2].startswith("row 5:") and "gross_amount" in lines[2]
    assert set(Booking.objects.values_list("guest_name", flat=True)) == {"First", "Fine"}
    assert not Booking.history.filter(guest_name__in=["Clashing", "Unlucky"]).exists()
    assert not CalendarEntry.objects.filter(title__contains="Unlucky").exists()
    assert GuestPage.objects.count() == 2 and Effect.objects.count() == 2


def test_the_same_reference_twice_in_one_chunk_updates_the_booking_the_first_made(tenant, boats, tmp_path, today):
    day = (today + timedelta(days=10)).isoformat()
    path = csv_file(
        tmp_path,
        [
            f"R-1,Queen of San Diego,Avery,2,{day},10:00,13:00,500.00",
            f"R-1,Queen of San Diego,Avery,3,{day},10:00,13:00,500.00",  # the party grew: not a clash with itself
        ],
    )
    out, _ = run(path)
    assert "1 created, 1 updated" in out
    booking = Booking.objects.get()
    assert booking.party_size == 3
    assert list(booking.history.order_by("history_id").values_list("history_type", flat=True)) == ["+", "~"]


def test_a_chunk_the_database_refuses_is_written_again_row_by_row(tenant, boats, tmp_path, today, monkeypatch):
    from bookings import importing

    calls = []

    def locked_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise DatabaseError("database is locked")
        return bookings_by_reference(**kwargs)

    monkeypatch.setattr(importing, "bookings_by_reference", locked_once)
    out, err = run(csv_file(tmp_path, charters(3, first_day=today + timedelta(days=5), prefix="L")))
    assert "3 created, 0 updated, 0 unchanged, 0 skipped" in out and not err
    assert len(calls) == 4  # the chunk's lookup, then one per row
    assert Booking.objects.count() == 3 and GuestPage.objects.count() == 3


def test_dry_run_of_upcoming_charters_records_nothing(tenant, boats, tmp_path, today):
    out, _ = run(csv_file(tmp_path, charters(5, first_day=today + timedelta(days=5), prefix="D")), "--dry-run")
    assert "Dry run: 5 would be created" in out
    assert not Booking.objects.exists() and not Effect.objects.exists() and not CalendarEntry.objects.exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL's depends on its statistics")
def test_the_lookup_by_reference_uses_its_index(tenant):
    qs = bookings_by_reference(tenant_id=tenant.pk, source="boatsetter", references=["BS-1", "BS-2"])
    assert "ORDER BY" not in str(qs.query)
    assert "booking_reference_lookup" in qs.explain()
