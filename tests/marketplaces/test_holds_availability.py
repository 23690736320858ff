"""Marketplace holds in the availability rules: a hold takes its boat like a booking, a booking of its
own marketplace claims it instead, and a claimed or cancelled hold takes nothing."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from bookings.availability import ConflictError
from bookings.models import Booking, CalendarEntry
from bookings.services import booking_save
from tests.api.conftest import _fresh_api_state, api, dashboard_token  # noqa: F401 - API fixtures
from tests.bookings.test_admin import booking_form_data
from tests.factories import BoatFactory, BookingFactory, local, staff_user
from tests.marketplaces.holds_factories import HoldFactory, MarketplaceFeedFactory, hold_on

pytestmark = pytest.mark.django_db

HOLD_TEXT = "Boatsetter hold on Queen of San Diego, Mon Dec 7, 10:00–13:00 PST (+30 min turnaround)."


@pytest.fixture
def boat(tenant):
    return BoatFactory(tenant=tenant, name="Queen of San Diego", capacity=12, turnaround_minutes=30)


@pytest.fixture
def hold(boat):
    """Boatsetter lists the Queen Mon Dec 7 10:00-13:00 PST; nobody has entered the booking yet."""
    return hold_on(boat)


def new_booking(tenant, boat, start, *, source="getmyboat", hours=3, **extra) -> Booking:
    return Booking(
        tenant=tenant,
        boat=boat,
        source=source,
        guest_name="Riley Second",
        party_size=4,
        start=start,
        end=start + timedelta(hours=hours),
        gross_amount=Decimal("500.00"),
        **extra,
    )


@pytest.fixture
def plain_staff(tenant):
    user = staff_user(tenant, username="deckoffice")
    user.user_permissions.remove(Permission.objects.get(codename="override_conflict"))
    return user


# --- another marketplace's booking over a hold is refused --------------------------------------


def test_a_booking_of_another_source_over_a_hold_is_refused_on_the_admin_form(client, plain_staff, tenant, boat, hold):
    client.force_login(plain_staff)
    booking = new_booking(tenant, boat, local(tenant, 2026, 12, 7, 11, 0))
    response = client.post(reverse("admin:bookings_booking_add"), booking_form_data(booking))
    assert response.status_code == 200
    body = response.content.decode()
    assert HOLD_TEXT in body
    assert reverse("admin:bookings_calendarentry_change", args=[hold.pk]) in body and "Open that hold" in body
    assert not Booking.objects.exists()


def test_the_turnaround_after_a_hold_is_the_boats_like_after_a_booking(tenant, boat, hold):
    with pytest.raises(ConflictError) as refused:
        booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 7, 13, 15)))
    assert [c.as_json() for c in refused.value.clashes] == [
        {"kind": "hold", "message": HOLD_TEXT, "calendar_entry": hold.pk}
    ]
    booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 7, 13, 30)))  # after the turnaround
    booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 7, 6, 30)))  # ends 9:30 + 30 min
    assert Booking.objects.count() == 2


def test_staff_allowed_to_override_save_over_a_hold_with_a_reason(client, tenant, boat, hold):
    client.force_login(staff_user(tenant, username="manager"))
    booking = new_booking(tenant, boat, local(tenant, 2026, 12, 7, 11, 0))
    data = booking_form_data(booking)
    assert client.post(reverse("admin:bookings_booking_add"), data).status_code == 200
    saved = client.post(reverse("admin:bookings_booking_add"), {**data, "override_reason": "Boatsetter moves it"})
    assert saved.status_code == 302
    assert Booking.objects.get().conflict_override_reason == "Boatsetter moves it"
    hold.refresh_from_db()
    assert hold.claimed_by_id is None  # another marketplace's booking never claims it


def test_moving_a_charter_onto_a_hold_in_the_calendar_is_a_409_naming_it(tenant, boat, hold):
    booking = BookingFactory(
        tenant=tenant,
        boat=boat,
        source="getmyboat",
        start=local(tenant, 2026, 12, 7, 15, 0),
        end=local(tenant, 2026, 12, 7, 17, 0),
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user(tenant, username="office"))
    client.get(reverse("operations:calendar"))
    response = client.post(
        reverse("operations:calendar_move"),
        data=json.dumps({"booking": booking.pk, "start": "2026-12-07T11:00:00", "end": "2026-12-07T13:00:00"}),
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 409, response.content
    assert response.json()["clashes"] == [{"kind": "hold", "message": HOLD_TEXT, "calendar_entry": hold.pk}]
    booking.refresh_from_db()
    assert booking.start == local(tenant, 2026, 12, 7, 15, 0)


def post_entry(client, token, body):
    return client.post(
        "/api/calendar/entries",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-Dashboard-Token": token},
    )


def test_a_block_over_a_hold_from_the_api_is_a_409_with_the_hold(api, dashboard_token, tenant, boat, hold):  # noqa: F811
    body = {
        "tenant": tenant.slug,
        "title": "Engine service",
        "kind": "maintenance",
        "boat": boat.pk,
        "start": "2026-12-07T08:00:00-08:00",
        "end": "2026-12-07T11:00:00-08:00",
    }
    response = post_entry(api, dashboard_token, body)
    assert response.status_code == 409, response.json()
    assert response.json()["error"]["conflicts"] == [
        {
            "kind": "hold",
            "calendar_entry": hold.pk,
            "message": "Boatsetter hold on Queen of San Diego, Mon Dec 7, 10:00–13:00 PST.",
        }
    ]
    assert not CalendarEntry.objects.filter(title="Engine service").exists()


def test_nobody_posts_a_marketplace_hold_through_the_api(api, dashboard_token, tenant, boat):  # noqa: F811
    body = {
        "tenant": tenant.slug,
        "title": "Fake hold",
        "kind": "marketplace",
        "boat": boat.pk,
        "start": "2026-12-08T08:00:00-08:00",
        "end": "2026-12-08T11:00:00-08:00",
    }
    response = post_entry(api, dashboard_token, body)
    assert response.status_code == 400
    assert "marketplace feed" in response.json()["error"]["fields"]["kind"][0]
    assert not CalendarEntry.objects.filter(kind="marketplace").exists()


HEADER = "external_reference,boat,guest_name,party_size,service_date,start_time,end_time,gross_amount\n"


def test_import_bookings_refuses_the_row_over_a_hold_and_claims_with_its_own_source(tmp_path, tenant, boat, hold):
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER + "GMB-1,Queen of San Diego,Other Market,4,2026-12-07,11:00,14:00,500.00\n", encoding="utf-8"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="rows 2"):
        call_command(
            "import_bookings",
            "--source",
            "getmyboat",
            "--tenant",
            tenant.slug,
            str(path),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "row 2: " in err.getvalue() and "Boatsetter hold on Queen of San Diego" in err.getvalue()
    assert not Booking.objects.exists()

    path.write_text(HEADER + "BS-77,Queen of San Diego,Same Market,4,2026-12-07,10:00,13:00,500.00\n", encoding="utf-8")
    call_command("import_bookings", "--source", "boatsetter", "--tenant", tenant.slug, str(path), stdout=io.StringIO())
    hold.refresh_from_db()
    assert hold.claimed_by == Booking.objects.get(external_reference="BS-77")


# --- a booking of the hold's own marketplace claims it ------------------------------------------


def test_a_booking_of_the_holds_source_claims_it_and_the_claimed_hold_blocks_nothing(tenant, boat, hold):
    mine = new_booking(tenant, boat, local(tenant, 2026, 12, 7, 10, 0), source="boatsetter", external_reference="BS-9")
    booking_save(booking=mine)
    hold.refresh_from_db()
    assert hold.claimed_by == mine
    # Only the booking takes the boat now: another marketplace's booking is refused by it, not by the hold.
    with pytest.raises(ConflictError) as refused:
        booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 7, 11, 0)))
    assert [c.kind for c in refused.value.clashes] == ["booking"]
    assert refused.value.clashes[0].booking_id == mine.pk


def test_the_claim_prefers_the_reference_then_the_most_overlap(tenant, boat):
    feed = MarketplaceFeedFactory(boat=boat, source="boatsetter")
    early = HoldFactory(feed=feed, start=local(tenant, 2026, 12, 7, 9, 0), end=local(tenant, 2026, 12, 7, 11, 0))
    most = HoldFactory(feed=feed, start=local(tenant, 2026, 12, 7, 10, 30), end=local(tenant, 2026, 12, 7, 13, 0))
    named = HoldFactory(
        feed=feed,
        external_reference="BS-55",
        start=local(tenant, 2026, 12, 7, 12, 45),
        end=local(tenant, 2026, 12, 7, 13, 0),
    )
    # With the reference: that hold, however little it overlaps; the others are other charters.
    with pytest.raises(ConflictError) as refused:
        booking_save(
            booking=new_booking(
                tenant, boat, local(tenant, 2026, 12, 7, 10, 0), source="boatsetter", external_reference="BS-55"
            )
        )
    assert {c.entry_id for c in refused.value.clashes} == {early.pk, most.pk}
    CalendarEntry.objects.filter(pk__in=[early.pk, named.pk]).update(status=CalendarEntry.Status.CANCELLED)
    # Without one: the hold it overlaps most.
    booking = new_booking(tenant, boat, local(tenant, 2026, 12, 7, 10, 0), source="boatsetter")
    booking_save(booking=booking)
    most.refresh_from_db()
    assert most.claimed_by == booking


def test_a_cancelled_hold_blocks_nothing_and_is_not_claimed(tenant, boat, hold):
    CalendarEntry.objects.filter(pk=hold.pk).update(status=CalendarEntry.Status.CANCELLED)
    booking = new_booking(tenant, boat, local(tenant, 2026, 12, 7, 10, 0))
    booking_save(booking=booking)
    same = new_booking(tenant, BoatFactory(tenant=tenant), local(tenant, 2026, 12, 7, 10, 0), source="boatsetter")
    booking_save(booking=same)
    hold.refresh_from_db()
    assert hold.claimed_by_id is None


def test_a_hold_on_another_boat_does_not_block_this_one(tenant, boat, hold):
    other = BoatFactory(tenant=tenant, name="Little Tern")
    booking_save(booking=new_booking(tenant, other, local(tenant, 2026, 12, 7, 10, 0)))
    assert Booking.objects.count() == 1


def test_cancelling_the_booking_lets_go_of_the_hold_which_blocks_again(tenant, boat, hold):
    mine = new_booking(tenant, boat, local(tenant, 2026, 12, 7, 10, 0), source="boatsetter")
    booking_save(booking=mine)
    mine.status = Booking.Status.CANCELLED
    booking_save(booking=mine)
    hold.refresh_from_db()
    assert hold.claimed_by_id is None
    assert hold.history.first().history_change_reason == f"Released: booking #{mine.pk} cancelled or weather-owed"
    with pytest.raises(ConflictError):
        booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 7, 11, 0)))
    # Confirmed again, it claims it again.
    mine.status = Booking.Status.CONFIRMED
    booking_save(booking=mine)
    hold.refresh_from_db()
    assert hold.claimed_by == mine


def test_moving_the_booking_off_its_hold_lets_go_of_it(tenant, boat, hold):
    mine = new_booking(tenant, boat, local(tenant, 2026, 12, 7, 10, 0), source="boatsetter")
    booking_save(booking=mine)
    mine.start, mine.end = local(tenant, 2026, 12, 9, 10, 0), local(tenant, 2026, 12, 9, 13, 0)
    booking_save(booking=mine)
    hold.refresh_from_db()
    assert hold.claimed_by_id is None


def test_moving_the_booking_to_another_boat_at_the_same_time_lets_go_of_the_hold(tenant, boat, hold):
    mine = new_booking(tenant, boat, local(tenant, 2026, 12, 7, 10, 0), source="boatsetter")
    booking_save(booking=mine)
    mine.boat = BoatFactory(tenant=tenant, name="Little Tern")
    booking_save(booking=mine)
    hold.refresh_from_db()
    assert hold.claimed_by_id is None
    with pytest.raises(ConflictError):  # it blocks the Queen again
        booking_save(booking=new_booking(tenant, boat, local(tenant, 2026, 12, 7, 11, 0)))
