"""Odd input found with real payloads is a 400 naming the field, with nothing written, on every kind of entry point.

Classes: times at the calendar's edges (no UTC form, or past what the app supports), a lone
surrogate (no UTF-8 form: the database write would raise), NUL (PostgreSQL refuses it). Entry
points: JSON bodies, query strings, pagination cursors and the guest photo upload endpoint.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from api.models import IdempotencyRecord
from bookings.models import CalendarEntry
from crew.models import Assignment
from guestpages.models import PhotoUpload
from guestpages.services import guest_page_ensure
from outbox.models import Effect
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

ENTRIES = "/api/calendar/entries"
RANGE = "Enter a time between 1900-01-01T00:00:00Z and 2200-12-31T23:59:59Z."
EDGE_TIMES = [
    "0001-01-01T00:00:00+14:00",  # no UTC form at all
    "9999-12-31T23:59:59-14:00",  # no UTC form at all
    "0001-01-01T00:00:00Z",  # a UTC form, long before any charter
    "9999-12-31T23:59:59Z",
    "1899-12-31T23:59:59Z",
    "2201-01-01T00:00:00Z",
    "2200-12-31T23:00:00-01:00",  # 2201 in UTC: the range is checked after conversion
]
SURROGATE = "\ud800"
NUL = "\x00"


def raw_json(data) -> str:
    """JSON text as a client sends it: a lone surrogate travels as the escape ``\\ud800``."""
    return json.dumps(data)  # ensure_ascii: every non-ASCII character, surrogates included, as \\uXXXX


def post_entry(api, token, body, **headers):
    return api.post(
        ENTRIES,
        data=raw_json(body),
        content_type="application/json",
        headers={"X-Dashboard-Token": token, **headers},
    )


def entry_body(**overrides) -> dict:
    body = {
        "tenant": "queen",
        "title": "Haul-out",
        "start": "2026-03-02T08:00:00-08:00",
        "end": "2026-03-02T17:00:00-08:00",
        "kind": "maintenance",
    }
    body.update(overrides)
    return body


def fields(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]["fields"]


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("=")


# --- times at the calendar's edges ---------------------------------------------------------------


@pytest.mark.parametrize("value", EDGE_TIMES)
@pytest.mark.parametrize("field", ["start", "end"])
def test_edge_times_in_a_body_are_a_field_error_and_nothing_is_written(api, tenant, dashboard_token, value, field):
    response = post_entry(api, dashboard_token, entry_body(**{field: value}), **{"Idempotency-Key": "edge-1"})
    assert fields(response) == {field: [RANGE]}
    assert not CalendarEntry.objects.filter(created_by_service="dashboard").exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("kind", ["maintenance", "blackout"])
def test_edge_times_on_a_boat_block_never_reach_the_clash_check(api, tenant, dashboard_token, kind):
    """A block on a boat is checked against the boat's charters with time arithmetic (turnaround, days):
    near year 9999 that overflowed. The supported range keeps every time far from the edge."""
    boat = BookingFactory(tenant=tenant).boat
    body = entry_body(start="9999-12-31T20:00:00Z", end="9999-12-31T23:59:59Z", kind=kind, boat=boat.pk)
    response = post_entry(api, dashboard_token, body)
    assert fields(response) == {"start": [RANGE], "end": [RANGE]}
    assert not CalendarEntry.objects.filter(created_by_service="dashboard").exists()


def test_the_first_and_last_supported_moments_are_accepted(api, tenant, dashboard_token):
    early = post_entry(api, dashboard_token, entry_body(start="1900-01-01T00:00:00Z", end="1900-01-01T01:00:00Z"))
    late = post_entry(api, dashboard_token, entry_body(start="2200-12-31T22:00:00Z", end="2200-12-31T23:59:59Z"))
    assert (early.status_code, late.status_code) == (201, 201), (early.content, late.content)
    assert late.json()["end"] == "2200-12-31T23:59:59Z"


@pytest.mark.parametrize("value", EDGE_TIMES)
@pytest.mark.parametrize("field", ["start", "end"])
def test_edge_times_in_the_query_string_are_a_field_error(api, tenant, dashboard_token, value, field):
    response = api.get(ENTRIES, {field: value}, headers={"X-Dashboard-Token": dashboard_token})
    assert fields(response) == {field: [RANGE]}


@pytest.mark.parametrize("value", EDGE_TIMES)
def test_edge_times_in_a_cursor_are_a_field_error(api, tenant, dashboard_token, value):
    response = api.get(ENTRIES, {"cursor": cursor(f"{value}|1")}, headers={"X-Dashboard-Token": dashboard_token})
    assert fields(response) == {"cursor": [f"Not a cursor this API returned: {RANGE}"]}


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-02T16:00:00+00:00|99999999999999999999999",  # an id no database column holds
        "2026-03-02T16:00:00+00:00|0",
        "2026-03-02T16:00:00|7",  # no offset
        "not a time|7",
        "2026-03-02T16:00:00+00:00",  # no id
        f"2026-03-02T16:00:00{NUL}+00:00|7",
        f"2026-03-02T16:00:00+00:00{SURROGATE}|7",  # bytes no UTF-8 decoder accepts
    ],
)
def test_forged_cursors_are_a_field_error(api, tenant, dashboard_token, text):
    response = api.get(ENTRIES, {"cursor": cursor(text)}, headers={"X-Dashboard-Token": dashboard_token})
    assert list(fields(response)) == ["cursor"]


def test_a_cursor_the_api_returned_still_walks_the_pages(api, tenant, dashboard_token, settings):
    """The cursor goes through the same parser as every other time; real cursors keep working."""
    for day in (2, 3, 4):
        post_entry(api, dashboard_token, entry_body(start=f"2026-03-0{day}T08:00:00Z", end=f"2026-03-0{day}T09:00Z"))
    first = api.get(ENTRIES, {"limit": 2}, headers={"X-Dashboard-Token": dashboard_token}).json()
    second = api.get(
        ENTRIES, {"limit": 2, "cursor": first["next_cursor"]}, headers={"X-Dashboard-Token": dashboard_token}
    ).json()
    assert [e["start"] for e in first["results"] + second["results"]] == [
        "2026-03-02T08:00:00Z",
        "2026-03-03T08:00:00Z",
        "2026-03-04T08:00:00Z",
    ]
    assert second["next_cursor"] is None


# --- text no database can store --------------------------------------------------------------------


@pytest.mark.parametrize("bad", [SURROGATE, NUL, f"Haul-out \udfff{SURROGATE}", f"Haul{NUL}out"])
def test_unstorable_text_in_a_body_is_a_field_error_and_nothing_is_written(api, tenant, dashboard_token, bad):
    response = post_entry(api, dashboard_token, entry_body(title=bad), **{"Idempotency-Key": "text-1"})
    assert list(fields(response)) == ["title"]
    assert response.json()["error"]["message"] == "The body has text that cannot be stored."
    assert not CalendarEntry.objects.filter(created_by_service="dashboard").exists()
    assert not IdempotencyRecord.objects.exists()


def test_unstorable_text_anywhere_in_a_body_is_named_by_its_path(api, service_key, booking, crew):
    """Nested values, unknown fields and field names: each refused under its own path, before any read."""
    before = (Assignment.objects.count(), Effect.objects.count(), booking.crew_event.weather_briefing)
    body = {
        "booking": booking.pk,
        "weather_briefing": f"NW 10{NUL}",
        "assignments": [{"crew_member": crew[0].pk, "role": f"capt{SURROGATE}", "paid_hours": "3"}],
        "extra": {"deep": [SURROGATE]},
        f"na{SURROGATE}me": "x",
    }
    response = api.post(
        "/api/events",
        data=raw_json(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {service_key}"},
    )
    errors = fields(response)
    assert set(errors) == {"weather_briefing", "assignments[0].role", "extra.deep[0]", "na\\ud800me"}
    assert "NUL" in errors["weather_briefing"][0] and "surrogate" in errors["assignments[0].role"][0]
    booking.crew_event.refresh_from_db()
    assert (Assignment.objects.count(), Effect.objects.count(), booking.crew_event.weather_briefing) == before


def test_the_same_text_without_the_odd_character_is_saved(api, service_key, booking, crew):
    """The check refuses only what cannot be stored: accents, line breaks and emoji (sent as the escaped
    surrogate pair \\ud83c\\udf0a, which JSON joins into one character) are fine."""
    body = {"booking": booking.pk, "weather_briefing": "Brise légère 🌊\nswell 3 ft"}
    response = api.post(
        "/api/events",
        data=raw_json(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {service_key}"},
    )
    assert response.status_code in (200, 201), response.content
    booking.crew_event.refresh_from_db()
    assert booking.crew_event.weather_briefing == "Brise légère 🌊\nswell 3 ft"


@pytest.mark.parametrize("param", ["tenant", "start", "cursor", "limit"])
def test_nul_in_the_query_string_is_a_field_error(api, tenant, dashboard_token, param):
    response = api.get(f"{ENTRIES}?{param}=a%00b", headers={"X-Dashboard-Token": dashboard_token})
    assert list(fields(response)) == [param]


def test_invalid_utf8_in_the_query_string_is_read_as_replacement_characters(api, tenant, dashboard_token):
    """%ED%A0%80 would be a surrogate: Django decodes it as U+FFFD, so it is just an unknown brand."""
    response = api.get(f"{ENTRIES}?tenant=%ED%A0%80", headers={"X-Dashboard-Token": dashboard_token})
    assert list(fields(response)) == ["tenant"]


# --- the guest photo upload endpoint -----------------------------------------------------------------

DURING = datetime(2026, 12, 5, 19, 30, tzinfo=UTC)  # inside the default booking's upload window


@pytest.fixture
def page(tenant, monkeypatch, settings):
    """A guest page inside its upload window; S3 is moto in process, with the brand's bucket."""
    from moto import mock_aws

    from guestpages import uploads

    for name, value in {"AWS_ACCESS_KEY_ID": "AKIDODDINPUT", "AWS_SECRET_ACCESS_KEY": "odd-input-secret"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    settings.AWS_S3_ENDPOINT_URL = None
    settings.AWS_S3_REGION_NAME = "us-east-1"
    with mock_aws(), time_machine.travel(DURING, tick=False):
        uploads.reset_clients()
        uploads.s3_client().create_bucket(Bucket=tenant.s3_bucket)
        yield guest_page_ensure(booking=BookingFactory(tenant=tenant))
    uploads.reset_clients()


def grant(page, body: str | bytes):
    return Client(enforce_csrf_checks=True).post(f"/g/{page.slug}/uploads", data=body, content_type="application/json")


def grant_body(**overrides) -> dict:
    body = {"filename": "sunset.png", "content_type": "image/png", "size": 2048, "consent": "Yes, keep them."}
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("filename", f"sun{SURROGATE}.png"),
        ("filename", f"sun{NUL}.png"),
        ("consent", f"Yes{SURROGATE}"),
        ("consent", f"Yes{NUL}"),
        ("content_type", f"image/png{NUL}"),
    ],
)
def test_unstorable_text_in_an_upload_request_is_a_field_error_and_nothing_is_written(page, field, bad):
    response = grant(page, raw_json(grant_body(**{field: bad})))
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert not PhotoUpload.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"size": ' + "9" * 5000 + "}",  # past Python's digit limit for int(): ValueError, not JSONDecodeError
        "[" * 5000 + "]" * 5000,  # deeper than the JSON parser's recursion limit
        '{"filename": "a.png", "content_type": "image/png", "size": 1e999, "consent": "Yes"}',
    ],
)
def test_malformed_upload_requests_are_a_400(page, body):
    response = grant(page, body)
    assert response.status_code == 400, response.content
    assert not PhotoUpload.objects.exists()


def test_a_good_upload_request_still_gets_its_grant(page):
    response = grant(page, raw_json(grant_body(filename="Sonnenuntergang über dem Meer.png")))
    assert response.status_code == 200, response.content
    assert PhotoUpload.objects.get().original_filename == "Sonnenuntergang über dem Meer.png"
