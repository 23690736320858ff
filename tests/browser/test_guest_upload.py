"""A guest opens the published page in headless Chromium, picks a photo and uploads it.

The page is served by the dev server's /g/<slug> (GUESTPAGES_BACKEND=local) from
live_server, which also answers the grant: page and grant endpoint share one
origin, as they do on a laptop. The photo goes cross-origin to a real S3 server
(SeaweedFS) configured with the shipped bucket CORS rule.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from guestpages import uploads
from guestpages.services import guest_page_ensure, guest_page_publish
from tests.factories import BookingFactory
from tests.guestpages.helpers import ACCESS_KEY, SECRET_KEY, png_bytes, seaweedfs  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

CORS_FILE = Path(__file__).resolve().parents[2] / "guestpages/cloudfront/bucket-cors.json"


@pytest.fixture
def guest_site(seaweedfs, live_server, settings, monkeypatch, tenant):  # noqa: F811 - the imported fixture
    for name, value in {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    settings.GUESTPAGES_BACKEND = "local"
    settings.CHARTEROPS_BASE_URL = live_server.url
    settings.AWS_S3_ENDPOINT_URL = seaweedfs.url
    settings.AWS_S3_REGION_NAME = "us-east-1"
    uploads.reset_clients()
    s3 = seaweedfs.client()
    s3.create_bucket(Bucket=tenant.s3_bucket)
    now = timezone.now()
    booking = BookingFactory(
        tenant=tenant, guest_name="Jordan Rivers", start=now - timedelta(hours=1), end=now + timedelta(hours=2)
    )
    page = guest_page_ensure(booking=booking)
    guest_page_publish(booking_id=booking.pk)
    yield type("GuestSite", (), {"s3": s3, "page": page, "booking": booking, "url": f"{live_server.url}/g/{page.slug}"})
    for item in s3.list_objects_v2(Bucket=tenant.s3_bucket).get("Contents", []):
        s3.delete_object(Bucket=tenant.s3_bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=tenant.s3_bucket)
    uploads.reset_clients()


def shipped_cors_for(origin: str) -> dict:
    """The bucket CORS file users apply, with their guest domain swapped for the test origin."""
    rules = json.loads(CORS_FILE.read_text())
    for rule in rules["CORSRules"]:
        rule["AllowedOrigins"] = [origin]
    return rules


def pick_and_upload(page, url: str, photo: bytes) -> None:
    page.goto(url)
    page.locator("#photo").set_input_files(files=[{"name": "sunset.png", "mimeType": "image/png", "buffer": photo}])
    page.locator("#consent").check()
    page.locator("#upload-button").click()


def test_guest_uploads_a_photo_from_the_page(page, guest_site, live_server, tenant):
    from playwright.sync_api import expect

    guest_site.s3.put_bucket_cors(Bucket=tenant.s3_bucket, CORSConfiguration=shipped_cors_for(live_server.url))
    photo = png_bytes(8, 8)

    pick_and_upload(page, guest_site.url, photo)

    status = page.locator("#upload-status")
    expect(status).to_have_text("Thank you! Your photo is uploaded.", timeout=20_000)
    expect(status).to_have_class("status ok")
    expect(page.get_by_role("heading", name="Welcome aboard, Jordan!")).to_be_visible()
    objects = guest_site.s3.list_objects_v2(Bucket=tenant.s3_bucket, Prefix=f"photos/{guest_site.booking.pk}/")
    (item,) = objects["Contents"]
    stored = guest_site.s3.get_object(Bucket=tenant.s3_bucket, Key=item["Key"])
    assert stored["Body"].read() == photo
    assert stored["ContentType"] == "image/png"
    consent = page.locator("#consent-text").text_content()
    assert stored["Metadata"] == {"consent": consent}


def test_a_cors_rule_for_another_origin_leaves_the_page_unable_to_confirm(page, guest_site, tenant):
    """Why the rule must name the guest domain: S3 stores the POST, but the browser may not read the answer.

    (With no CORS rule at all SeaweedFS allows every origin, unlike S3, which allows none:
    so this test sets the rule for a different origin.)
    """
    from playwright.sync_api import expect

    guest_site.s3.put_bucket_cors(
        Bucket=tenant.s3_bucket, CORSConfiguration=shipped_cors_for(f"https://{tenant.guest_domain}")
    )

    pick_and_upload(page, guest_site.url, png_bytes())

    status = page.locator("#upload-status")
    expect(status).to_have_class("status err", timeout=20_000)
    expect(status).to_contain_text("did not finish")
