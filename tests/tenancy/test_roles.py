"""Roles and credential kinds are the operator's, for every brand: staff see and pick them, superusers edit them."""

from __future__ import annotations

import pytest

from bookings.models import Booking
from crew.models import Assignment, CredentialKind, Role
from tests.bookings.test_admin import booking_form_data, inline_row
from tests.factories import BookingFactory, CrewMemberFactory, role
from tests.tenancy.conftest import admin_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def captain():
    return role("captain")


@pytest.fixture
def uscg():
    return CredentialKind.objects.get_or_create(slug="uscg-license", defaults={"name": "USCG license"})[0]


def test_staff_cannot_add_change_or_delete_roles(staff_a_client, captain):
    assert staff_a_client.get(admin_url(Role, "add")).status_code == 403
    assert staff_a_client.post(admin_url(Role, "add"), {"name": "Mate", "slug": "mate"}).status_code == 403
    change = admin_url(Role, "change", captain.pk)
    assert staff_a_client.post(change, {"name": "Renamed", "slug": "captain"}).status_code == 403
    assert staff_a_client.post(admin_url(Role, "delete", captain.pk), {"post": "yes"}).status_code == 403
    assert Role.objects.get(pk=captain.pk).name == "Captain" and not Role.objects.filter(slug="mate").exists()
    # Staff still see the list and each role, read-only.
    assert staff_a_client.get(admin_url(Role, "changelist")).status_code == 200
    page = staff_a_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_staff_cannot_add_change_or_delete_credential_kinds(staff_a_client, uscg):
    assert staff_a_client.get(admin_url(CredentialKind, "add")).status_code == 403
    change = admin_url(CredentialKind, "change", uscg.pk)
    assert staff_a_client.post(change, {"name": "Renamed", "slug": "uscg-license"}).status_code == 403
    assert staff_a_client.post(admin_url(CredentialKind, "delete", uscg.pk), {"post": "yes"}).status_code == 403
    assert CredentialKind.objects.get(pk=uscg.pk).name == uscg.name
    assert staff_a_client.get(admin_url(CredentialKind, "changelist")).status_code == 200


def test_superuser_manages_roles(superuser_client, captain, uscg):
    response = superuser_client.post(
        admin_url(Role, "change", captain.pk),
        {"name": "Skipper", "slug": "captain", "required_credential_kinds": [uscg.pk]},
    )
    assert response.status_code == 302
    captain.refresh_from_db()
    assert captain.name == "Skipper" and list(captain.required_credential_kinds.all()) == [uscg]
    assert superuser_client.post(admin_url(Role, "add"), {"name": "Mate", "slug": "mate"}).status_code == 302


def test_staff_still_assign_roles_on_their_bookings(staff_a_client, brand_a, frozen):
    booking = BookingFactory(tenant=brand_a)
    deck = CrewMemberFactory(tenants=[brand_a])
    data = booking_form_data(booking)
    data.update(inline_row(0, deck, role("deckhand")))
    data["assignments-TOTAL_FORMS"] = "1"
    page = staff_a_client.get(admin_url(Booking, "change", booking.pk)).content.decode()
    assert "Deckhand" in page
    response = staff_a_client.post(admin_url(Booking, "change", booking.pk), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert Assignment.objects.get(event__booking=booking).role.slug == "deckhand"
