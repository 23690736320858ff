"""Writes of the operations app: giving someone staff access in one step."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from bookings.models import Tenant

STAFF_GROUPS = ("Brand staff", "Brand manager")


@transaction.atomic
def staff_member_add(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    brands: list[Tenant],
    group_name: str,
):
    """A staff login for ``brands`` with one of the preset groups (made by a migration)."""
    if group_name not in STAFF_GROUPS:
        raise ValueError(f"Not a staff group: {group_name}")
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, first_name=first_name, last_name=last_name, is_staff=True
    )
    user.groups.add(Group.objects.get(name=group_name))
    for brand in brands:
        brand.staff.add(user)
    return user
