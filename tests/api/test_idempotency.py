"""Idempotency-Key: a retry returns the first response and changes nothing."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from api.auth import key_id
from api.idempotency import body_hash
from api.models import IdempotencyRecord
from bookings.models import CalendarEntry
from crew.models import Assignment
from outbox.models import Effect

pytestmark = pytest.mark.django_db

ENTRY = {
    "tenant": "queen",
    "title": "Blackout",
    "start": "2026-04-01T00:00:00Z",
    "end": "2026-04-02T00:00:00Z",
    "kind": "blackout",
}


def post_entry(api, token, body=ENTRY, key="k-1"):
    headers = {"X-Dashboard-Token": token} | ({"Idempotency-Key": key} if key is not None else {})
    return api.post("/api/calendar/entries", data=json.dumps(body), content_type="application/json", headers=headers)


def post_event(api, service_key, body, key="ev-1"):
    return api.post(
        "/api/events",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {service_key}", "Idempotency-Key": key},
    )


def test_a_retry_returns_the_first_response_and_creates_nothing(api, tenant, dashboard_token):
    first = post_entry(api, dashboard_token)
    again = post_entry(api, dashboard_token)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert (first["Idempotent-Replayed"], again["Idempotent-Replayed"]) == ("false", "true")
    assert CalendarEntry.objects.count() == 1
    assert CalendarEntry.history.count() == 1


def test_without_a_key_each_request_acts(api, tenant, dashboard_token):
    post_entry(api, dashboard_token, key=None)
    post_entry(api, dashboard_token, key=None)
    assert CalendarEntry.objects.count() == 2


def test_the_same_key_with_another_body_is_422(api, tenant, dashboard_token):
    post_entry(api, dashboard_token)
    response = post_entry(api, dashboard_token, body=ENTRY | {"title": "Something else"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert list(CalendarEntry.objects.values_list("title", flat=True)) == ["Blackout"]


def test_a_refused_request_is_not_remembered(api, tenant, dashboard_token):
    bad = post_entry(api, dashboard_token, body=ENTRY | {"end": "2026-03-01T00:00:00Z"})
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert post_entry(api, dashboard_token).status_code == 201  # corrected, same key


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "clé"])
def test_malformed_keys_are_400(api, tenant, dashboard_token, key):
    response = post_entry(api, dashboard_token, key=key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not CalendarEntry.objects.exists()


def test_event_retry_sends_no_second_invitation(api, service_key, booking, crew):
    body = {"booking": booking.pk, "assignments": [{"crew_member": crew[0].pk, "role": "captain", "paid_hours": "3"}]}
    first = post_event(api, service_key, body)
    Assignment.objects.all().delete()  # whatever happened since, a retry must not act again
    again = post_event(api, service_key, body)
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert not Assignment.objects.exists()
    assert Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION).count() == 1


def test_keys_are_scoped_to_the_caller_and_endpoint(api, tenant, dashboard_token, service_key, booking, settings):
    assert post_entry(api, dashboard_token, key="shared")["Idempotent-Replayed"] == "false"
    response = post_event(api, service_key, {"booking": booking.pk}, key="shared")
    assert response.status_code == 200 and response["Idempotent-Replayed"] == "false"
    identities = set(IdempotencyRecord.objects.values_list("identity", flat=True))
    assert identities == {"dashboard", f"service:{key_id(settings.SERVICE_KEY_HASH)}"}


def test_a_concurrent_duplicate_that_wins_the_insert_is_replayed(api, tenant, dashboard_token, monkeypatch):
    """The other request committed its record between our look-up and our insert: the unique constraint decides."""
    raw = json.dumps(ENTRY).encode()
    manager = IdempotencyRecord.objects
    real_filter = manager.filter
    raced = []

    def racing_filter(*args, **kwargs):
        if not raced:
            raced.append(True)
            manager.create(
                identity="dashboard",
                endpoint="POST /api/calendar/entries",
                key="k-1",
                request_hash=body_hash(raw),
                status_code=201,
                response_body={"winner": True},
            )
            return manager.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(manager, "filter", racing_filter)
    response = post_entry(api, dashboard_token)
    assert response.status_code == 201
    assert response.json() == {"winner": True}
    assert response["Idempotent-Replayed"] == "true"
    assert not CalendarEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_retries_create_one_entry(tenant, settings):
    settings.DASHBOARD_TOKEN = "parallel-token"
    results: list[tuple[int, dict]] = []
    barrier = threading.Barrier(4)

    def send():
        try:
            barrier.wait()
            response = post_entry(Client(enforce_csrf_checks=True), "parallel-token")
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert CalendarEntry.objects.count() == 1
    assert len(results) == 4 and all(r == results[0] for r in results)
    assert results[0][0] == 201
