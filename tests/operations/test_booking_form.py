"""The booking form as staff type into it: forgiving times, boats of the chosen brand, live money, the brand preselected."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.forms import FlexibleTimeField
from bookings.models import Booking
from crew.models import Assignment
from tests.bookings.test_admin import booking_form_data
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign, local, role, staff_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("9:00 AM", dt.time(9, 0)),
        ("9am", dt.time(9, 0)),
        ("9 a.m.", dt.time(9, 0)),
        ("9.30pm", dt.time(21, 30)),
        ("21:00", dt.time(21, 0)),
        ("21:00:00", dt.time(21, 0)),
        ("0930", dt.time(9, 30)),
        ("12am", dt.time(0, 0)),
        ("12:15 PM", dt.time(12, 15)),
    ],
)
def test_times_are_read_as_people_type_them(typed, expected):
    assert FlexibleTimeField().clean(typed) == expected


@pytest.mark.parametrize("typed", ["13pm", "25:00", "9:75", "noon-ish", "0am"])
def test_nonsense_times_get_a_clear_message(typed):
    with pytest.raises(ValidationError, match="Enter a time such as 9:00 AM"):
        FlexibleTimeField().clean(typed)


def test_a_booking_typed_with_9am_to_2pm_is_saved_in_the_brands_zone(client, tenant):
    client.force_login(staff_user(tenant))
    boat = BoatFactory(tenant=tenant)
    draft = Booking(
        tenant=tenant,
        boat=boat,
        source="direct",
        guest_name="Typed Guest",
        party_size=2,
        start=local(tenant, 2026, 12, 9, 9, 0),
        end=local(tenant, 2026, 12, 9, 14, 0),
        gross_amount=Decimal("100"),
    )
    data = booking_form_data(draft, start_1="9am", end_1="2:00 PM")
    assert client.post(reverse("admin:bookings_booking_add"), data).status_code == 302
    saved = Booking.objects.get(guest_name="Typed Guest")
    assert (saved.local_start().hour, saved.local_end().hour) == (9, 14)


def test_boat_options_carry_their_brand_and_single_brand_staff_get_theirs_preselected(client, tenant, other_tenant):
    mine = BoatFactory(tenant=tenant, name="Mine")
    client.force_login(staff_user(tenant))
    page = client.get(reverse("admin:bookings_booking_add"))
    html = page.content.decode()
    assert f'data-brand="{tenant.pk}"' in html and "Mine" in html
    assert page.context["adminform"].form.initial["tenant"] == tenant.pk
    both = staff_user(tenant, other_tenant, username="both")
    client.force_login(both)
    assert "tenant" not in client.get(reverse("admin:bookings_booking_add")).context["adminform"].form.initial
    del mine


def breakdown(client, data):
    return client.post(reverse("admin:bookings_booking_breakdown"), data)


def test_the_breakdown_follows_the_form_with_the_finance_code(client, worked_example):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "pw"))
    data = booking_form_data(worked_example)
    rows = list(Assignment.objects.filter(event__booking=worked_example).order_by("pk"))
    data["assignments-TOTAL_FORMS"] = str(len(rows))
    for i, a in enumerate(rows):
        data.update(
            {
                f"assignments-{i}-crew_member": a.crew_member_id,
                f"assignments-{i}-role": a.role_id,
                f"assignments-{i}-hourly_rate": str(a.hourly_rate),
                f"assignments-{i}-paid_hours": str(a.paid_hours),
                f"assignments-{i}-status": a.status,
            }
        )
    answer = breakdown(client, data).json()
    assert answer["net_to_owner"] == "289.41"  # the worked example, as saved
    data["gross_amount"] = "1,000.00"
    assert breakdown(client, data).json()["net_to_owner"] == "420.00"  # 1000 - 250 - 150 - 180.00
    data["assignments-1-status"] = "declined"  # a declined deckhand is not paid
    assert breakdown(client, data).json()["net_to_owner"] == "545.00"
    data["platform_pays_captain"] = "on"
    assert breakdown(client, data).json()["net_to_owner"] == "695.00"
    data["gross_amount"] = "lots"
    bad = breakdown(client, data)
    assert bad.status_code == 400 and bad.json()["errors"]["gross_amount"] == "Not an amount."


def test_the_breakdown_view_is_for_staff_only(client, tenant):
    response = client.post(reverse("admin:bookings_booking_breakdown"), {"gross_amount": "1"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(staff_user(tenant))
    assert client.get(reverse("admin:bookings_booking_breakdown")).status_code == 405


def test_the_booking_page_carries_the_live_breakdown_panel(client, tenant):
    booking = BookingFactory(tenant=tenant)
    assign(booking, CrewMemberFactory(tenants=[tenant]), "captain", "50", "3")
    role("deckhand")
    client.force_login(staff_user(tenant))
    html = client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert 'id="money-breakdown"' in html and "bookings/booking_form.js" in html
