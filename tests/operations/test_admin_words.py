"""The admin in the staff's words and clock: start filters that look ahead, side effects that say who and what,
empty inlines that say so, times in the brand's zone with the zone shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.factories import BookingFactory, CrewMemberFactory, assign, local, staff_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)  # Sat Dec 5, 08:00 in San Diego


@pytest.fixture
def office(client, tenant):
    client.force_login(staff_user(tenant))
    return client


@pytest.fixture
def week(tenant):
    with time_machine.travel(NOW, tick=False):
        yield {
            "yesterday": BookingFactory(
                tenant=tenant, guest_name="Yesterday Guest", start=local(tenant, 2026, 12, 4, 10, 0)
            ),
            "today": BookingFactory(tenant=tenant, guest_name="Today Guest", start=local(tenant, 2026, 12, 5, 18, 0)),
            "tomorrow": BookingFactory(
                tenant=tenant, guest_name="Tomorrow Guest", start=local(tenant, 2026, 12, 6, 9, 0)
            ),
            "friday": BookingFactory(tenant=tenant, guest_name="Friday Guest", start=local(tenant, 2026, 12, 11, 9, 0)),
            "later": BookingFactory(tenant=tenant, guest_name="Later Guest", start=local(tenant, 2026, 12, 20, 9, 0)),
        }


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        ("today", {"Today Guest"}),
        ("tomorrow", {"Tomorrow Guest"}),
        ("next7", {"Today Guest", "Tomorrow Guest", "Friday Guest"}),
        ("upcoming", {"Today Guest", "Tomorrow Guest", "Friday Guest", "Later Guest"}),
        ("past", {"Yesterday Guest"}),
    ],
)
def test_the_booking_list_filters_by_start_forwards(office, week, when, shown):
    with time_machine.travel(NOW, tick=False):
        response = office.get(reverse("admin:bookings_booking_changelist") + f"?when={when}")
    names = {b.guest_name for b in response.context["cl"].result_list}
    assert names == shown


def test_side_effects_say_who_and_what_and_empty_photos_say_so(office, tenant):
    booking = BookingFactory(tenant=tenant)
    assign(booking, CrewMemberFactory(name="Maya Torres", tenants=[tenant]), "captain", "50", "3")
    html = office.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert "Email the crew invitation to Maya Torres (captain)" in html
    assert "Publish the guest page" in html
    assert "No photos yet" in html


def test_times_on_a_booking_page_are_the_brands_with_the_zone(office, other_tenant, client):
    from tests.factories import staff_user as make_staff

    client.force_login(make_staff(other_tenant, username="keywest"))
    with time_machine.travel(datetime(2026, 12, 1, 15, 30, tzinfo=UTC), tick=False):
        booking = BookingFactory(tenant=other_tenant)
    html = client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert "Dec 1, 2026, 10:30 EST" in html  # created at, on Key West's clock
    assert "Brand:" in html and "Tenant:" not in html
