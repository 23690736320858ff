"""Who did it: staff, service and command actors on history rows, visible per object in the admin."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bookings.models import Booking, CalendarEntry
from crew.models import CrewEvent
from tests.bookings.test_admin import booking_form_data
from tests.factories import BookingFactory, staff_user

pytestmark = pytest.mark.django_db


def history_url(model, pk) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_history", args=[pk])


def history_form_url(model, pk, history_id) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history", args=[pk, history_id])


def test_staff_edits_are_recorded_with_the_staff_user(client, tenant):
    booking = BookingFactory(tenant=tenant)
    user = staff_user(tenant, username="dana")
    client.force_login(user)
    url = reverse("admin:bookings_booking_change", args=[booking.pk])
    data = booking_form_data(booking, guest_name="Jordan Renamed")
    for inline in client.get(url).context["inline_admin_formsets"]:  # whatever inlines the page has now
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0"}
    response = client.post(url, data)
    assert response.status_code == 302
    latest = Booking.history.filter(id=booking.pk).latest()
    assert latest.guest_name == "Jordan Renamed"
    assert latest.history_user == user
    assert latest.history_actor == "staff:dana"


def test_history_page_shows_the_actor_column(client, tenant, settings):
    settings.DASHBOARD_TOKEN = "tok"
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123"))
    body = {"tenant": "queen", "title": "Blackout", "start": "2026-04-01T00:00:00Z", "end": "2026-04-02T00:00:00Z"}
    created = client.post(
        "/api/calendar/entries", json.dumps(body), content_type="application/json", headers={"X-Dashboard-Token": "tok"}
    )
    entry = CalendarEntry.objects.get(pk=created.json()["id"])
    booking = BookingFactory(tenant=tenant)
    for model, pk in ((CalendarEntry, entry.pk), (Booking, booking.pk), (CrewEvent, booking.crew_event.pk)):
        page = client.get(history_url(model, pk))
        assert page.status_code == 200
        html = page.content.decode()
        assert "actor" in html.lower()
    entry_page = client.get(history_url(CalendarEntry, entry.pk)).content.decode()
    assert "service:dashboard" in entry_page


def test_staff_of_one_brand_get_no_history_of_another_brands_objects(client, tenant, other_tenant):
    mine = BookingFactory(tenant=tenant)
    theirs = BookingFactory(tenant=other_tenant)
    client.force_login(staff_user(tenant, username="dana"))
    assert client.get(history_url(Booking, mine.pk)).status_code == 200
    targets = [
        (Booking, theirs.pk, Booking.history.filter(id=theirs.pk).latest().history_id),
        (
            CalendarEntry,
            theirs.calendar_entry.pk,
            CalendarEntry.history.filter(id=theirs.calendar_entry.pk).latest().history_id,
        ),
        (CrewEvent, theirs.crew_event.pk, CrewEvent.history.filter(id=theirs.crew_event.pk).latest().history_id),
    ]
    for model, pk, history_id in targets:
        page = client.get(history_url(model, pk))
        assert page.status_code in (403, 404), model
        assert theirs.guest_name not in page.content.decode()
        assert client.get(history_form_url(model, pk, history_id)).status_code in (403, 404), model


def test_deleted_objects_history_stays_scoped(client, tenant, other_tenant):
    theirs = BookingFactory(tenant=other_tenant)
    pk = theirs.pk
    theirs.delete()
    client.force_login(staff_user(tenant, username="dana"))
    assert client.get(history_url(Booking, pk)).status_code in (403, 404)
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client.force_login(boss)
    assert client.get(history_url(Booking, pk)).status_code == 200


def test_superuser_sees_every_brands_history(client, tenant, other_tenant):
    theirs = BookingFactory(tenant=other_tenant)
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123"))
    assert client.get(history_url(Booking, theirs.pk)).status_code == 200
    assert client.get(history_url(CrewEvent, theirs.crew_event.pk)).status_code == 200
