"""The export URL on the boat's admin page, and regenerating it: confirm, POST with CSRF, scoped to the brand."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from bookings.models import Boat
from tests.factories import BoatFactory, staff_user
from tests.marketplaces.export_support import feed_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def boat(tenant):
    return BoatFactory(tenant=tenant, name="Sea Breeze")


def office(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def change_url(boat) -> str:
    return reverse("admin:bookings_boat_change", args=[boat.pk])


def regenerate_url(boat) -> str:
    return reverse("admin:bookings_boat_export_regenerate", args=[boat.pk])


def csrf_token(client: Client, page_url: str = "/admin/") -> str:
    """The CSRF token of the forms on an admin page (every one has at least the log-out form)."""
    page = client.get(page_url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def csrf_post(client: Client, url: str, page_url: str):
    """POST the way the browser does from ``page_url``: with the CSRF token of the form on it."""
    return client.post(url, {"csrfmiddlewaretoken": csrf_token(client, page_url)})


def test_the_boat_page_shows_the_absolute_url_read_only_and_a_regenerate_button(tenant, boat):
    page = office(staff_user(tenant)).get(change_url(boat)).content.decode()
    url = f"https://ops.example.com/feeds/boats/{boat.export_token}.ics"
    field = re.search(r'<input type="text" id="export-calendar-url"[^>]*>', page).group(0)
    assert f'value="{url}"' in field and "readonly" in field
    assert f'href="{regenerate_url(boat)}"' in page
    assert Client().get(url.removeprefix("https://ops.example.com")).status_code == 200


def test_saving_the_boat_keeps_the_token(tenant, boat):
    """The token is not a form field: a crafted POST cannot set it, a save does not change it."""
    client = office(staff_user(tenant))
    before = boat.export_token
    page = client.get(change_url(boat)).content.decode()
    # Whatever inlines the page carries (marketplace feeds), posted unchanged.
    management = dict(re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d*)"', page))
    data = {
        **management,
        "csrfmiddlewaretoken": csrf_token(client, change_url(boat)),
        "tenant": tenant.pk,
        "name": "Sea Breeze II",
        "capacity": 12,
        "default_meeting_point": "Dock C",
        "turnaround_minutes": 30,
        "export_token": "chosen-by-attacker",
    }
    assert client.post(change_url(boat), data).status_code == 302
    boat.refresh_from_db()
    assert boat.name == "Sea Breeze II" and boat.export_token == before


def test_regenerate_asks_first_then_revokes_the_old_url(tenant, boat):
    client = office(staff_user(tenant))
    old_token, old_path = boat.export_token, feed_path(boat)
    confirm = client.get(regenerate_url(boat))
    assert confirm.status_code == 200
    assert "stops working as soon as you confirm" in confirm.content.decode()
    boat.refresh_from_db()
    assert boat.export_token == old_token  # GET changes nothing

    response = csrf_post(client, regenerate_url(boat), regenerate_url(boat))
    assert response.status_code == 302 and response["Location"] == change_url(boat)
    boat.refresh_from_db()
    assert boat.export_token != old_token and len(boat.export_token) >= 43
    assert Client().get(old_path).status_code == 404
    assert Client().get(feed_path(boat)).status_code == 200
    page = client.get(change_url(boat)).content.decode()
    assert "Sea Breeze has a new export calendar URL; the old one no longer works." in page
    assert boat.export_token in page and old_token not in page


def test_regenerate_needs_the_csrf_token_and_a_post(tenant, boat):
    client = office(staff_user(tenant))
    before = boat.export_token
    assert client.post(regenerate_url(boat)).status_code == 403  # no CSRF token
    assert client.put(regenerate_url(boat)).status_code in (403, 405)
    boat.refresh_from_db()
    assert boat.export_token == before


def test_staff_of_another_brand_cannot_see_or_regenerate(tenant, other_tenant, boat):
    client = office(staff_user(other_tenant, username="keywest"))
    before = boat.export_token
    assert client.get(change_url(boat)).status_code in (302, 404)
    assert client.get(regenerate_url(boat)).status_code == 404
    assert client.post(regenerate_url(boat), {"csrfmiddlewaretoken": csrf_token(client)}).status_code == 404
    boat.refresh_from_db()
    assert boat.export_token == before


def test_staff_who_may_only_view_boats_see_the_url_but_cannot_regenerate(tenant, boat):
    viewer = get_user_model().objects.create_user(username="viewer", password="pw-viewer-123", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_boat"))
    tenant.staff.add(viewer)
    client = office(viewer)
    page = client.get(change_url(boat)).content.decode()
    assert boat.export_token in page
    assert regenerate_url(boat) not in page
    assert client.get(regenerate_url(boat)).status_code == 403
    before = boat.export_token
    assert client.post(regenerate_url(boat), {"csrfmiddlewaretoken": csrf_token(client)}).status_code == 403
    assert Boat.objects.get(pk=boat.pk).export_token == before


def test_the_add_page_says_the_url_comes_after_saving(tenant):
    page = office(staff_user(tenant)).get(reverse("admin:bookings_boat_add")).content.decode()
    assert "Given after saving." in page
