"""backfill_calendar: missing entries created, drifted ones fixed, idempotent, chunked."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from bookings.models import CalendarEntry
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("backfill_calendar", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def three(tenant):
    missing, drifted, fine = (BookingFactory(tenant=tenant) for _ in range(3))
    CalendarEntry.objects.filter(booking=missing).delete()
    CalendarEntry.objects.filter(booking=drifted).update(start=drifted.start - timedelta(hours=3), title="stale")
    return missing, drifted, fine


def test_creates_missing_and_fixes_drifted_entries(three):
    missing, drifted, fine = three
    out = run("--chunk-size", "2")
    assert "1 created, 1 fixed, 1 already in step (3 bookings)" in out
    created = CalendarEntry.objects.get(booking=missing)
    assert (created.start, created.end) == (missing.start, missing.end)
    assert created.created_by_service == "backfill_calendar"
    assert created.history.get().history_actor == "command:backfill_calendar"
    fixed = CalendarEntry.objects.get(booking=drifted)
    assert fixed.start == drifted.start and fixed.title != "stale"
    assert fixed.history.latest().history_actor == "command:backfill_calendar"


def test_a_second_run_changes_nothing(three):
    run()
    history = CalendarEntry.history.count()
    assert "0 created, 0 fixed, 3 already in step" in run()
    assert CalendarEntry.history.count() == history


def test_dry_run_reports_and_saves_nothing(three):
    missing, drifted, _ = three
    out = run("--dry-run")
    assert "Dry run: would have 1 created, 1 fixed" in out
    assert not CalendarEntry.objects.filter(booking=missing).exists()
    assert CalendarEntry.objects.get(booking=drifted).title == "stale"


def test_tenant_filter(three, other_tenant):
    BookingFactory(tenant=other_tenant).calendar_entry.delete()
    assert "1 created, 1 fixed, 1 already in step (3 bookings)" in run("--tenant", "queen")
    assert "1 created, 0 fixed, 0 already in step (1 bookings)" in run("--tenant", "keywest")
