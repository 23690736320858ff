"""POST and GET /api/calendar/entries with the dashboard token."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bookings.models import CalendarEntry
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

URL = "/api/calendar/entries"


def post(api, token, body, **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return api.post(URL, data=data, content_type="application/json", headers={"X-Dashboard-Token": token, **headers})


def valid_body(**overrides):
    body = {
        "tenant": "queen",
        "title": "Haul-out: bottom paint",
        "start": "2026-03-02T08:00:00-08:00",
        "end": "2026-03-02T17:00:00-08:00",
        "kind": "maintenance",
    }
    body.update(overrides)
    return body


def test_create_entry_records_the_calling_service(api, tenant, dashboard_token):
    response = post(api, dashboard_token, valid_body())
    assert response.status_code == 201, response.json()
    data = response.json()
    entry = CalendarEntry.objects.get(pk=data["id"])
    assert entry.tenant == tenant
    assert entry.start == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert entry.kind == "maintenance"
    assert entry.created_by_service == "dashboard"
    assert entry.created_by_user is None
    assert data == {
        "id": entry.pk,
        "tenant": "queen",
        "title": "Haul-out: bottom paint",
        "start": "2026-03-02T16:00:00Z",
        "end": "2026-03-03T01:00:00Z",
        "kind": "maintenance",
        "status": "active",
        "booking": None,
        "boat": None,
        "created_by_service": "dashboard",
    }
    assert entry.history.get().history_actor == "service:dashboard"


def test_entry_for_a_booking_of_the_same_brand(api, tenant, dashboard_token):
    booking = BookingFactory(tenant=tenant)
    booking.calendar_entry.delete()
    response = post(api, dashboard_token, valid_body(booking=booking.pk, kind="charter"))
    assert response.status_code == 201
    assert CalendarEntry.objects.get(booking=booking).created_by_service == "dashboard"


def _fields(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]["fields"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start": "2026-03-02T08:00:00"}, "start"),  # naive: ambiguous
        ({"end": "2026-03-02 17:00"}, "end"),
        ({"end": "2026-03-02T07:00:00-08:00"}, "end"),  # before start
        ({"end": "2026-03-02T08:00:00-08:00"}, "end"),  # zero length
        ({"tenant": "nope"}, "tenant"),
        ({"tenant": 7}, "tenant"),
        ({"title": 12}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"start": 1700000000}, "start"),
        ({"start": "next tuesday"}, "start"),
        ({"start": "2026-02-30T08:00:00Z"}, "start"),
        ({"kind": "party"}, "kind"),
        ({"booking": "12"}, "booking"),
        ({"booking": True}, "booking"),
        ({"booking": 999999}, "booking"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_400_with_the_field_named(api, tenant, dashboard_token, overrides, field):
    response = post(api, dashboard_token, valid_body(**overrides))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in _fields(response)
    assert not CalendarEntry.objects.exists()


def test_missing_fields_are_each_reported(api, tenant, dashboard_token):
    response = post(api, dashboard_token, {})
    assert response.status_code == 400
    assert set(_fields(response)) == {"tenant", "title", "start", "end"}


def test_booking_of_another_brand_is_refused(api, tenant, other_tenant, dashboard_token):
    theirs = BookingFactory(tenant=other_tenant)
    response = post(api, dashboard_token, valid_body(booking=theirs.pk))
    assert response.status_code == 400
    assert "booking" in _fields(response)


def test_second_entry_for_a_booking_is_a_field_error(api, tenant, dashboard_token):
    booking = BookingFactory(tenant=tenant)  # already has its entry
    response = post(api, dashboard_token, valid_body(booking=booking.pk))
    assert response.status_code == 400
    assert "booking" in _fields(response)


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[]", b'"text"', b"\xff\xfe", b'{"a": NaN}', b"[" * 60000, b""],
    ids=["truncated", "array", "string", "not-utf8", "nan", "deep", "empty"],
)
def test_malformed_json_is_400(api, tenant, dashboard_token, raw):
    response = post(api, dashboard_token, raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_body_over_the_limit_is_413_before_parsing(api, tenant, dashboard_token, settings):
    settings.API_MAX_BODY_BYTES = 1024
    response = post(api, dashboard_token, valid_body(title="x" * 2000))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert post(api, dashboard_token, valid_body()).status_code == 201


def test_wrong_content_type_is_415(api, tenant, dashboard_token):
    response = api.post(
        URL,
        data="tenant=queen",
        content_type="application/x-www-form-urlencoded",
        headers={"X-Dashboard-Token": dashboard_token},
    )
    assert response.status_code == 415


def test_other_methods_are_405_json(api, dashboard_token):
    response = api.delete(URL, headers={"X-Dashboard-Token": dashboard_token})
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response.json()["error"]["code"] == "method_not_allowed"


# --- listing ---------------------------------------------------------------------


def entry(tenant, day: int, hour: int = 9, **kw) -> CalendarEntry:
    start = datetime(2026, 5, day, hour, tzinfo=UTC)
    return CalendarEntry.objects.create(
        tenant=tenant, title=kw.pop("title", f"e{day}-{hour}"), start=start, end=start + timedelta(hours=2), **kw
    )


def test_list_filters_by_brand_and_window_and_orders_by_start(api, tenant, other_tenant, dashboard_token):
    later = entry(tenant, 10)
    earlier = entry(tenant, 5)
    entry(tenant, 20)
    entry(other_tenant, 6)
    response = api.get(
        URL,
        {"tenant": "queen", "start": "2026-05-01T00:00:00Z", "end": "2026-05-15T00:00:00+00:00"},
        headers={"X-Dashboard-Token": dashboard_token},
    )
    assert response.status_code == 200
    assert [e["id"] for e in response.json()["results"]] == [earlier.pk, later.pk]
    assert response.json()["next_cursor"] is None


def test_list_window_includes_entries_that_overlap_its_edges(api, tenant, dashboard_token):
    overlapping = entry(tenant, 5, hour=23)  # 23:00 to 01:00 next day
    response = api.get(
        URL,
        {"start": "2026-05-06T00:00:00Z", "end": "2026-05-07T00:00:00Z"},
        headers={"X-Dashboard-Token": dashboard_token},
    )
    assert [e["id"] for e in response.json()["results"]] == [overlapping.pk]


def test_list_pages_are_bounded_and_the_cursor_walks_every_row_once(api, tenant, dashboard_token, settings):
    settings.API_PAGE_SIZE_MAX = 3
    made = [entry(tenant, 1 + i % 3, hour=9) for i in range(7)]  # equal starts: the id breaks ties
    seen, cursor = [], None
    for _ in range(5):
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = api.get(URL, params, headers={"X-Dashboard-Token": dashboard_token}).json()
        assert len(page["results"]) <= 3
        seen += [e["id"] for e in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(e.pk for e in made) and len(seen) == len(set(seen))
    too_many = api.get(URL, {"limit": 4}, headers={"X-Dashboard-Token": dashboard_token})
    assert too_many.status_code == 400 and "limit" in _fields(too_many)


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-05-01T00:00:00"},
        {"tenant": "nope"},
        {"limit": "x"},
        {"cursor": "!!"},
        {"start": "2026-05-02T00:00Z", "end": "2026-05-01T00:00Z"},
    ],
)
def test_list_bad_parameters_are_400(api, tenant, dashboard_token, params):
    response = api.get(URL, params, headers={"X-Dashboard-Token": dashboard_token})
    assert response.status_code == 400
    assert set(params) & set(_fields(response))


def test_list_query_count_does_not_grow_with_rows(
    api, tenant, other_tenant, dashboard_token, django_assert_max_num_queries
):
    for day in range(1, 25):
        entry(tenant if day % 2 else other_tenant, day)
    with django_assert_max_num_queries(2):
        response = api.get(URL, headers={"X-Dashboard-Token": dashboard_token})
    assert len(response.json()["results"]) == 24


@pytest.mark.parametrize(
    "value",
    [
        "0606-01-20T16:08:52-18:58",  # an offset PostgreSQL cannot store (found by schemathesis)
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
    ],
)
def test_times_at_the_calendars_edges_are_a_clear_answer_never_a_500(api, tenant, dashboard_token, value):
    listing = api.get(URL, {"start": value}, headers={"X-Dashboard-Token": dashboard_token})
    assert listing.status_code in (200, 400), listing.content
    created = post(api, dashboard_token, valid_body(start=value, end="9999-12-31T23:59:59Z"))
    assert created.status_code in (201, 400), created.content
