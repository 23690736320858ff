"""POST /g/<slug>/uploads: the presigned POST policy, validation, cap, CORS and errors.

moto does not enforce POST policies, so every condition is asserted on the
decoded policy here; test_seaweedfs.py shows a real server refusing uploads.
"""

from __future__ import annotations

import json
import os
import re
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
import time_machine
from django.db import connection
from django.test import Client

from bookings.models import Booking
from bookings.services import booking_save
from guestpages.models import PhotoUpload
from guestpages.services import guest_page_ensure
from tests.factories import BookingFactory
from tests.guestpages.helpers import (
    CONSENT,
    ask_grant,
    conditions_by_name,
    decode_policy,
    grant_body,
    policy_expiration,
    sigv4_signature,
)

# Inside the window of the default booking (Dec 5, 2026, 10:00-15:00 PST = 18:00-23:00 UTC).
DURING = datetime(2026, 12, 5, 19, 30, tzinfo=UTC)
MB = 1024 * 1024
GUEST_ORIGIN = "https://queenofsandiego.com"


@pytest.fixture
def during():
    with time_machine.travel(DURING, tick=False):
        yield DURING


# --- the policy ----------------------------------------------------------------------


def test_grant_is_a_sigv4_post_whose_policy_pins_every_field(client, s3, page, booking, during):
    response = ask_grant(client, page)

    assert response.status_code == 200, response.content
    body = response.json()
    fields = body["fields"]
    key = fields["key"]
    assert re.fullmatch(rf"photos/{booking.pk}/[0-9a-f]{{32}}\.png", key)
    assert body["key"] == key
    assert body["url"] == f"https://{booking.tenant.s3_bucket}.s3.amazonaws.com/"

    # SigV4, not the SigV2 fields boto3 emits in us-east-1 without s3v4.
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    # mock_aws swaps in its own fake keys while active: sign-check with whatever the client used.
    assert fields["x-amz-credential"] == f"{os.environ['AWS_ACCESS_KEY_ID']}/20261205/us-east-1/s3/aws4_request"
    assert fields["x-amz-date"] == "20261205T193000Z"
    assert re.fullmatch(r"[0-9a-f]{64}", fields["x-amz-signature"])
    assert fields["x-amz-signature"] == sigv4_signature(os.environ["AWS_SECRET_ACCESS_KEY"], fields)
    assert not {"AWSAccessKeyId", "signature"} & set(fields)

    policy = decode_policy(fields)
    named = conditions_by_name(policy)
    assert named == {
        "bucket": booking.tenant.s3_bucket,
        "key": key,  # exact: not starts-with a prefix the browser could extend
        "Content-Type": "image/png",
        "x-amz-meta-consent": CONSENT,
        "content-length-range": [1, 25 * MB],
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": fields["x-amz-credential"],
        "x-amz-date": fields["x-amz-date"],
    }
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in policy["conditions"])
    # Fields are not conditions: each value the form carries is also pinned by the policy.
    for name, value in fields.items():
        if name not in ("policy", "x-amz-signature"):
            assert named[name] == value, name
    assert policy_expiration(policy) == DURING + timedelta(minutes=15)
    assert body["expires_at"] == (DURING + timedelta(minutes=15)).isoformat()
    assert body["max_bytes"] == 25 * MB

    upload = PhotoUpload.objects.get()
    assert (upload.booking, upload.key, upload.content_type) == (booking, key, "image/png")
    assert (upload.declared_size, upload.original_filename, upload.consent) == (2048, "sunset.png", CONSENT)
    assert upload.expires_at == DURING + timedelta(minutes=15)
    assert upload.ip_hash and "127.0.0.1" not in upload.ip_hash


@pytest.mark.parametrize(
    ("content_type", "ext"),
    [
        ("image/jpeg", "jpg"),
        ("image/png", "png"),
        ("image/heic", "heic"),
        ("image/webp", "webp"),
        ("IMAGE/JPEG", "jpg"),
    ],
)
def test_each_allowed_type_gets_its_own_extension_and_exact_condition(client, s3, page, during, content_type, ext):
    response = ask_grant(client, page, content_type=content_type, filename="photo.bin")

    assert response.status_code == 200
    fields = response.json()["fields"]
    assert fields["key"].endswith(f".{ext}")
    assert conditions_by_name(decode_policy(fields))["Content-Type"] == content_type.lower()
    assert fields["Content-Type"] == content_type.lower()


def test_keys_are_new_for_every_grant(client, s3, page, during):
    keys = {ask_grant(client, page).json()["key"] for _ in range(5)}
    assert len(keys) == 5
    assert set(PhotoUpload.objects.values_list("key", flat=True)) == keys


def test_size_limit_is_configurable(client, s3, page, during, settings):
    settings.GUEST_UPLOAD_MAX_BYTES = 5000

    ok = ask_grant(client, page, size=5000)
    too_big = ask_grant(client, page, size=5001)

    assert conditions_by_name(decode_policy(ok.json()["fields"]))["content-length-range"] == [1, 5000]
    assert too_big.status_code == 400
    assert too_big.json()["errors"]["size"] == ["Between 1 and 5000 bytes."]


def test_grant_ttl_is_configurable(client, s3, page, during, settings):
    settings.GUEST_UPLOAD_GRANT_TTL_SECONDS = 120

    policy = decode_policy(ask_grant(client, page).json()["fields"])

    assert policy_expiration(policy) == DURING + timedelta(seconds=120)


def test_consent_outside_ascii_is_percent_encoded_in_metadata_and_kept_in_the_row(client, s3, page, during):
    consent = "Acepto: Señorita Charters may keep my photos — 100% mine."

    fields = ask_grant(client, page, consent=consent).json()["fields"]

    stored = fields["x-amz-meta-consent"]
    assert stored.isascii()
    assert unquote(stored) == consent
    assert conditions_by_name(decode_policy(fields))["x-amz-meta-consent"] == stored
    assert PhotoUpload.objects.get().consent == consent


def test_consent_is_one_line(client, s3, page, during):
    fields = ask_grant(client, page, consent="  I agree\r\nX-Injected: yes  ").json()["fields"]
    assert fields["x-amz-meta-consent"] == "I agree X-Injected: yes"


# --- bad requests: 400 with field errors, never 500 ------------------------------------


@pytest.mark.parametrize(
    "content_type", ["image/gif", "image/svg+xml", "text/html", "application/octet-stream", "image/jpg", "image/*"]
)
def test_other_content_types_are_refused(client, s3, page, during, content_type):
    response = ask_grant(client, page, content_type=content_type)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "content_type" in response.json()["errors"]
    assert not PhotoUpload.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "__all__"),
        (b"\xff\xfe", "__all__"),
        (b"[1, 2]", "__all__"),
        (b'"text"', "__all__"),
        (b"null", "__all__"),
        (b"", "__all__"),
        (json.dumps({"content_type": "image/png", "size": 10, "consent": "ok"}).encode(), "filename"),
        (json.dumps(grant_body(filename=None)).encode(), "filename"),
        (json.dumps(grant_body(filename=["a.png"])).encode(), "filename"),
        (json.dumps(grant_body(content_type="")).encode(), "content_type"),
        (json.dumps(grant_body(content_type=7)).encode(), "content_type"),
        (json.dumps(grant_body(size="2048")).encode(), "size"),
        (json.dumps(grant_body(size=True)).encode(), "size"),
        (json.dumps(grant_body(size=1.5)).encode(), "size"),
        (json.dumps(grant_body(size=None)).encode(), "size"),
        (json.dumps(grant_body(size=0)).encode(), "size"),
        (json.dumps(grant_body(size=-1)).encode(), "size"),
        (json.dumps(grant_body(size=25 * MB + 1)).encode(), "size"),
        (json.dumps(grant_body(size=10**30)).encode(), "size"),
        (json.dumps(grant_body(consent="")).encode(), "consent"),
        (json.dumps(grant_body(consent="   ")).encode(), "consent"),
        (json.dumps(grant_body(consent={"ok": True})).encode(), "consent"),
        (json.dumps(grant_body(consent="x" * 1001)).encode(), "consent"),
        (json.dumps(grant_body(consent="é" * 700)).encode(), "consent"),
        (json.dumps(grant_body(filename="x" * 9000)).encode(), "__all__"),
    ],
)
def test_bad_requests_get_field_errors(client, s3, page, during, body, field):
    response = client.post(f"/g/{page.slug}/uploads", data=body, content_type="application/json")

    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["code"] == "invalid"
    assert payload["reason"]
    assert field in payload["errors"], payload
    assert not PhotoUpload.objects.exists()


def test_a_huge_body_is_refused_in_json_without_being_read(client, s3, page, during):
    body = json.dumps(grant_body(filename="x" * (3 * MB))).encode()  # past DATA_UPLOAD_MAX_MEMORY_SIZE

    response = client.post(f"/g/{page.slug}/uploads", data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"__all__": ["Request body too large."]}


def test_without_credentials_the_answer_is_503_json(client, page, during, monkeypatch, settings, tmp_path):
    from guestpages import uploads

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"  # nothing is contacted: signing fails first
    uploads.reset_clients()
    try:
        response = ask_grant(client, page)
    finally:
        uploads.reset_clients()

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert not PhotoUpload.objects.exists()


# --- 404 and methods --------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug", ["boatsetter-dec-5-nope-abcdefgh", "Boatsetter-Dec-5", "..", "%2e%2e", "a_b", "x" * 101, "-x"]
)
def test_unknown_or_malformed_slug_is_a_json_404(client, s3, page, during, slug):
    response = client.post(f"/g/{slug}/uploads", data=json.dumps(grant_body()), content_type="application/json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not PhotoUpload.objects.exists()


def test_cancelled_booking_is_a_json_404(client, s3, page, booking, during):
    booking.status = Booking.Status.CANCELLED
    booking_save(booking=booking, service="tests")

    response = ask_grant(client, page, origin=GUEST_ORIGIN)
    preflight = client.options(f"/g/{page.slug}/uploads", HTTP_ORIGIN=GUEST_ORIGIN)

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "reason": "This guest page does not exist."}
    # A copy of the page still cached on the guest domain gets through preflight and can read why.
    assert preflight.status_code == 204
    assert response["Access-Control-Allow-Origin"] == GUEST_ORIGIN
    assert not PhotoUpload.objects.exists()


def test_get_is_not_allowed(client, page):
    assert client.get(f"/g/{page.slug}/uploads").status_code == 405


def test_works_with_csrf_checks_on(s3, page, during):
    response = ask_grant(Client(enforce_csrf_checks=True), page, origin=GUEST_ORIGIN)
    assert response.status_code == 200


# --- CORS: the tenant's guest domain only ---------------------------------------------------


def test_preflight_from_the_guest_domain_is_allowed(client, page):
    response = client.options(
        f"/g/{page.slug}/uploads",
        HTTP_ORIGIN=GUEST_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == GUEST_ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert response["Access-Control-Allow-Headers"].lower() == "content-type"
    assert "Origin" in response["Vary"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://queenofsandiego.com",  # not https
        "https://queenofsandiego.com.evil.example",
        "https://www.queenofsandiego.com",
        "https://keywestsunsets.example",  # another tenant's guest domain
        "null",
    ],
)
def test_other_origins_get_no_cors_headers(client, s3, page, other_tenant, during, origin):
    preflight = client.options(f"/g/{page.slug}/uploads", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    post = ask_grant(client, page, origin=origin)

    for response in (preflight, post):
        assert "Access-Control-Allow-Origin" not in response
        assert "Access-Control-Allow-Methods" not in response
        assert "Origin" in response["Vary"]


def test_answers_to_the_guest_domain_carry_cors_so_the_page_can_read_them(client, s3, page, during):
    ok = ask_grant(client, page, origin=GUEST_ORIGIN)
    bad = ask_grant(client, page, origin=GUEST_ORIGIN, content_type="image/gif")
    with time_machine.travel(DURING + timedelta(days=3), tick=False):
        closed = ask_grant(client, page, origin=GUEST_ORIGIN)

    for response, status in ((ok, 200), (bad, 400), (closed, 403)):
        assert response.status_code == status
        assert response["Access-Control-Allow-Origin"] == GUEST_ORIGIN
        assert response["Cache-Control"] == "no-store"


def test_cors_follows_each_tenants_own_domain(client, s3, other_tenant, during):
    other_page = guest_page_ensure(booking=BookingFactory(tenant=other_tenant))

    response = client.options(f"/g/{other_page.slug}/uploads", HTTP_ORIGIN="https://keywestsunsets.example")
    wrong = client.options(f"/g/{other_page.slug}/uploads", HTTP_ORIGIN=GUEST_ORIGIN)

    assert response["Access-Control-Allow-Origin"] == "https://keywestsunsets.example"
    assert "Access-Control-Allow-Origin" not in wrong


# --- the per-booking cap ----------------------------------------------------------------------


def test_cap_on_grants_per_booking(client, s3, page, booking, tenant, during, settings):
    settings.GUEST_UPLOAD_MAX_GRANTS = 3
    other_page = guest_page_ensure(booking=BookingFactory(tenant=tenant))

    statuses = [ask_grant(client, page).status_code for _ in range(3)]
    refused = ask_grant(Client(REMOTE_ADDR="203.0.113.9"), page)
    other = ask_grant(client, other_page)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 403
    assert refused.json()["code"] == "limit_reached"
    assert "limit" in refused.json()["reason"]
    assert other.status_code == 200
    assert PhotoUpload.objects.filter(booking=booking).count() == 3


def test_default_cap_is_200(settings):
    assert settings.GUEST_UPLOAD_MAX_GRANTS == 200
    assert settings.GUEST_UPLOAD_MAX_BYTES == 25 * MB
    assert settings.GUEST_UPLOAD_GRANT_TTL_SECONDS == 900


@pytest.mark.django_db(transaction=True)
def test_cap_holds_when_phones_ask_at_the_same_time(s3, tenant, settings):
    """Twelve requests at once for the last five grants: exactly five are given."""
    settings.GUEST_UPLOAD_MAX_GRANTS = 5
    page = guest_page_ensure(booking=BookingFactory(tenant=tenant))
    start = threading.Barrier(12)
    statuses: list[int] = []

    def phone():
        try:
            start.wait()
            statuses.append(ask_grant(Client(), page).status_code)
        finally:
            connection.close()

    with time_machine.travel(DURING, tick=False):
        threads = [threading.Thread(target=phone) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

    assert sorted(statuses) == [200] * 5 + [403] * 7
    assert PhotoUpload.objects.filter(booking=page.booking).count() == 5
