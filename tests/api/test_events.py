"""POST /api/events: the crew event of a booking and its assignments, through crew.services."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core import mail

from crew.models import Assignment, CrewEvent
from outbox.models import Effect
from tests.api.conftest import event_of
from tests.factories import BookingFactory, CrewMemberFactory, assign

pytestmark = pytest.mark.django_db


def post(api, key, body, **headers):
    return api.post(
        "/api/events",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", **headers},
    )


def invitations(booking) -> list[Effect]:
    return list(Effect.objects.filter(booking=booking, kind=Effect.Kind.SEND_INVITATION).order_by("id"))


def test_assigns_crew_by_id_and_email_and_invites_them_after_commit(
    api, service_key, booking, crew, django_capture_on_commit_callbacks
):
    maya, sam, _ = crew
    body = {
        "booking": booking.pk,
        "weather_briefing": "NW 10-15 kt, 3 ft swell",
        "gate_code": "4321",
        "assignments": [
            {"crew_member": maya.pk, "role": "captain", "hourly_rate": "50.00", "paid_hours": "3"},
            {"crew_member_email": "SAM@example.com", "role": "deckhand", "paid_hours": 5},
        ],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api, service_key, body)
    assert response.status_code == 200, response.json()
    data = response.json()
    event = event_of(booking)
    assert data["id"] == event.pk and data["booking"] == booking.pk
    assert event.weather_briefing == "NW 10-15 kt, 3 ft swell" and event.gate_code == "4321"
    lines = {a.crew_member_id: a for a in Assignment.objects.filter(event=event)}
    assert set(lines) == {maya.pk, sam.pk}
    assert lines[maya.pk].hourly_rate == Decimal("50.00") and lines[maya.pk].role.slug == "captain"
    assert lines[sam.pk].hourly_rate == sam.default_hourly_rate  # rate left out: the crew member's own
    assert [a["hourly_rate"] for a in data["assignments"]] == ["50.00", "25.00"]
    assert sorted(data["changes"]["added"]) == sorted(a.pk for a in lines.values())
    assert {e.target_id for e in invitations(booking)} == {a.pk for a in lines.values()}
    assert sorted(m.to[0] for m in mail.outbox) == ["maya@example.com", "sam@example.com"]


def test_finds_the_booking_by_source_and_reference(api, service_key, booking, tenant):
    body = {
        "source": "boatsetter",
        "external_reference": booking.external_reference,
        "tenant": tenant.slug,
        "logistics": "Park in lot B",
    }
    response = post(api, service_key, body)
    assert response.status_code == 200
    assert event_of(booking).logistics == "Park in lot B"


def test_creates_the_crew_event_when_missing(api, service_key, booking):
    CrewEvent.objects.filter(booking=booking).delete()
    response = post(api, service_key, {"booking": booking.pk, "logistics": "Fuel dock first"})
    assert response.status_code == 201
    assert event_of(booking).logistics == "Fuel dock first"


def test_the_list_is_the_whole_crew_changes_and_removals_go_through_services(api, service_key, booking, crew):
    maya, sam, lee = crew
    kept = assign(booking, maya, "captain", "50", "3")
    removed = assign(booking, sam, "deckhand", "25", "5")
    sent_before = len(invitations(booking))
    body = {
        "booking": booking.pk,
        "assignments": [
            {"crew_member": maya.pk, "role": "captain", "hourly_rate": "55.00", "paid_hours": "3"},
            {"crew_member": lee.pk, "role": "deckhand", "hourly_rate": "25", "paid_hours": "5"},
        ],
    }
    response = post(api, service_key, body)
    assert response.status_code == 200
    assert response.json()["changes"]["removed"] == [removed.pk]
    assert response.json()["changes"]["updated"] == [kept.pk]
    assert not Assignment.objects.filter(pk=removed.pk).exists()
    kept.refresh_from_db()
    assert kept.hourly_rate == Decimal("55.00")
    new = invitations(booking)[sent_before:]
    assert [e.target_id for e in new] == [Assignment.objects.get(crew_member=lee).pk]  # only the newcomer


def test_text_fields_left_out_are_kept_and_no_list_keeps_the_crew(api, service_key, booking, crew):
    assign(booking, crew[0], "captain", "50", "3")
    event = event_of(booking)
    event.weather_briefing, event.logistics = "calm", "lot A"
    event.save()
    assert post(api, service_key, {"booking": booking.pk, "logistics": "lot B"}).status_code == 200
    event.refresh_from_db()
    assert (event.weather_briefing, event.logistics) == ("calm", "lot B")
    assert Assignment.objects.filter(event=event).count() == 1


def test_writes_are_credited_to_the_key_in_the_audit_trail(api, service_key, booking, crew):
    from django.conf import settings

    from api.auth import key_id

    post(
        api,
        service_key,
        {
            "booking": booking.pk,
            "gate_code": "9",
            "assignments": [{"crew_member": crew[0].pk, "role": "captain", "paid_hours": "2"}],
        },
    )
    label = f"service:{key_id(settings.SERVICE_KEY_HASH)}"
    assert label.startswith("service:key-") and len(label) == len("service:key-") + 8
    assert service_key not in label
    assert event_of(booking).history.latest().history_actor == label
    assert Assignment.history.latest().history_actor == label


def _fields(response):
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "booking"),
        ({"booking": 999999}, "booking"),
        ({"booking": "1"}, "booking"),
        ({"source": "boatsetter", "external_reference": "NOPE", "tenant": "queen"}, "external_reference"),
        ({"source": "boatsetter", "external_reference": "X", "tenant": "nope"}, "tenant"),
        ({"source": "fax", "external_reference": "X", "tenant": "queen"}, "source"),
        ({"external_reference": "X"}, "source"),
        ({"gate_code": "x" * 61}, "gate_code"),
        ({"logistics": 5}, "logistics"),
        ({"assignments": {}}, "assignments"),
        ({"assignments": [1]}, "assignments[0]"),
        ({"assignments": [{"role": "captain", "paid_hours": "1"}]}, "assignments[0].crew_member"),
        (
            {"assignments": [{"crew_member": 999999, "role": "captain", "paid_hours": "1"}]},
            "assignments[0].crew_member",
        ),
        (
            {"assignments": [{"crew_member_email": "nobody@example.com", "role": "captain", "paid_hours": "1"}]},
            "assignments[0].crew_member_email",
        ),
        (
            {"assignments": [{"crew_member_email": "not-an-email", "role": "captain", "paid_hours": "1"}]},
            "assignments[0].crew_member_email",
        ),
        ({"assignments": [{"crew_member": "MAYA", "role": "chef", "paid_hours": "1"}]}, "assignments[0].role"),
        (
            {"assignments": [{"crew_member": "MAYA", "role": "captain", "paid_hours": "73"}]},
            "assignments[0].paid_hours",
        ),
        (
            {"assignments": [{"crew_member": "MAYA", "role": "captain", "paid_hours": "1.234"}]},
            "assignments[0].paid_hours",
        ),
        (
            {"assignments": [{"crew_member": "MAYA", "role": "captain", "paid_hours": "-1"}]},
            "assignments[0].paid_hours",
        ),
        (
            {"assignments": [{"crew_member": "MAYA", "role": "captain", "paid_hours": "1", "hourly_rate": "ten"}]},
            "assignments[0].hourly_rate",
        ),
        (
            {"assignments": [{"crew_member": "MAYA", "role": "captain", "paid_hours": "1", "tip": 5}]},
            "assignments[0].tip",
        ),
        (
            {"assignments": [{"crew_member": "MAYA", "role": "captain", "paid_hours": "1"}] * 2},
            "assignments[1].crew_member",
        ),
    ],
)
def test_bad_bodies_are_400_and_change_nothing(api, service_key, booking, crew, body, field):
    maya = crew[0]
    body = json.loads(json.dumps(body).replace('"MAYA"', str(maya.pk)))
    if "booking" not in body and "source" not in body and "external_reference" not in body and body:
        body["booking"] = booking.pk
    if "source" in body and "tenant" not in body:
        body["tenant"] = "queen"
    before = list(Assignment.history.values_list("history_id", flat=True))
    assert field in _fields(post(api, service_key, body))
    assert list(Assignment.history.values_list("history_id", flat=True)) == before
    assert not invitations(booking)


def test_crew_of_another_brand_or_inactive_is_refused(api, service_key, booking, other_tenant):
    outsider = CrewMemberFactory(tenants=[other_tenant])
    retired = CrewMemberFactory(tenants=[booking.tenant], active=False)
    body = {
        "booking": booking.pk,
        "assignments": [
            {"crew_member": outsider.pk, "role": "captain", "paid_hours": "1"},
            {"crew_member": retired.pk, "role": "captain", "paid_hours": "1"},
        ],
    }
    fields = _fields(post(api, service_key, body))
    assert "assignments[0].crew_member" in fields and "assignments[1].crew_member" in fields


def test_more_people_than_the_boat_carries_is_refused_with_nothing_saved(api, service_key, tenant, crew):
    booking = BookingFactory(tenant=tenant, party_size=10, boat__capacity=12)
    body = {
        "booking": booking.pk,
        "assignments": [{"crew_member": m.pk, "role": "deckhand", "paid_hours": "1"} for m in crew],
    }
    fields = _fields(post(api, service_key, {**body, "logistics": "should not stick"}))
    assert "assignments" in fields
    assert not Assignment.objects.filter(event__booking=booking).exists()
    assert event_of(booking).logistics == ""
    assert post(api, service_key, {**body, "assignments": body["assignments"][:2]}).status_code == 200
