"""Bad input gets a clear message on the field and nothing is saved."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.models import Booking, CalendarEntry
from bookings.services import booking_save
from crew.models import Assignment, Role
from outbox.models import Effect
from tests.bookings.test_admin import booking_form_data, inline_row
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def new_booking(tenant, **fields):
    boat = fields.pop("boat", None) or BoatFactory(tenant=tenant, capacity=8)
    start = local(tenant, 2026, 8, 1, 10, 0)
    values = dict(
        tenant=tenant,
        boat=boat,
        source="boatsetter",
        external_reference="BS-BAD-1",
        guest_name="Guest",
        party_size=4,
        start=start,
        end=start + timedelta(hours=4),
        gross_amount=Decimal("500.00"),
        platform_fee=Decimal("50.00"),
        port_tax_rate=Decimal("10.00"),
    )
    values.update(fields)
    return Booking(**values)


CASES = {
    "end before start": ({"end_0": "2026-08-01", "end_1": "09:00:00"}, "end", "must end after it starts"),
    "negative gross": ({"gross_amount": "-1.00"}, "gross_amount", "greater than or equal to 0"),
    "negative fee": ({"platform_fee": "-0.01"}, "platform_fee", "greater than or equal to 0"),
    "rate over 100%": ({"port_tax_rate": "100.01"}, "port_tax_rate", "less than or equal to 100"),
    "party over capacity": ({"party_size": "9"}, "party_size", "at most 8"),
    "time skipped by DST": (
        {"start_0": "2026-03-08", "start_1": "02:30:00", "end_0": "2026-03-08", "end_1": "06:00:00"},
        "start",
        "does not exist in America/Los_Angeles",
    ),
    "time repeated by DST": (
        {"start_0": "2026-11-01", "start_1": "01:30:00", "end_0": "2026-11-01", "end_1": "06:00:00"},
        "start",
        "happens twice",
    ),
    "fee above gross": ({"platform_fee": "600.00"}, "platform_fee", "cannot exceed the gross"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_admin_rejects_bad_booking_with_a_field_message(admin_client_, tenant, case):
    overrides, field, message = CASES[case]
    data = booking_form_data(new_booking(tenant), **overrides)
    response = admin_client_.post(reverse("admin:bookings_booking_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Booking.objects.exists()
    assert not CalendarEntry.objects.exists() and not Effect.objects.exists()


def test_duplicate_external_reference_is_refused_on_its_field(admin_client_, tenant):
    existing = BookingFactory(tenant=tenant, external_reference="BS-DUP")
    data = booking_form_data(new_booking(tenant, external_reference="BS-DUP", boat=existing.boat))
    response = admin_client_.post(reverse("admin:bookings_booking_add"), data)
    assert response.status_code == 200
    assert "already exists" in " ".join(response.context["adminform"].form.errors["external_reference"])
    assert Booking.objects.count() == 1
    # Same reference on another source or another brand is a different booking.
    BookingFactory(tenant=tenant, external_reference="BS-DUP", source="getmyboat", boat=BoatFactory(tenant=tenant))


def test_party_size_counts_the_crew_being_assigned_in_the_same_save(admin_client_, tenant):
    booking = BookingFactory(tenant=tenant, boat=BoatFactory(tenant=tenant, capacity=8), party_size=6)
    deck = Role.objects.get_or_create(slug="deckhand", defaults={"name": "Deckhand"})[0]
    data = booking_form_data(booking)
    for i in range(3):
        data.update(inline_row(i, CrewMemberFactory(tenants=[tenant]), deck))
    data["assignments-TOTAL_FORMS"] = "3"
    response = admin_client_.post(reverse("admin:bookings_booking_change", args=[booking.pk]), data)
    assert response.status_code == 200
    assert "6 guests and 3 crew is too many" in response.content.decode()
    assert not Assignment.objects.exists()


def test_party_size_over_capacity_minus_assigned_crew_in_the_service(tenant):
    booking = BookingFactory(tenant=tenant, boat=BoatFactory(tenant=tenant, capacity=8), party_size=6)
    assign(booking, CrewMemberFactory(tenants=[tenant]), "captain", "50", "3")
    booking.party_size = 8
    with pytest.raises(ValidationError) as exc:
        booking_save(booking=booking)
    assert "with 1 crew assigned the party can be at most 7" in exc.value.message_dict["party_size"][0]
    assert Booking.objects.get(pk=booking.pk).party_size == 6


def test_naive_datetimes_are_refused_by_the_service(tenant):
    booking = new_booking(tenant, start=datetime(2026, 8, 1, 10), end=datetime(2026, 8, 1, 14))
    with pytest.raises(ValidationError) as exc:
        booking_save(booking=booking)
    assert "time zone" in exc.value.message_dict["start"][0]
    assert not Booking.objects.exists()


def test_a_failure_after_the_booking_row_rolls_everything_back(tenant, monkeypatch):
    import crew.services

    def boom(**kwargs):
        raise RuntimeError("crew event write failed")

    monkeypatch.setattr(crew.services, "crew_event_ensure", boom)
    with pytest.raises(RuntimeError):
        booking_save(booking=new_booking(tenant))
    assert not Booking.objects.exists() and not CalendarEntry.objects.exists() and not Effect.objects.exists()


def test_booking_from_another_brands_boat_is_refused(tenant, other_tenant):
    with pytest.raises(ValidationError) as exc:
        booking_save(booking=new_booking(tenant, boat=BoatFactory(tenant=other_tenant)))
    assert "another brand" in exc.value.message_dict["boat"][0]
