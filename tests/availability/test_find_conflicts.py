"""find_conflicts: the clashes the data already holds, listed, and exit 1 when there are any."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bookings.models import Booking, CalendarEntry
from bookings.services import booking_save
from crew.models import Assignment, CredentialKind, TimeOff
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign, local, role

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("find_conflicts", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing(*args) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("find_conflicts", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue() + str(caught.value)


@pytest.fixture
def now(tenant):
    import time_machine

    with time_machine.travel(local(tenant, 2026, 12, 1, 9, 0), tick=False):
        yield


def test_clean_data_exits_zero(tenant, boat, now):
    BookingFactory(tenant=tenant, boat=boat)
    out, _ = run()
    assert "0 conflict(s)" in out


def test_an_overridden_double_booking_is_listed_with_its_reason(tenant, boat, manager, now):
    first = BookingFactory(tenant=tenant, boat=boat, guest_name="Jordan Guest", external_reference="BS-1")
    second = Booking(
        tenant=tenant,
        boat=boat,
        guest_name="Riley Second",
        external_reference="BS-2",
        party_size=2,
        start=first.start + timedelta(hours=1),
        end=first.end,
        gross_amount=Decimal("100"),
    )
    booking_save(booking=second, actor=manager, override_reason="Swap to Little Queen")
    text = failing()
    assert "Boat double-booked: Queen of San Diego: Jordan Guest · Boatsetter BS-1" in text
    assert "Riley Second · Boatsetter BS-2" in text
    assert f"#{first.pk}, #{second.pk}" in text
    assert "(overridden: Swap to Little Queen)" in text
    assert "1 conflict(s)" in text


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL's exclusion constraint refuses the write")
def test_a_double_booking_written_straight_to_the_database_is_found(tenant, boat, now):
    first = BookingFactory(tenant=tenant, boat=boat, guest_name="Jordan Guest")
    Booking(
        tenant=tenant,
        boat=boat,
        guest_name="Raw Write",
        party_size=2,
        start=first.end,  # inside the turnaround
        end=first.end + timedelta(hours=2),
        gross_amount=Decimal("100"),
    ).save()
    assert "Raw Write" in failing()


def test_bookings_in_blocks_double_booked_crew_time_off_and_missing_credentials(tenant, other_tenant, boat, now):
    morning = BookingFactory(
        tenant=tenant, boat=boat, guest_name="Jordan Guest", start=local(tenant, 2026, 12, 5, 10, 0)
    )
    CalendarEntry.objects.create(  # around the rules: straight to the database
        tenant=tenant, boat=boat, kind="maintenance", title="Engine", start=morning.start, end=morning.end
    )
    maya = CrewMemberFactory(name="Maya Captain", tenants=[tenant, other_tenant])
    assign(morning, maya, "captain", "50", "3")
    theirs = BookingFactory(
        tenant=other_tenant, guest_name="Their Guest", start=local(other_tenant, 2026, 12, 5, 14, 0)
    )
    Assignment.objects.create(
        event=theirs.crew_event, crew_member=maya, role=role("captain"), hourly_rate=50, paid_hours=3
    )
    sam = CrewMemberFactory(name="Sam Deck", tenants=[tenant])
    assign(morning, sam, "deckhand", "25", "5")
    TimeOff.objects.create(crew_member=sam, start=morning.start - timedelta(days=1), end=morning.end)
    role("captain").required_credential_kinds.add(CredentialKind.objects.get(slug="uscg-license"))

    text = failing()
    assert "Booking inside a block: Queen of San Diego: Jordan Guest" in text and "maintenance “Engine”" in text
    assert "Crew member double-booked: Maya Captain:" in text and "Their Guest" in text  # operators see all
    assert "Crew member away: Sam Deck is away" in text
    assert "Credential missing: Maya Captain has no valid USCG license" in text
    # One brand at a time: the crew clash touches both; the block is Queen's only.
    keywest = failing("--tenant", "keywest")
    assert "Maya Captain" in keywest and "Booking inside a block" not in keywest


def test_since_looks_back_and_the_default_starts_now(tenant, boat, manager, now):
    first = BookingFactory(tenant=tenant, boat=boat, start=local(tenant, 2026, 11, 20, 10, 0))
    second = Booking(
        tenant=tenant,
        boat=boat,
        guest_name="Past Clash",
        party_size=2,
        start=first.start,
        end=first.end,
        gross_amount=Decimal("100"),
    )
    booking_save(booking=second, actor=manager, override_reason="history")
    out, _ = run()
    assert "0 conflict(s)" in out
    assert "Past Clash" in failing("--since", "2026-11-01")


def test_an_unknown_brand_is_an_error(db):
    with pytest.raises(CommandError, match="No brand"):
        run("--tenant", "nope")


def test_the_finder_costs_the_same_queries_for_10_and_200_bookings(tenant, django_assert_max_num_queries, now):
    from django.test.utils import CaptureQueriesContext

    from bookings.conflicts import find_conflicts

    boats = [BoatFactory(tenant=tenant) for _ in range(4)]
    crew = [CrewMemberFactory(tenants=[tenant]) for _ in range(4)]

    def make(n, offset):
        for i in range(n):
            day = local(tenant, 2026, 12, 10, 10, 0) + timedelta(days=offset + i // 4)
            b = BookingFactory(tenant=tenant, boat=boats[i % 4], start=day)
            assign(b, crew[i % 4], "deckhand", "25", "3")

    make(10, 0)
    with CaptureQueriesContext(connection) as few:
        find_conflicts()
    make(200, 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert find_conflicts() == []
