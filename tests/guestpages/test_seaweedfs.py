"""Against SeaweedFS, an S3-compatible server that enforces POST policies (moto does not).

The grant comes from the real endpoint; what the browser could tamper with is
refused by the storage server itself.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import time_machine
from django.utils import timezone

from guestpages import uploads
from guestpages.services import guest_page_ensure
from tests.factories import BookingFactory
from tests.guestpages.helpers import CONSENT, ask_grant, png_bytes, seaweedfs  # noqa: F401 - fixture

pytestmark = pytest.mark.integration


@pytest.fixture
def weed_bucket(seaweedfs, aws_credentials, settings, tenant):  # noqa: F811 - the imported fixture
    settings.AWS_S3_ENDPOINT_URL = seaweedfs.url
    uploads.reset_clients()
    client = seaweedfs.client()
    client.create_bucket(Bucket=tenant.s3_bucket)
    yield client
    for item in client.list_objects_v2(Bucket=tenant.s3_bucket).get("Contents", []):
        client.delete_object(Bucket=tenant.s3_bucket, Key=item["Key"])
    client.delete_bucket(Bucket=tenant.s3_bucket)
    uploads.reset_clients()


@pytest.fixture
def live_page(tenant):
    """A charter on the water right now (real clock: the server checks dates too)."""
    now = timezone.now()
    booking = BookingFactory(tenant=tenant, start=now - timedelta(hours=1), end=now + timedelta(hours=2))
    return guest_page_ensure(booking=booking)


def post(grant: dict, data: bytes, **field_changes) -> requests.Response:
    fields = {**grant["fields"], **field_changes}
    return requests.post(grant["url"], data=fields, files={"file": ("photo.png", data)}, timeout=20)


def keys(client, bucket: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_policy_is_enforced_by_a_real_s3_server(client, weed_bucket, live_page, tenant, settings):
    settings.GUEST_UPLOAD_MAX_BYTES = 4096
    photo = png_bytes()
    grants = [ask_grant(client, live_page, size=len(photo)).json() for _ in range(6)]
    other_booking_key = f"photos/{live_page.booking_id + 1000}/stolen.png"

    oversize = post(grants[0], b"\x89PNG" + b"x" * 4093)  # 4097 bytes
    wrong_key = post(grants[1], photo, key=other_booking_key)
    wrong_prefix_key = post(grants[2], photo, key=grants[2]["key"] + ".html")
    wrong_type = post(grants[3], photo, **{"Content-Type": "text/html"})
    wrong_consent = post(grants[4], photo, **{"x-amz-meta-consent": "nothing"})
    empty = post(grants[5], b"")

    assert oversize.status_code == 400 and "EntityTooLarge" in oversize.text
    assert wrong_key.status_code == 403 and "Policy" in wrong_key.text
    assert wrong_prefix_key.status_code == 403
    assert wrong_type.status_code == 403
    assert wrong_consent.status_code == 403
    assert empty.status_code == 400 and "EntityTooSmall" in empty.text
    assert keys(weed_bucket, tenant.s3_bucket) == []

    valid = post(grants[0], photo)

    assert valid.status_code == 204, valid.text
    assert keys(weed_bucket, tenant.s3_bucket) == [grants[0]["key"]]
    head = weed_bucket.head_object(Bucket=tenant.s3_bucket, Key=grants[0]["key"])
    assert head["ContentType"] == "image/png"
    assert head["Metadata"] == {"consent": CONSENT}
    assert head["ContentLength"] == len(photo)


def test_tampered_signature_and_expired_grant_are_refused(client, weed_bucket, live_page, tenant):
    photo = png_bytes()
    fresh = ask_grant(client, live_page).json()
    with time_machine.travel(timezone.now() - timedelta(minutes=30), tick=False):
        stale = ask_grant(client, live_page).json()  # its policy expired 15 minutes ago

    signature = fresh["fields"]["x-amz-signature"]
    tampered = post(fresh, photo, **{"x-amz-signature": ("0" if signature[0] != "0" else "1") + signature[1:]})
    expired = post(stale, photo)

    assert tampered.status_code == 403, tampered.text
    assert expired.status_code == 403 and "Policy expired" in expired.text
    assert keys(weed_bucket, tenant.s3_bucket) == []
    assert post(fresh, photo).status_code == 204
