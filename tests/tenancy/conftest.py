"""Two brands with names found nowhere else on a page, and their staff."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, TenantFactory, assign, local, staff_user

# Four days before the charters below (2026-12-05 in San Diego).
BEFORE_CHARTER = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def admin_url(model, view, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(BEFORE_CHARTER, tick=False) as traveller:
        yield traveller


@pytest.fixture
def brand_a(db):
    return TenantFactory(
        name="Alphasail Charters",
        slug="alpha",
        guest_domain="alphasail.example",
        s3_bucket="alphasail-guest-pages",
        cloudfront_distribution_id="EALPHA00001",
        sender_email="crew@alphasail.example",
    )


@pytest.fixture
def brand_b(db):
    return TenantFactory(
        name="Zebrawave Yachts",
        slug="zebra",
        guest_domain="zebrawave.example",
        s3_bucket="zebrawave-guest-pages",
        cloudfront_distribution_id="EZEBRA00002",
        sender_email="crew@zebrawave.example",
        timezone="America/New_York",
    )


@pytest.fixture
def staff_a(brand_a):
    return staff_user(brand_a, username="alpha-staff")


@pytest.fixture
def staff_a_client(staff_a):
    client = Client()
    client.force_login(staff_a)
    return client


@pytest.fixture
def staff_ab_client(brand_a, brand_b):
    client = Client()
    client.force_login(staff_user(brand_a, brand_b, username="both-staff"))
    return client


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123"))
    return client


@pytest.fixture
def shared(brand_a, brand_b, frozen):
    """A deckhand who works for both brands, on one charter of each (brand B's has a gate code)."""
    member = CrewMemberFactory(
        name="Casey Shared", email="casey@example.com", phone="+16195550111", tenants=[brand_a, brand_b]
    )
    a_booking = BookingFactory(
        tenant=brand_a, boat=BoatFactory(tenant=brand_a, name="Alpha Petrel"), guest_name="Alpha Guest"
    )
    b_booking = BookingFactory(
        tenant=brand_b,
        boat=BoatFactory(tenant=brand_b, name="Zebra Narwhal"),
        guest_name="Zebra Guest",
        start=local(brand_b, 2026, 12, 6, 10, 0),
    )
    b_booking.crew_event.gate_code = "9911#"
    b_booking.crew_event.save()
    a_assignment = assign(a_booking, member, "deckhand", "25.00", "5")
    b_assignment = assign(b_booking, member, "deckhand", "25.00", "5")
    return type(
        "Shared",
        (),
        {"member": member, "a": a_assignment, "b": b_assignment, "a_booking": a_booking, "b_booking": b_booking},
    )
