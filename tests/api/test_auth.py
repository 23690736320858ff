"""Credentials: constant-time token, bcrypt service key paid once, rotation grace, rate limit, CSRF."""

from __future__ import annotations

import json
from datetime import timedelta

import bcrypt
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from api import auth
from bookings.models import CalendarEntry
from tests.api.conftest import make_key

pytestmark = pytest.mark.django_db

BAD_SECRETS = {
    "empty": "",
    "spaces": "   ",
    "over-72-bytes": "a" * 73,
    "very-long": "a" * 5000,
    "non-ascii": "clé-secrète",
    "latin1-byte": "\xff\xfe",
    "nul": "abc\x00def",
    "wrong": "not-the-key",
}


def events_post(api, authorization, body=None, **extra):
    headers = {} if authorization is None else {"Authorization": authorization}
    return api.post(
        "/api/events",
        data=json.dumps(body if body is not None else {"booking": 1}),
        content_type="application/json",
        headers=headers,
        **extra,
    )


def entries_post(api, token, **extra):
    headers = {} if token is None else {"X-Dashboard-Token": token}
    body = {"tenant": "queen", "title": "t", "start": "2026-03-02T08:00:00Z", "end": "2026-03-02T09:00:00Z"}
    return api.post(
        "/api/calendar/entries", data=json.dumps(body), content_type="application/json", headers=headers, **extra
    )


def assert_401(response):
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_missing_credentials_are_401(api, service_key, dashboard_token, tenant):
    response = events_post(api, None)
    assert_401(response)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_401(entries_post(api, None))
    assert_401(api.get("/api/calendar/entries"))
    assert_401(events_post(api, f"Basic {service_key}"))  # right key, wrong scheme


@pytest.mark.parametrize("bad", BAD_SECRETS.values(), ids=BAD_SECRETS.keys())
def test_bad_service_keys_are_401_not_a_crash(api, service_key, booking, bad):
    assert_401(events_post(api, f"Bearer {bad}"))


@pytest.mark.parametrize("bad", BAD_SECRETS.values(), ids=BAD_SECRETS.keys())
def test_bad_dashboard_tokens_are_401_not_a_crash(api, dashboard_token, tenant, bad):
    assert_401(entries_post(api, bad))
    assert not CalendarEntry.objects.exists()


def test_a_near_miss_token_is_refused(api, dashboard_token, tenant):
    assert_401(entries_post(api, dashboard_token[:-1]))
    assert_401(entries_post(api, dashboard_token + "x"))
    assert entries_post(api, dashboard_token).status_code == 201


def test_unconfigured_secrets_accept_nothing(api, tenant, booking):
    assert_401(entries_post(api, ""))
    assert_401(events_post(api, "Bearer "))


def test_a_misconfigured_hash_is_401_not_500(api, settings, booking):
    settings.SERVICE_KEY_HASH = "not-a-bcrypt-hash"
    assert_401(events_post(api, "Bearer some-key"))


def test_bcrypt_is_paid_once_per_key_per_process(api, service_key, booking, monkeypatch):
    calls = []
    real = bcrypt.checkpw

    def counting(password, hashed):
        calls.append(password)
        return real(password, hashed)

    monkeypatch.setattr(auth.bcrypt, "checkpw", counting)
    for _ in range(5):
        assert events_post(api, f"Bearer {service_key}", {"booking": booking.pk}).status_code in (200, 201)
    assert len(calls) == 1


def test_the_cache_holds_a_keyed_hash_never_the_key(api, service_key, booking, settings):
    events_post(api, f"Bearer {service_key}", {"booking": booking.pk})
    remembered = list(auth._verified)
    assert len(remembered) == 1
    fingerprint, stored = remembered[0]
    assert fingerprint == auth.key_fingerprint(service_key.encode())
    assert service_key.encode() not in fingerprint and stored == settings.SERVICE_KEY_HASH
    assert service_key not in repr(remembered)


def test_the_cache_is_bounded(api, settings, booking):
    settings.API_KEY_CACHE_SIZE = 2
    keys = []
    for _ in range(3):
        key, hashed = make_key()
        settings.SERVICE_KEY_HASH = hashed
        keys.append(key)
        assert events_post(api, f"Bearer {key}", {"booking": booking.pk}).status_code in (200, 201)
    assert len(auth._verified) == 2


def test_a_wrong_key_is_never_remembered_as_good(api, service_key, booking):
    assert_401(events_post(api, "Bearer wrong-key"))
    assert_401(events_post(api, "Bearer wrong-key"))
    assert not auth._verified


def test_rotation_accepts_both_keys_during_the_grace_period(api, settings, booking):
    old_key, old_hash = make_key()
    new_key, new_hash = make_key()
    settings.SERVICE_KEY_HASH = old_hash
    assert events_post(api, f"Bearer {old_key}", {"booking": booking.pk}).status_code == 200  # now cached

    settings.SERVICE_KEY_HASH = new_hash
    settings.SERVICE_KEY_HASH_PREVIOUS = old_hash
    settings.SERVICE_KEY_PREVIOUS_EXPIRES_AT = (timezone.now() + timedelta(hours=1)).isoformat()
    assert events_post(api, f"Bearer {old_key}", {"booking": booking.pk}).status_code == 200
    assert events_post(api, f"Bearer {new_key}", {"booking": booking.pk}).status_code == 200

    settings.SERVICE_KEY_PREVIOUS_EXPIRES_AT = (timezone.now() - timedelta(seconds=1)).isoformat()
    assert_401(events_post(api, f"Bearer {old_key}", {"booking": booking.pk}))  # even though it was cached
    assert events_post(api, f"Bearer {new_key}", {"booking": booking.pk}).status_code == 200


def test_a_previous_hash_without_an_expiry_is_not_accepted(api, settings, booking):
    old_key, old_hash = make_key()
    settings.SERVICE_KEY_HASH = make_key()[1]
    settings.SERVICE_KEY_HASH_PREVIOUS = old_hash
    for expiry in ("", "2999-01-01T00:00:00"):  # missing, or naive: no clear end
        settings.SERVICE_KEY_PREVIOUS_EXPIRES_AT = expiry
        assert_401(events_post(api, f"Bearer {old_key}", {"booking": booking.pk}))


def test_failed_attempts_are_rate_limited_per_ip(api, settings, service_key, booking, monkeypatch):
    settings.API_AUTH_FAILURES_PER_MINUTE = 3
    checks = []
    real = bcrypt.checkpw
    monkeypatch.setattr(auth.bcrypt, "checkpw", lambda p, h: checks.append(1) or real(p, h))
    for _ in range(3):
        assert_401(events_post(api, "Bearer guess"))
    blocked = events_post(api, f"Bearer {service_key}", {"booking": booking.pk})
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert 0 < int(blocked["Retry-After"]) <= 60
    assert len(checks) == 3  # no bcrypt work once blocked
    other_ip = events_post(api, f"Bearer {service_key}", {"booking": booking.pk}, REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200


def test_dashboard_failures_count_too(api, settings, dashboard_token, tenant):
    settings.API_AUTH_FAILURES_PER_MINUTE = 2
    assert_401(entries_post(api, "guess1"))
    assert_401(entries_post(api, "guess2"))
    assert entries_post(api, dashboard_token).status_code == 429


def test_api_ignores_session_cookies_and_csrf(api, dashboard_token, tenant):
    """A staff session cookie neither authenticates the API nor is credited with its writes."""
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    api.force_login(user)
    assert_401(entries_post(api, None))
    response = entries_post(api, dashboard_token)
    assert response.status_code == 201  # no CSRF token sent, CSRF enforced: still accepted
    record = CalendarEntry.objects.get().history.get()
    assert record.history_user is None
    assert record.history_actor == "service:dashboard"


def test_the_admin_still_enforces_csrf():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403


def test_health_and_openapi_need_no_credential(api):
    assert api.get("/api/health").json()["status"] == "ok"
    assert api.get("/api/openapi.json").json()["openapi"].startswith("3.")
