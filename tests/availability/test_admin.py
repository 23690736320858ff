"""Availability in the admin: refusals on the form with a link, overrides, crew rows and the crew choice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, CalendarEntry
from crew.models import Assignment, Credential, CredentialKind, CrewEvent, TimeOff
from outbox.models import Effect
from tests.bookings.test_admin import booking_form_data, management_form
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign, local, role

pytestmark = pytest.mark.django_db


def unsaved(tenant, boat, start, **extra) -> Booking:
    return Booking(
        tenant=tenant,
        boat=boat,
        source="direct",
        guest_name="Riley Second",
        party_size=4,
        start=start,
        end=start + timedelta(hours=3),
        gross_amount=Decimal("500.00"),
        **extra,
    )


def add(client, booking: Booking, **overrides):
    return client.post(reverse("admin:bookings_booking_add"), booking_form_data(booking, **overrides))


def change(client, booking: Booking, **overrides):
    data = booking_form_data(booking, **overrides)
    event = CrewEvent.objects.get(booking=booking)
    rows = list(Assignment.objects.filter(event=event).order_by("pk"))
    data.update(management_form("assignments", total=len(rows), initial=len(rows)))
    for i, a in enumerate(rows):
        data.update(row(i, a.crew_member, a.role, pk=a.pk, event=event.pk, status=a.status))
    return client.post(reverse("admin:bookings_booking_change", args=[booking.pk]), data), data


def row(i, member, role_, *, pk="", event="", status="invited", hours="3") -> dict:
    return {
        f"assignments-{i}-id": str(pk),
        f"assignments-{i}-event": str(event),
        f"assignments-{i}-crew_member": str(member.pk),
        f"assignments-{i}-role": str(role_.pk),
        f"assignments-{i}-hourly_rate": "25.00",
        f"assignments-{i}-paid_hours": hours,
        f"assignments-{i}-status": status,
    }


def test_the_form_shows_the_clash_with_a_link_and_saves_nothing(client, plain_staff, tenant, boat, first):
    client.force_login(plain_staff)
    response = add(client, unsaved(tenant, boat, local(tenant, 2026, 12, 5, 12, 0)))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Queen of San Diego is already booked then: Jordan Guest · Boatsetter BS-1001" in body
    assert reverse("admin:bookings_booking_change", args=[first.pk]) in body
    assert Booking.objects.count() == 1
    assert 'name="override_reason"' not in body  # no permission: no way around it


def test_staff_with_the_permission_save_over_a_clash_with_a_reason(client, manager, tenant, boat, first):
    client.force_login(manager)
    refused = add(client, unsaved(tenant, boat, local(tenant, 2026, 12, 5, 12, 0)))
    assert refused.status_code == 200
    assert "To save anyway, say why here" in refused.content.decode()
    saved = add(client, unsaved(tenant, boat, local(tenant, 2026, 12, 5, 12, 0)), override_reason="Boat swap arranged")
    assert saved.status_code == 302
    second = Booking.objects.get(guest_name="Riley Second")
    assert second.conflict_override_reason == "Boat swap arranged"
    record = second.history.latest()
    assert record.history_user == manager and record.conflict_override_reason == "Boat swap arranged"
    changelist = client.get(reverse("admin:bookings_booking_changelist") + "?override=yes").content.decode()
    assert "⚠ override" in changelist and "Riley Second" in changelist and "Jordan Guest" not in changelist


def test_a_forged_override_from_staff_without_the_permission_is_ignored(client, plain_staff, tenant, boat, first):
    client.force_login(plain_staff)
    response = add(client, unsaved(tenant, boat, local(tenant, 2026, 12, 5, 12, 0)), override_reason="sneaky")
    assert response.status_code == 200
    assert Booking.objects.count() == 1


def test_a_new_crew_row_for_someone_busy_elsewhere_is_refused_on_the_row(client, plain_staff, tenant, boat, first):
    sam = CrewMemberFactory(name="Sam Deck", tenants=[tenant])
    elsewhere = BookingFactory(
        tenant=tenant,
        guest_name="Other Party",
        start=local(tenant, 2026, 12, 5, 13, 30),
        end=local(tenant, 2026, 12, 5, 16, 0),
    )
    assign(elsewhere, sam, "deckhand", "25", "3")
    client.force_login(plain_staff)
    effects = Effect.objects.count()
    data = booking_form_data(first)
    event = CrewEvent.objects.get(booking=first)
    data.update(management_form("assignments", total=1))
    data.update(row(0, sam, role("deckhand"), event=event.pk))
    response = client.post(reverse("admin:bookings_booking_change", args=[first.pk]), data)
    assert response.status_code == 200
    body = response.content.decode()
    # 13:00 end and 13:30 start: closer than the hour of travel between charters.
    assert "Sam Deck is on" in body and "Other Party" in body
    assert not Assignment.objects.filter(event=event).exists()
    assert Effect.objects.count() == effects


def test_moving_a_booking_checks_the_crew_already_aboard(client, plain_staff, tenant, boat, first):
    maya = CrewMemberFactory(name="Maya Captain", tenants=[tenant])
    assign(first, maya, "captain", "50", "3")
    later = BookingFactory(tenant=tenant, guest_name="Evening Party", start=local(tenant, 2026, 12, 5, 18, 0))
    assign(later, maya, "captain", "50", "3")
    client.force_login(plain_staff)
    response, _ = change(client, first, start_1="17:00:00", end_1="19:00:00")
    assert response.status_code == 200
    assert "Maya Captain is on" in response.content.decode()
    first.refresh_from_db()
    assert first.local_start().hour == 10


def test_moving_a_booking_and_removing_the_busy_captain_in_one_save_works(client, plain_staff, tenant, boat, first):
    maya = CrewMemberFactory(name="Maya Captain", tenants=[tenant])
    mine = assign(first, maya, "captain", "50", "3")
    later = BookingFactory(tenant=tenant, guest_name="Evening Party", start=local(tenant, 2026, 12, 5, 18, 0))
    assign(later, maya, "captain", "50", "3")
    client.force_login(plain_staff)
    data = booking_form_data(first, start_1="17:00:00", end_1="19:00:00")
    data.update(management_form("assignments", total=1, initial=1))
    data.update(row(0, maya, role("captain"), pk=mine.pk, event=mine.event_id))
    data["assignments-0-DELETE"] = "on"
    response = client.post(reverse("admin:bookings_booking_change", args=[first.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    first.refresh_from_db()
    assert first.local_start().hour == 17
    assert not Assignment.objects.filter(pk=mine.pk).exists()


def test_the_crew_choice_lists_free_and_qualified_people_first(client, plain_staff, tenant, boat, first):
    license_ = CredentialKind.objects.get(slug="uscg-license")
    role("captain").required_credential_kinds.add(license_)
    free = CrewMemberFactory(name="Free Fran", tenants=[tenant])
    free.roles.add(role("deckhand"))
    unlicensed = CrewMemberFactory(name="Unlicensed Ulla", tenants=[tenant])
    unlicensed.roles.add(role("captain"))
    away = CrewMemberFactory(name="Away Ari", tenants=[tenant])
    TimeOff.objects.create(
        crew_member=away, start=first.start - timedelta(days=1), end=first.end + timedelta(days=1), note="private"
    )
    licensed = CrewMemberFactory(name="Licensed Lou", tenants=[tenant])
    licensed.roles.add(role("captain"))
    Credential.objects.create(
        crew_member=licensed, kind=license_, expires_on=timezone.localdate() + timedelta(days=400)
    )
    client.force_login(plain_staff)
    body = client.get(reverse("admin:bookings_booking_change", args=[first.pk])).content.decode()
    available = body.index('<optgroup label="Available">')
    missing = body.index('<optgroup label="Available, a credential missing">')
    busy = body.index('<optgroup label="Busy or away">')
    assert available < body.index("Free Fran") < missing
    assert available < body.index("Licensed Lou") < missing
    assert missing < body.index("Unlicensed Ulla · has no USCG license on file (needed as captain)") < busy
    assert busy < body.index("Away Ari · is away")
    assert "private" not in body[busy:]


def test_a_block_over_a_charter_is_refused_in_the_calendar_admin(client, plain_staff, tenant, boat, first):
    client.force_login(plain_staff)
    data = {
        "tenant": tenant.pk,
        "kind": "maintenance",
        "boat": boat.pk,
        "title": "Engine service",
        "start_0": "2026-12-05",
        "start_1": "08:00",
        "end_0": "2026-12-05",
        "end_1": "18:00",
        "status": "active",
    }
    response = client.post(reverse("admin:bookings_calendarentry_add"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Queen of San Diego is booked then: Jordan Guest · Boatsetter BS-1001" in body
    assert not CalendarEntry.objects.filter(title="Engine service").exists()
    data["start_0"] = data["end_0"] = "2026-12-06"
    assert client.post(reverse("admin:bookings_calendarentry_add"), data).status_code == 302
    entry = CalendarEntry.objects.get(title="Engine service")
    assert entry.boat == boat and entry.created_by_user == plain_staff
    refused = add(client, unsaved(tenant, boat, local(tenant, 2026, 12, 6, 9, 0)))
    assert "is blocked then: maintenance “Engine service”" in refused.content.decode()
    assert reverse("admin:bookings_calendarentry_change", args=[entry.pk]) in refused.content.decode()


def test_a_turnaround_that_would_make_bookings_clash_is_refused_on_the_boat_page(
    client, plain_staff, tenant, boat, first
):
    BookingFactory(tenant=tenant, boat=boat, guest_name="Afternoon", start=local(tenant, 2026, 12, 5, 14, 0))
    client.force_login(plain_staff)
    data = {
        "tenant": tenant.pk,
        "name": boat.name,
        "capacity": boat.capacity,
        "default_meeting_point": "",
        "turnaround_minutes": "120",
    }
    response = client.post(reverse("admin:bookings_boat_change", args=[boat.pk]), data)
    assert response.status_code == 200
    assert "With 120 minutes of turnaround, Jordan Guest" in response.content.decode()
    boat.refresh_from_db()
    assert boat.turnaround_minutes == 30


def test_a_weather_owed_booking_offers_a_rebooking_prefilled(client, plain_staff, tenant, boat, first):
    first.status = Booking.Status.WEATHER_OWED
    first.save()
    client.force_login(plain_staff)
    body = client.get(reverse("admin:bookings_booking_change", args=[first.pk])).content.decode()
    assert "Rebook this charter" in body
    add_page = client.get(reverse("admin:bookings_booking_add") + f"?rebooking_of={first.pk}&guest_name=Jordan+Guest")
    assert add_page.status_code == 200
    assert add_page.context["adminform"].form.initial["rebooking_of"] == str(first.pk)


def test_a_rebooking_must_point_at_a_weather_owed_charter(client, plain_staff, tenant, boat, first):
    client.force_login(plain_staff)
    response = add(
        client, unsaved(tenant, BoatFactory(tenant=tenant), local(tenant, 2026, 12, 9, 10, 0)), rebooking_of=first.pk
    )
    assert response.status_code == 200
    assert "not weather-owed" in response.content.decode()
