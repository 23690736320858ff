"""The same availability rules through the service API (409, nothing written) and import_bookings (row numbers)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from bookings.models import Booking, CalendarEntry
from crew.models import Assignment, Credential, CredentialKind
from outbox.models import Effect
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign, local, role

pytestmark = pytest.mark.django_db


def post_event(api, key, body):
    return api.post(
        "/api/events",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )


def test_assigning_a_busy_crew_member_is_a_409_naming_the_other_booking_and_assigns_nobody(
    api, service_key, tenant, first
):
    role("deckhand")
    maya = CrewMemberFactory(name="Maya Captain", email="maya@example.com", tenants=[tenant])
    sam = CrewMemberFactory(name="Sam Deck", email="sam@example.com", tenants=[tenant])
    other = BookingFactory(tenant=tenant, guest_name="Other Party", start=local(tenant, 2026, 12, 5, 11, 0))
    assign(other, maya, "captain", "50", "3")
    effects = Effect.objects.count()
    body = {
        "booking": first.pk,
        "gate_code": "1234",
        "assignments": [
            {"crew_member_email": "sam@example.com", "role": "deckhand", "paid_hours": "3"},
            {"crew_member_email": "maya@example.com", "role": "captain", "paid_hours": "3"},
        ],
    }
    response = post_event(api, service_key, body)
    assert response.status_code == 409, response.json()
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert "Maya Captain is on" in error["message"]
    assert error["conflicts"][0]["booking"] == other.pk
    assert error["fields"]["crew_member"]
    assert not Assignment.objects.filter(event__booking=first).exists()  # not even Sam
    assert first.crew_event.gate_code == ""
    assert Effect.objects.count() == effects
    assert sam.assignments.count() == 0


def test_a_missing_credential_over_the_api_is_a_409_too(api, service_key, tenant, first):
    license_kind = CredentialKind.objects.get(slug="uscg-license")
    role("captain").required_credential_kinds.add(license_kind)
    maya = CrewMemberFactory(name="Maya Captain", email="maya@example.com", tenants=[tenant])
    body = {
        "booking": first.pk,
        "assignments": [{"crew_member_email": "maya@example.com", "role": "captain", "paid_hours": "3"}],
    }
    response = post_event(api, service_key, body)
    assert response.status_code == 409
    assert response.json()["error"]["conflicts"] == [
        {"kind": "credential", "message": "Maya Captain has no USCG license on file (needed as captain)."}
    ]
    Credential.objects.create(crew_member=maya, kind=license_kind)
    assert post_event(api, service_key, body).status_code == 200


def post_entry(api, token, body):
    return api.post(
        "/api/calendar/entries",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-Dashboard-Token": token},
    )


def test_a_block_over_a_charter_from_the_api_is_a_409_naming_the_booking(api, dashboard_token, tenant, boat, first):
    body = {
        "tenant": "queen",
        "title": "Engine service",
        "kind": "maintenance",
        "boat": boat.pk,
        "start": "2026-12-05T08:00:00-08:00",
        "end": "2026-12-05T18:00:00-08:00",
    }
    response = post_entry(api, dashboard_token, body)
    assert response.status_code == 409, response.json()
    assert response.json()["error"]["conflicts"] == [
        {
            "kind": "booking",
            "booking": first.pk,
            "message": "Queen of San Diego is booked then: Jordan Guest · Boatsetter BS-1001, Sat Dec 5, 10:00–13:00 PST.",
        }
    ]
    assert not CalendarEntry.objects.filter(title="Engine service").exists()
    body.update(start="2026-12-06T08:00:00-08:00", end="2026-12-06T18:00:00-08:00")
    created = post_entry(api, dashboard_token, body)
    assert created.status_code == 201 and created.json()["boat"] == boat.pk


def test_a_boat_of_another_brand_is_a_400(api, dashboard_token, tenant, other_tenant):
    theirs = BoatFactory(tenant=other_tenant)
    body = {
        "tenant": "queen",
        "title": "x",
        "kind": "blackout",
        "boat": theirs.pk,
        "start": "2026-12-06T08:00:00-08:00",
        "end": "2026-12-06T18:00:00-08:00",
    }
    response = post_entry(api, dashboard_token, body)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["boat"] == ["This boat belongs to another brand."]


# --- import_bookings -------------------------------------------------------------------------------

HEADER = "external_reference,boat,guest_name,party_size,service_date,start_time,end_time,gross_amount\n"


def test_import_lists_the_clashing_row_and_imports_the_others(tmp_path, tenant, boat, first):
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER
        + "R-1,Queen of San Diego,Fine Morning,4,2026-12-06,10:00,13:00,500.00\n"
        + "R-2,Queen of San Diego,Clashing Party,4,2026-12-05,12:00,15:00,500.00\n"
        + "R-3,Queen of San Diego,Fine Evening,4,2026-12-05,14:00,17:00,500.00\n"
        + "R-4,Queen of San Diego,Inside Turnaround,4,2026-12-05,17:15,19:00,500.00\n",
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="rows 3, 5"):
        call_command("import_bookings", "--source", "getmyboat", "--tenant", "queen", str(path), stdout=out, stderr=err)
    assert "row 3: " in err.getvalue() and "Jordan Guest · Boatsetter BS-1001" in err.getvalue()
    assert "row 5: " in err.getvalue() and "Fine Evening" in err.getvalue()
    assert set(Booking.objects.values_list("guest_name", flat=True)) == {"Jordan Guest", "Fine Morning", "Fine Evening"}


def test_import_dry_run_reports_the_clash_too(tmp_path, tenant, boat, first):
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER + "R-2,Queen of San Diego,Clashing Party,4,2026-12-05,12:00,15:00,500.00\n", encoding="utf-8"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="rows 2"):
        call_command(
            "import_bookings",
            "--source",
            "getmyboat",
            "--tenant",
            "queen",
            "--dry-run",
            str(path),
            stderr=err,
            stdout=io.StringIO(),
        )
    assert "already booked" in err.getvalue()
    assert Booking.objects.count() == 1
