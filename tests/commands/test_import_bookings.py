"""import_bookings: create or update by (brand, source, reference), bad rows reported by number, nothing half-done."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from bookings.models import Booking, CalendarEntry
from guestpages.models import GuestPage
from outbox.models import Effect
from tests.factories import BoatFactory, TenantFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "samples" / "boatsetter_bookings.csv"
HEADER = "external_reference,boat,guest_name,party_size,service_date,start_time,end_time,gross_amount\n"


def run(path, *args, **kwargs) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_bookings", "--source", "boatsetter", str(path), *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def csv_file(tmp_path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def demo_brands(db):
    queen = TenantFactory(slug="queen-of-san-diego", timezone="America/Los_Angeles")
    keywest = TenantFactory(slug="key-west-sunsets", timezone="America/New_York")
    BoatFactory(tenant=queen, name="Queen of San Diego", capacity=12)
    BoatFactory(tenant=queen, name="Little Queen", capacity=6)
    BoatFactory(tenant=keywest, name="Sunset Chaser", capacity=20)
    return queen, keywest


def test_the_sample_file_imports_in_the_brands_local_time(demo_brands):
    out, err = run(SAMPLE, "--publish-past")  # the sample's charters (summer 2026) are over
    assert "5 created, 0 updated, 0 unchanged, 0 skipped" in out, err
    first = Booking.objects.get(external_reference="BS-2026-0001")
    assert first.start == datetime(2026, 7, 4, 17, 0, tzinfo=UTC)  # 10:00 PDT
    assert first.gross_amount == Decimal("1240.00") and first.platform_fee == Decimal("186.00")
    evening = Booking.objects.get(external_reference="BS-2026-0002")
    assert evening.local_start().hour == 18 and evening.local_start().minute == 30
    overnight = Booking.objects.get(external_reference="BS-2026-0003")
    assert overnight.local_end().date().day == 12 and overnight.local_end().hour == 0  # past midnight
    assert Booking.objects.get(external_reference="BS-2026-0102").status == Booking.Status.CANCELLED
    keywest = Booking.objects.get(external_reference="BS-2026-0101")
    assert keywest.start == datetime(2026, 8, 1, 21, 30, tzinfo=UTC)  # 17:30 EDT
    # The same services as the admin: calendar entry, crew event, guest page, outbox.
    assert CalendarEntry.objects.filter(booking__isnull=False).count() == 5
    assert GuestPage.objects.count() == 5
    assert Booking.history.filter(history_type="+").values_list("history_actor", flat=True).distinct().get() == (
        "command:import_bookings"
    )


def test_running_the_same_file_again_changes_nothing(demo_brands):
    run(SAMPLE)
    history, effects = Booking.history.count(), Effect.objects.count()
    out, _ = run(SAMPLE)
    assert "0 created, 0 updated, 5 unchanged, 0 skipped" in out
    assert (Booking.history.count(), Effect.objects.count()) == (history, effects)


def test_a_changed_row_updates_the_booking(demo_brands, tmp_path):
    run(SAMPLE)
    text = SAMPLE.read_text().replace('"$1,240.00"', "1300.00")
    path = tmp_path / "changed.csv"
    path.write_text(text)
    out, _ = run(path)
    assert "0 created, 1 updated, 4 unchanged" in out
    assert Booking.objects.get(external_reference="BS-2026-0001").gross_amount == Decimal("1300.00")
    assert Booking.objects.filter(external_reference="BS-2026-0001").count() == 1


def test_bad_rows_are_reported_by_number_and_skipped_after_the_good_ones_import(tenant, boats, tmp_path):
    path = csv_file(
        tmp_path,
        [
            "R-1,Queen of San Diego,Good One,4,2026-06-01,10:00,14:00,500.00",  # row 2
            "R-2,Queen of San Diego,No Date,4,,10:00,14:00,500.00",  # row 3
            "R-3,Queen of San Diego,Bad Amount,4,2026-06-01,10:00,14:00,five hundred",  # row 4
            "R-4,Yellow Submarine,Unknown Boat,4,2026-06-01,10:00,14:00,500.00",  # row 5
            "R-5,Queen of San Diego,DST Gap,4,2026-03-08,02:30,05:00,500.00",  # row 6: 02:30 never happens
            "R-6,Little Queen,Too Many,9,2026-06-01,10:00,14:00,500.00",  # row 7: boat carries 6
            "R-7,Little Queen,Split,2,2026-06-02,10:00,14:00,$1,000.00",  # row 8: unquoted comma, one field too many
            "R-8,Little Queen,Good Three,2,2026-06-02,10:00,14:00,250",  # row 9
        ],
    )
    with pytest.raises(CommandError) as excinfo:
        run(path, "--tenant", "queen")
    message = str(excinfo.value)
    assert "rows 3, 4, 5, 6, 7, 8" in message
    assert set(Booking.objects.values_list("external_reference", flat=True)) == {"R-1", "R-8"}


def test_each_bad_row_names_its_reason(tenant, boats, tmp_path):
    path = csv_file(
        tmp_path,
        [
            "R-2,Queen of San Diego,No Date,4,,10:00,14:00,500.00",
            "R-3,Queen of San Diego,Bad Amount,4,2026-06-01,10:00,14:00,12.345",
            "R-4,Yellow Submarine,Unknown Boat,4,2026-06-01,10:00,14:00,500.00",
        ],
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_bookings",
            "--source",
            "boatsetter",
            "--tenant",
            "queen",
            str(path),
            stdout=io.StringIO(),
            stderr=err,
        )
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("row 2:") and "service date" in lines[0]
    assert lines[1].startswith("row 3:") and "gross_amount" in lines[1]
    assert lines[2].startswith("row 4:") and "unknown boat" in lines[2]


def test_a_row_that_fails_half_way_leaves_nothing_behind(tenant, boats, tmp_path, monkeypatch):
    from guestpages import signals

    real = signals.guest_page_schedule_publish

    def flaky(*, booking, reason):
        if booking.guest_name == "Unlucky":
            raise DatabaseError("disk full")
        return real(booking=booking, reason=reason)

    monkeypatch.setattr(signals, "guest_page_schedule_publish", flaky)
    path = csv_file(
        tmp_path,
        [
            "R-1,Queen of San Diego,Unlucky,4,2026-06-01,10:00,14:00,500.00",
            "R-2,Queen of San Diego,Fine,4,2026-06-02,10:00,14:00,500.00",
        ],
    )
    with pytest.raises(CommandError, match="rows 2"):
        run(path, "--tenant", "queen", "--publish-past")  # past charters: the guest page only when asked
    assert list(Booking.objects.values_list("guest_name", flat=True)) == ["Fine"]
    assert not CalendarEntry.objects.filter(title__contains="Unlucky").exists()
    assert not Booking.history.filter(guest_name="Unlucky").exists()


def test_dry_run_saves_nothing_but_still_reports_bad_rows(tenant, boats, tmp_path):
    path = csv_file(
        tmp_path,
        [
            "R-1,Queen of San Diego,Good,4,2026-06-01,10:00,14:00,500.00",
            "R-2,Queen of San Diego,Bad,4,2026-06-01,10:00,14:00,x",
        ],
    )
    with pytest.raises(CommandError, match="rows 3"):
        out, _ = run(path, "--tenant", "queen", "--dry-run")
    assert not Booking.objects.exists()
    out, _ = run(
        csv_file(tmp_path, ["R-1,Queen of San Diego,Good,4,2026-06-01,10:00,14:00,500.00"]),
        "--tenant",
        "queen",
        "--dry-run",
    )
    assert "Dry run: 1 would be created" in out
    assert not Booking.objects.exists()


def test_missing_columns_stop_before_any_row(tenant, boats, tmp_path):
    path = csv_file(tmp_path, ["R-1,Queen of San Diego,4"], header="external_reference,boat,party_size\n")
    with pytest.raises(CommandError, match="missing column"):
        run(path, "--tenant", "queen")
    with pytest.raises(CommandError, match="tenant"):
        run(csv_file(tmp_path, ["R-1,Queen of San Diego,Good,4,2026-06-01,10:00,14:00,500.00"]))
    assert not Booking.objects.exists()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(tenant, boats, tmp_path):
    path = csv_file(tmp_path, ["R-1,Queen of San Diego,Good,4,2026-06-01,10:00,14:00,500.00"])
    tty = Terminal()
    call_command("import_bookings", "--source", "boatsetter", "--tenant", "queen", str(path), stdout=tty)
    assert "import: " in tty.getvalue() and "row" in tty.getvalue()
    plain = io.StringIO()
    call_command("import_bookings", "--source", "boatsetter", "--tenant", "queen", str(path), stdout=plain)
    assert "import: " not in plain.getvalue() and "\r" not in plain.getvalue()
