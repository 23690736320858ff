"""The admin home's "Needs attention": what staff must fix, for their own brands only, at a constant query cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking
from bookings.services import booking_save
from crew.models import Assignment, Credential, CredentialKind, TimeOff
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign, local, role, staff_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
HOME = reverse("admin:index")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def office(client, tenant):
    client.force_login(staff_user(tenant, username="queen-office"))
    return client


@pytest.fixture
def overrider(tenant):
    """Staff allowed to save over a clash (staff_user holds every bookings permission)."""
    return staff_user(tenant, username="queen-manager")


def kind(slug: str) -> CredentialKind:
    return CredentialKind.objects.get(slug=slug)  # seeded by the migration


def written_around(first: Booking, guest_name: str) -> Booking:
    """A second booking of the same boat two hours later, from before the rules, as an upgrade leaves it:
    saved straight to the table and marked by the migration (PostgreSQL's constraint refuses it unmarked)."""
    booking = Booking(
        tenant=first.tenant,
        boat=first.boat,
        source=Booking.Source.DIRECT,
        guest_name=guest_name,
        party_size=4,
        start=first.start + timedelta(hours=2),
        end=first.end + timedelta(hours=2),
        gross_amount=Decimal("500.00"),
        conflict_override_reason="Already clashing when availability checks arrived (migration 0004).",
    )
    booking.save()
    return booking


def saved_over(first: Booking, guest_name: str, actor) -> Booking:
    booking = Booking(
        tenant=first.tenant,
        boat=first.boat,
        source=Booking.Source.DIRECT,
        guest_name=guest_name,
        party_size=4,
        start=first.start + timedelta(hours=1),
        end=first.end + timedelta(hours=1),
        gross_amount=Decimal("500.00"),
    )
    booking_save(booking=booking, actor=actor, override_reason="Swapping to the sister boat")
    return booking


def double_booked(member, booking: Booking) -> Assignment:
    """Put ``member`` on ``booking`` although they are on another charter then (around ``assignment_save``)."""
    return Assignment.objects.create(
        event=booking.crew_event,
        crew_member=member,
        role=role("deckhand"),
        hourly_rate=Decimal("25.00"),
        paid_hours=Decimal("4"),
    )


def panel(client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="needs-attention"')
    return html[start : html.index("</div>", start)]


def href(name: str, pk: int) -> str:
    return f'href="{reverse(name, args=[pk])}"'


def line(shown: str, *texts: str) -> str:
    """The one list item holding every one of ``texts``."""
    [found] = [li for li in shown.split("<li")[1:] if all(t in li for t in texts)]
    return found


def test_the_home_page_lists_clashes_overrides_and_credentials_with_links_to_fix_them(office, tenant, overrider):
    first = BookingFactory(
        tenant=tenant,
        boat=BoatFactory(tenant=tenant, name="Sea Breeze"),
        guest_name="Ada Early",
        start=local(tenant, 2026, 12, 5, 10, 0),
    )
    second = written_around(first, "Bo Overlap")
    held = BookingFactory(
        tenant=tenant,
        boat=BoatFactory(tenant=tenant, name="Harbor Light"),
        guest_name="Cy Holder",
        start=local(tenant, 2026, 12, 6, 10, 0),
    )
    override = saved_over(held, "Di Override", overrider)
    maya = CrewMemberFactory(name="Maya Captain", tenants=[tenant])
    lapsed = Credential.objects.create(
        crew_member=maya, kind=kind("medical-certificate"), expires_on=TODAY - timedelta(days=3)
    )
    lapsing = Credential.objects.create(
        crew_member=maya, kind=kind("uscg-license"), expires_on=TODAY + timedelta(days=20)
    )

    shown = panel(office)

    assert "Needs attention" in shown and "Queen of San Diego" in shown
    pair = line(shown, "Ada Early", "Bo Overlap")
    assert "Boat double-booked" in pair and "Sea Breeze" in pair
    assert (
        href("admin:bookings_booking_change", first.pk) in pair
        or href("admin:bookings_booking_change", second.pk) in pair
    )
    saved = line(shown, "Swapping to the sister boat")
    assert "Di Override" in saved
    assert (
        href("admin:bookings_booking_change", override.pk) in saved
        or href("admin:bookings_booking_change", held.pk) in saved
    )
    gone = line(shown, "Maya Captain: Medical certificate lapsed on Nov 28")
    assert "Credential lapsed" in gone and href("admin:crew_credential_change", lapsed.pk) in gone
    soon = line(shown, "Maya Captain: USCG license expires in 20 day(s)")
    assert "Credential expiring" in soon and href("admin:crew_credential_change", lapsing.pk) in soon


def test_a_renewed_credential_is_not_listed(office, tenant):
    maya = CrewMemberFactory(name="Maya Captain", tenants=[tenant])
    old = Credential.objects.create(crew_member=maya, kind=kind("cpr-first-aid"), expires_on=TODAY + timedelta(days=10))
    Credential.objects.create(crew_member=maya, kind=kind("cpr-first-aid"), expires_on=TODAY + timedelta(days=730))

    shown = panel(office)

    assert "CPR/first aid" not in shown
    assert href("admin:crew_credential_change", old.pk) not in shown


def test_nothing_to_report_says_so(office, tenant):
    BookingFactory(tenant=tenant)  # a charter, and nothing wrong with it

    shown = panel(office)

    assert "Needs attention" in shown
    assert "Nothing: today's and tomorrow's charters are ready, no clashes" in shown


# --- brands stay apart -----------------------------------------------------------------------------


@pytest.fixture
def two_brands(tenant, other_tenant):
    """A charter of each brand at the same hour, a shared crew member on both, and trouble in brand B."""
    ours = BookingFactory(
        tenant=tenant,
        boat=BoatFactory(tenant=tenant, name="Sea Breeze"),
        guest_name="Ada Early",
        start=local(tenant, 2026, 12, 5, 10, 0),  # 18:00 UTC
    )
    theirs = BookingFactory(
        tenant=other_tenant,
        boat=BoatFactory(tenant=other_tenant, name="Conch Republic"),
        guest_name="Theirs Guest",
        start=local(other_tenant, 2026, 12, 5, 12, 0),  # 17:00 UTC: the earlier of the two
    )
    written_around(theirs, "Theirs Overlap")
    only_theirs = CrewMemberFactory(name="Only Theirs", tenants=[other_tenant])
    Credential.objects.create(crew_member=only_theirs, kind=kind("uscg-license"), expires_on=TODAY - timedelta(days=3))
    pat = CrewMemberFactory(name="Pat Shared", tenants=[tenant, other_tenant])
    assign(ours, pat, "deckhand", "25.00", "5")
    double_booked(pat, theirs)
    return ours, theirs


def test_staff_never_see_another_brands_items(office, two_brands):
    shown = panel(office)

    for theirs in ("Theirs Guest", "Theirs Overlap", "Conch Republic", "Only Theirs", "Key West Sunsets"):
        assert theirs not in shown


def test_a_shared_crew_members_clash_shows_without_the_other_brands_guest_or_boat(office, two_brands):
    shown = panel(office)

    assert "Crew member double-booked" in shown
    assert "Pat Shared" in shown and "another brand&#x27;s charter" in shown and "Sea Breeze" in shown
    assert "Theirs Guest" not in shown and "Conch Republic" not in shown


def test_a_shared_crew_members_clash_links_to_the_staffs_own_charter(office, two_brands):
    ours, theirs = two_brands

    shown = panel(office)

    assert href("admin:bookings_booking_change", theirs.pk) not in shown
    assert href("admin:bookings_booking_change", ours.pk) in shown


# --- cost ------------------------------------------------------------------------------------------


def add_items(tenant, overrider, start_day: int, count: int) -> None:
    """Per day, all written around the rules: a boat double-booked, a booking saved over a clash, a lapsed
    credential, and a deckhand on both charters (a crew clash) while away and without the CPR deckhands need."""
    role("deckhand").required_credential_kinds.add(kind("cpr-first-aid"))
    for day in range(start_day, start_day + count):
        first = BookingFactory(tenant=tenant, boat=BoatFactory(tenant=tenant), start=local(tenant, 2026, 12, day, 9, 0))
        written_around(first, f"Overlap {day}")
        held = BookingFactory(tenant=tenant, boat=BoatFactory(tenant=tenant), start=local(tenant, 2026, 12, day, 9, 0))
        saved_over(held, f"Override {day}", overrider)
        member = CrewMemberFactory(tenants=[tenant])
        Credential.objects.create(
            crew_member=member, kind=kind("medical-certificate"), expires_on=TODAY - timedelta(days=3)
        )
        double_booked(member, first)
        double_booked(member, held)
        TimeOff.objects.create(crew_member=member, start=first.start - timedelta(hours=1), end=first.end)


def test_the_home_page_query_count_does_not_grow_with_the_items(
    office, tenant, overrider, django_assert_max_num_queries
):
    add_items(tenant, overrider, start_day=5, count=2)
    with CaptureQueriesContext(connection) as few:
        # The override is a double booking too (marked overridden): two per day.
        assert panel(office).count("Boat double-booked") == 4
    add_items(tenant, overrider, start_day=7, count=8)

    with django_assert_max_num_queries(len(few.captured_queries)):
        shown = panel(office)

    assert shown.count("Boat double-booked") == 20
    assert shown.count("Swapping to the sister boat") == 10  # each override once
    assert shown.count("Credential lapsed") == 10
    assert shown.count("Crew member double-booked") == 10
    assert shown.count("Crew member away") == 20
    assert shown.count("Credential missing") == 20
