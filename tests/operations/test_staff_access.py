"""Giving someone staff access is one step; a brand's infrastructure settings are for superusers only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from bookings.models import Booking, Tenant
from tests.factories import BookingFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client):
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123"))
    return client


def add(client, **overrides):
    data = {
        "username": "newdeck",
        "first_name": "Nia",
        "last_name": "Office",
        "email": "nia@example.com",
        "password1": "a-long-pass-phrase-42",
        "password2": "a-long-pass-phrase-42",
        "group": "Brand staff",
        **overrides,
    }
    return client.post(reverse("operations:staff_add"), data)


def test_the_migration_made_the_two_groups_with_the_right_powers():
    staff = set(Group.objects.get(name="Brand staff").permissions.values_list("codename", flat=True))
    manager = set(Group.objects.get(name="Brand manager").permissions.values_list("codename", flat=True))
    assert {"add_booking", "change_booking", "view_booking", "add_timeoff", "change_crewevent"} <= staff
    assert "override_conflict" not in staff and "delete_booking" not in staff and "change_boat" not in staff
    assert {"override_conflict", "delete_booking", "change_boat"} <= manager and staff <= manager
    # Guest messages and undeliverable addresses: staff read them; deleting a suppression is a superuser's call.
    assert {"view_message", "view_suppression"} <= staff
    assert not {"delete_suppression", "change_message"} & manager


def test_a_superuser_adds_a_staff_member_who_then_sees_only_their_brand(boss, client, tenant, other_tenant):
    BookingFactory(tenant=tenant, guest_name="Ours Guest")
    BookingFactory(tenant=other_tenant, guest_name="Theirs Guest")
    response = add(boss, brands=[tenant.pk])
    assert response.status_code == 302
    nia = get_user_model().objects.get(username="newdeck")
    assert nia.is_staff and not nia.is_superuser
    assert list(nia.tenants.all()) == [tenant]
    assert nia.has_perm("bookings.change_booking") and not nia.has_perm("bookings.override_conflict")
    client.logout()
    assert client.login(username="newdeck", password="a-long-pass-phrase-42")
    listing = client.get(reverse("admin:bookings_booking_changelist")).content.decode()
    assert "Ours Guest" in listing and "Theirs Guest" not in listing
    assert Booking.objects.count() == 2


def test_a_manager_may_save_over_a_clash(boss, tenant):
    assert add(boss, brands=[tenant.pk], group="Brand manager", username="mgr").status_code == 302
    assert get_user_model().objects.get(username="mgr").has_perm("bookings.override_conflict")


def test_bad_input_is_shown_on_the_form_and_creates_nobody(boss, tenant):
    response = add(boss, brands=[], password2="different-42-phrase", group="Superuser")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"brands", "password2", "group"} <= set(errors)
    assert not get_user_model().objects.filter(username="newdeck").exists()


def test_staff_without_user_permissions_cannot_add_staff(client, tenant):
    client.force_login(staff_user(tenant))
    assert client.get(reverse("operations:staff_add")).status_code == 403


def test_brand_infrastructure_settings_are_for_superusers_only(client, tenant):
    staff = staff_user(tenant, username="deskstaff")
    staff.user_permissions.add(*Permission.objects.filter(codename="change_tenant"))
    client.force_login(staff)
    page = client.get(reverse("admin:bookings_tenant_change", args=[tenant.pk])).content.decode()
    for field in ("s3_bucket", "cloudfront_distribution_id", "sender_email", "guest_domain"):
        assert f'name="{field}"' not in page
    client.post(
        reverse("admin:bookings_tenant_change", args=[tenant.pk]),
        {
            "name": tenant.name,
            "slug": tenant.slug,
            "timezone": tenant.timezone,
            "upload_window_hours_after_end": 24,
            "s3_bucket": "someone-elses-bucket",
        },
    )
    tenant.refresh_from_db()
    assert tenant.s3_bucket != "someone-elses-bucket"
    boss = Client()
    boss.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123"))
    assert 'name="s3_bucket"' in boss.get(reverse("admin:bookings_tenant_change", args=[tenant.pk])).content.decode()
    assert Tenant.objects.count() == 1
