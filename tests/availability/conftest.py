"""Availability fixtures: a brand with a boat, and staff with and without the override permission."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from tests.api.conftest import _fresh_api_state, api, dashboard_token, service_key  # noqa: F401 - API fixtures
from tests.factories import BoatFactory, BookingFactory, local, staff_user


@pytest.fixture
def boat(tenant):
    return BoatFactory(tenant=tenant, name="Queen of San Diego", capacity=12, turnaround_minutes=30)


@pytest.fixture
def plain_staff(tenant):
    """Brand staff without ``bookings.override_conflict``."""
    user = staff_user(tenant, username="deckoffice")
    user.user_permissions.remove(Permission.objects.get(codename="override_conflict"))
    return user


@pytest.fixture
def manager(tenant):
    """Brand staff who may save over a clash."""
    return staff_user(tenant, username="manager")


@pytest.fixture
def first(tenant, boat):
    """Jordan Guest on the Queen, Sat Dec 5 10:00-13:00 PST (occupied until 13:30)."""
    return BookingFactory(
        tenant=tenant,
        boat=boat,
        guest_name="Jordan Guest",
        external_reference="BS-1001",
        start=local(tenant, 2026, 12, 5, 10, 0),
        end=local(tenant, 2026, 12, 5, 13, 0),
    )
