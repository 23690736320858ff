"""Calendar fixtures: a brand with two boats, charters, another brand's charter, and its staff."""

from __future__ import annotations

import pytest
from django.test import Client

from bookings.models import CalendarEntry
from crew.models import Assignment
from tests.factories import BoatFactory, BookingFactory, ChecklistFactory, CrewMemberFactory, assign, local, staff_user


@pytest.fixture
def boat(tenant):
    return BoatFactory(tenant=tenant, name="Queen of San Diego", capacity=12, turnaround_minutes=30)


@pytest.fixture
def small_boat(tenant):
    return BoatFactory(tenant=tenant, name="Little Tern", capacity=4, turnaround_minutes=30)


@pytest.fixture
def charter(tenant, boat):
    """Jordan Guest on the Queen, Sat Dec 5 10:00-13:00 PST, a captain who accepted, 1 of 2 checklist items done,
    a deckhand invited and one who declined."""
    ChecklistFactory(boat=boat, items=["Fuel checked", "Life jackets counted"])
    booking = BookingFactory(
        tenant=tenant,
        boat=boat,
        guest_name="Jordan Guest",
        external_reference="BS-1001",
        party_size=6,
        start=local(tenant, 2026, 12, 5, 10, 0),
        end=local(tenant, 2026, 12, 5, 13, 0),
    )
    captain = assign(booking, CrewMemberFactory(name="Maya Captain", tenants=[tenant]), "captain", "50", "3")
    Assignment.objects.filter(pk=captain.pk).update(status=Assignment.Status.ACCEPTED)
    assign(booking, CrewMemberFactory(name="Sam Deck", tenants=[tenant]), "deckhand", "25", "3")
    declined = assign(booking, CrewMemberFactory(name="Lee Deck", tenants=[tenant]), "deckhand", "25", "3")
    Assignment.objects.filter(pk=declined.pk).update(status=Assignment.Status.DECLINED)
    booking.crew_event.checklist_items.filter(text="Fuel checked").update(done=True)
    return booking


@pytest.fixture
def later(tenant, boat):
    """Riley Sunset on the Queen the same day, 15:00-18:00 PST."""
    return BookingFactory(
        tenant=tenant,
        boat=boat,
        guest_name="Riley Sunset",
        external_reference="BS-1002",
        start=local(tenant, 2026, 12, 5, 15, 0),
        end=local(tenant, 2026, 12, 5, 18, 0),
    )


@pytest.fixture
def elsewhere(other_tenant):
    """Key West Sunsets' own charter, boat, block and crew: staff of the Queen must never see them."""
    boat = BoatFactory(tenant=other_tenant, name="Conch Republic")
    booking = BookingFactory(
        tenant=other_tenant,
        boat=boat,
        guest_name="Secret Keywest Guest",
        start=local(other_tenant, 2026, 12, 5, 10, 0),
        end=local(other_tenant, 2026, 12, 5, 13, 0),
    )
    CalendarEntry.objects.create(
        tenant=other_tenant,
        kind=CalendarEntry.Kind.BLACKOUT,
        title="Keywest hurricane drill",
        start=local(other_tenant, 2026, 12, 6, 9, 0),
        end=local(other_tenant, 2026, 12, 6, 12, 0),
    )
    member = CrewMemberFactory(name="Keywest Only Crew", tenants=[other_tenant])
    return type("Elsewhere", (), {"boat": boat, "booking": booking, "member": member})


@pytest.fixture
def office(tenant):
    return staff_user(tenant, username="office")


@pytest.fixture
def office_client(office):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    return client
