"""Property-based: whatever odd input arrives, every JSON endpoint and the guest upload endpoint answer below 500.

Schemathesis (test_openapi.py) walks the OpenAPI document with valid and invalid requests and
NUL in strings, but its strings are always UTF-8 encodable and its times well inside the
calendar. These Hypothesis tests aim at the classes found with real payloads: lone surrogates,
NUL, times at the calendar's edges, forged cursors, and malformed bodies, in bodies, query
strings and cursors, and on the guest upload endpoint (not in the OpenAPI document: it is a
browser endpoint on the app's domain with its own error shape, so it is covered here).

Derandomized with a bounded number of examples, so CI sees the same inputs on every run.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guestpages.models import PhotoUpload
from guestpages.services import guest_page_ensure
from tests.factories import BookingFactory, CrewMemberFactory, role

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EDGE_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "1899-12-31T23:59:59Z",
    "2200-12-31T23:59:59-14:00",
    "0606-01-20T16:08:52-18:58",
    "2026-03-02T08:00:00+23:59",
    "2026-02-30T08:00:00Z",
    "2026-03-02T08:00:00",
    "2026-03-02T08:00:00-07:00",
]

EDGE_WINDOWS = [
    ("9999-12-31T20:00:00Z", "9999-12-31T23:59:59Z"),
    ("9999-12-31T20:00:00+14:00", "9999-12-31T23:59:59-14:00"),
    ("0001-01-01T00:00:00Z", "0001-01-01T05:00:00Z"),
    ("0001-01-01T00:00:00+14:00", "0001-01-01T05:00:00Z"),
    ("1900-01-01T00:00:00Z", "1900-01-01T05:00:00Z"),
    ("2200-12-31T20:00:00Z", "2200-12-31T23:59:59Z"),
]

# Text: mostly ordinary, with lone surrogates, NUL, control characters and line breaks mixed in.
ODD_CHARACTERS = st.sampled_from(["\ud800", "\udfff", "\udbff", "\x00", "\n", "\r\n", "\x01", "\u2028", "\ufeff"])
odd_text = st.one_of(
    st.text(max_size=20),
    st.lists(st.one_of(st.characters(), ODD_CHARACTERS), max_size=20).map("".join),
    st.sampled_from(EDGE_TIMES),
    st.builds(lambda t, c: t[:10] + c + t[10:], st.sampled_from(EDGE_TIMES), ODD_CHARACTERS),
)
# An ordinary value with one odd character in it: what gets furthest before anything looks at it.
spiked_text = st.builds(
    lambda text, odd, at: text[:at] + odd + text[at:],
    st.sampled_from(["Haul-out", "queen", "captain", "maya@example.com", "sunset.png", "image/png", "Yes", "3"]),
    ODD_CHARACTERS,
    st.integers(min_value=0, max_value=8),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=False, allow_infinity=False),
    odd_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(odd_text, inner, max_size=3)),
    max_leaves=8,
)


def body_of(valid: dict):
    """A valid body, mostly with one field replaced by an odd value (now and then with an unknown field
    too), so the odd value gets past the other fields' checks and reaches as far as it can."""
    return st.builds(
        lambda field, value, extra, spike: {**valid, field: value, **extra} if spike else dict(valid),
        st.sampled_from(sorted(valid)),
        st.one_of(spiked_text, st.sampled_from(EDGE_TIMES), odd_text, scalars, json_values),
        st.one_of(st.just({}), st.dictionaries(odd_text, json_values, max_size=1)),
        st.integers(min_value=0, max_value=3),  # one in four stays valid: odd times elsewhere reach the write
    )


ENTRY = {
    "tenant": "queen",
    "title": "Haul-out",
    "start": "2026-03-02T08:00:00-08:00",
    "end": "2026-03-02T17:00:00-08:00",
    "kind": "maintenance",
}
EVENT = {
    "source": "boatsetter",
    "external_reference": "BS-1234567",
    "tenant": "queen",
    "weather_briefing": "NW 10-15 kt",
    "logistics": "Lot B",
    "gate_code": "4711#",
}
LINE = {"crew_member_email": "maya@example.com", "role": "captain", "hourly_rate": "50.00", "paid_hours": "3"}


def as_json(data) -> str:
    return json.dumps(data, default=str)  # Decimal as text; lone surrogates as \\udXXX escapes


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("=")


cursors = st.one_of(
    odd_text,
    st.builds(lambda t, pk: cursor(f"{t}|{pk}"), odd_text, st.integers(min_value=-(2**70), max_value=2**70)),
)


def assert_no_server_error(response) -> None:
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    json.loads(response.content)


@pytest.fixture
def world(tenant, dashboard_token, service_key):
    role("captain")
    CrewMemberFactory(email="maya@example.com", tenants=[tenant])
    booking = BookingFactory(tenant=tenant, external_reference="BS-1234567")
    return {"dashboard": dashboard_token, "service": service_key, "booking": booking}


@PROPERTY
@given(body=body_of(ENTRY), on_boat=st.booleans())
def test_creating_a_calendar_entry_never_answers_500(world, body, on_boat):
    if on_boat and "boat" not in body:
        body["boat"] = world["booking"].boat_id  # a block on a boat runs the clash check's time arithmetic
    response = Client(enforce_csrf_checks=True).post(
        "/api/calendar/entries",
        data=as_json(body),
        content_type="application/json",
        headers={"X-Dashboard-Token": world["dashboard"]},
    )
    assert_no_server_error(response)


@PROPERTY
@given(
    window=st.sampled_from(EDGE_WINDOWS),
    kind=st.sampled_from(["maintenance", "blackout", "charter", "other"]),
    on_boat=st.booleans(),
)
def test_entries_at_the_calendars_edges_never_answer_500(world, window, kind, on_boat):
    """Both ends near an edge (so the entry is not refused for ending before it starts), on every kind."""
    body = {**ENTRY, "start": window[0], "end": window[1], "kind": kind}
    if on_boat:
        body["boat"] = world["booking"].boat_id
    response = Client(enforce_csrf_checks=True).post(
        "/api/calendar/entries",
        data=as_json(body),
        content_type="application/json",
        headers={"X-Dashboard-Token": world["dashboard"]},
    )
    assert_no_server_error(response)


@PROPERTY
@given(
    query=st.dictionaries(
        st.sampled_from(["start", "end", "tenant", "limit", "cursor"]),
        st.one_of(odd_text, cursors).map(lambda s: s.encode("utf-8", "surrogatepass").decode("utf-8", "replace")),
        max_size=5,
    )
)
def test_listing_calendar_entries_never_answers_500(world, query):
    response = Client().get("/api/calendar/entries", query, headers={"X-Dashboard-Token": world["dashboard"]})
    assert_no_server_error(response)


@PROPERTY
@given(
    body=body_of(EVENT),
    line=st.one_of(st.just(LINE), body_of(LINE)),
)
def test_saving_a_crew_event_never_answers_500(world, body, line):
    data = {**body, "assignments": [line]} if "assignments" not in body else body
    response = Client(enforce_csrf_checks=True).post(
        "/api/events",
        data=as_json(data),
        content_type="application/json",
        headers={"Authorization": f"Bearer {world['service']}"},
    )
    assert_no_server_error(response)


@PROPERTY
@given(raw=st.one_of(st.binary(max_size=64), odd_text.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_malformed_bodies_never_answer_500(world, raw):
    for path, headers in (
        ("/api/calendar/entries", {"X-Dashboard-Token": world["dashboard"]}),
        ("/api/events", {"Authorization": f"Bearer {world['service']}"}),
    ):
        response = Client().post(path, data=raw, content_type="application/json", headers=headers)
        assert_no_server_error(response)


# --- the guest photo upload endpoint -------------------------------------------------------------

DURING = datetime(2026, 12, 5, 19, 30, tzinfo=UTC)  # inside the default booking's upload window


@pytest.fixture
def guest_page(tenant, monkeypatch, settings):
    from moto import mock_aws

    from guestpages import uploads

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDPROPERTIES")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "property-test-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    settings.AWS_S3_ENDPOINT_URL = None
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.GUEST_UPLOAD_MAX_GRANTS = 10_000
    with mock_aws(), time_machine.travel(DURING, tick=False):
        uploads.reset_clients()
        uploads.s3_client().create_bucket(Bucket=tenant.s3_bucket)
        yield guest_page_ensure(booking=BookingFactory(tenant=tenant))
    uploads.reset_clients()


@PROPERTY
@given(
    body=st.one_of(
        body_of({"filename": "sunset.png", "content_type": "image/png", "size": 2048, "consent": "Yes, keep them."}),
        st.fixed_dictionaries(
            {
                "filename": odd_text,
                "content_type": st.sampled_from(["image/png", "IMAGE/JPEG", "image/png\x00", "text/html"]),
                "size": st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.just(Decimal("1e999"))),
                "consent": odd_text,
            }
        ),
    )
)
def test_asking_for_an_upload_grant_never_answers_500(guest_page, body):
    before = PhotoUpload.objects.count()
    response = Client(enforce_csrf_checks=True).post(
        f"/g/{guest_page.slug}/uploads", data=as_json(body), content_type="application/json"
    )
    assert_no_server_error(response)
    if response.status_code != 200:
        assert PhotoUpload.objects.count() == before  # refused: nothing written


@PROPERTY
@given(raw=st.one_of(st.binary(max_size=64), odd_text.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_malformed_upload_requests_never_answer_500(guest_page, raw):
    response = Client().post(f"/g/{guest_page.slug}/uploads", data=raw, content_type="application/json")
    assert_no_server_error(response)
    assert response.status_code == 400
