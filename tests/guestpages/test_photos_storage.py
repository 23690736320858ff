"""Grants against moto: the form posts (moto checks no policy), staff see the photos, the zip is emailed."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command

from guestpages import uploads
from guestpages.models import PhotoUpload
from tests.factories import BookingFactory, staff_user
from tests.guestpages.helpers import CONSENT, ask_grant, free_port, png_bytes

DURING = datetime(2026, 12, 5, 19, 30, tzinfo=UTC)
AFTER = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def moto_http(aws_credentials, settings, tenant):
    """moto's HTTP server on a free loopback port, as the app's S3 endpoint."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"
    uploads.reset_clients()
    uploads.s3_client().create_bucket(Bucket=tenant.s3_bucket)
    yield settings.AWS_S3_ENDPOINT_URL
    uploads.reset_clients()
    server.stop()


def upload(grant: dict, data: bytes, filename: str = "sunset.png") -> requests.Response:
    return requests.post(grant["url"], data=grant["fields"], files={"file": (filename, data)}, timeout=10)


def test_the_granted_form_posts_to_s3(client, moto_http, page, tenant):
    with time_machine.travel(DURING, tick=False):
        grant = ask_grant(client, page).json()
    photo = png_bytes()

    response = upload(grant, photo)

    assert response.status_code == 204, response.text
    assert grant["url"] == f"{moto_http}/{tenant.s3_bucket}"
    stored = uploads.s3_client().get_object(Bucket=tenant.s3_bucket, Key=grant["key"])
    assert stored["Body"].read() == photo
    assert stored["Metadata"] == {"consent": CONSENT}


# --- staff: thumbnails in the booking's admin page ---------------------------------------------


def grant_and_maybe_upload(client, page, s3, tenant, *, upload_it: bool, content_type: str = "image/png") -> str:
    with time_machine.travel(DURING, tick=False):
        key = ask_grant(client, page, content_type=content_type).json()["key"]
    if upload_it:
        s3.put_object(Bucket=tenant.s3_bucket, Key=key, Body=png_bytes(), ContentType=content_type)
    return key


def test_admin_shows_uploaded_photos_with_presigned_thumbnails(client, s3, page, booking, tenant):
    shown = grant_and_maybe_upload(client, page, s3, tenant, upload_it=True)
    heic = grant_and_maybe_upload(client, page, s3, tenant, upload_it=True, content_type="image/heic")
    never = grant_and_maybe_upload(client, page, s3, tenant, upload_it=False)
    client.force_login(staff_user(tenant))

    html = client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()

    assert "guest photos" in html.lower()
    thumbs = [u.replace("&amp;", "&") for u in _img_sources(html)]
    assert len(thumbs) == 1
    url = urlparse(thumbs[0])
    assert url.path == f"/{shown}" and url.netloc == f"{tenant.s3_bucket}.s3.amazonaws.com"
    query = parse_qs(url.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["600"]
    assert "X-Amz-Signature" in query
    assert "HEIC photo (download)" in html and heic in html.replace("&amp;", "&")
    assert never in html  # listed as a grant, marked as never uploaded
    assert "not uploaded" in html
    assert CONSENT in html


def _img_sources(html: str) -> list[str]:
    import re

    return re.findall(r'<img src="([^"]+)" alt="guest photo"', html)


def test_admin_page_survives_an_unreachable_bucket(client, s3, page, booking, tenant):
    grant_and_maybe_upload(client, page, s3, tenant, upload_it=True)
    s3.delete_object(Bucket=tenant.s3_bucket, Key=PhotoUpload.objects.get().key)
    s3.delete_bucket(Bucket=tenant.s3_bucket)
    client.force_login(staff_user(tenant))

    response = client.get(f"/admin/bookings/booking/{booking.pk}/change/")

    assert response.status_code == 200
    assert "storage unavailable" in response.content.decode()


def test_staff_of_another_brand_cannot_open_the_booking(client, s3, page, booking, other_tenant):
    client.force_login(staff_user(other_tenant, username="keywest"))
    assert client.get(f"/admin/bookings/booking/{booking.pk}/change/").status_code in (302, 404)


def test_admin_lists_photos_with_one_bucket_request(client, s3, page, booking, tenant):
    for _ in range(4):
        grant_and_maybe_upload(client, page, s3, tenant, upload_it=True)
    calls: list[str] = []
    s3.meta.events.register("before-call.s3", lambda model, **kw: calls.append(model.name))
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))

    client.get(f"/admin/bookings/booking/{booking.pk}/change/")

    assert calls == ["ListObjectsV2"]


# --- send_guest_photos ----------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_guest_photos", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_command_zips_the_uploaded_photos_and_emails_the_guest(client, s3, page, booking, tenant):
    first = grant_and_maybe_upload(client, page, s3, tenant, upload_it=True)
    grant_and_maybe_upload(client, page, s3, tenant, upload_it=False)  # granted, never sent
    second = grant_and_maybe_upload(client, page, s3, tenant, upload_it=True, content_type="image/webp")
    s3.put_object(Bucket=tenant.s3_bucket, Key=second, Body=b"webp bytes")

    with time_machine.travel(AFTER, tick=False):
        output = run(booking.pk)

    assert "Sent 2 photo(s)" in output
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jordan.guest@example.com"]
    assert message.from_email == f"Queen of San Diego <{tenant.sender_email}>"
    assert "Jordan" in message.body and "Rivers" not in message.body
    ((name, data, mimetype),) = message.attachments
    assert (name, mimetype) == ("queen-of-san-diego-photos-2026-12-05.zip", "application/zip")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == ["photo-001.png", "photo-002.webp"]
    assert archive.read("photo-001.png") == s3.get_object(Bucket=tenant.s3_bucket, Key=first)["Body"].read()
    assert archive.read("photo-002.webp") == b"webp bytes"


def test_command_dry_run_sends_nothing(client, s3, page, booking, tenant):
    grant_and_maybe_upload(client, page, s3, tenant, upload_it=True)

    with time_machine.travel(AFTER, tick=False):
        output = run(booking.pk, "--dry-run")

    assert "Dry run: would email 1 photo(s)" in output and "jordan.guest@example.com" in output
    assert mail.outbox == []


def test_command_skips_a_booking_without_guest_email(client, s3, tenant):
    booking = BookingFactory(tenant=tenant, guest_email="")
    from guestpages.services import guest_page_ensure

    grant_and_maybe_upload(client, guest_page_ensure(booking=booking), s3, tenant, upload_it=True)

    with time_machine.travel(AFTER, tick=False):
        output = run(booking.pk)

    assert f"Skipped: booking {booking.pk} (Jordan Guest) has no guest email." in output
    assert mail.outbox == []


def test_command_skips_when_no_photo_arrived(client, s3, page, booking, tenant):
    grant_and_maybe_upload(client, page, s3, tenant, upload_it=False)

    with time_machine.travel(AFTER, tick=False):
        output = run(booking.pk)

    assert "Skipped: no photos were uploaded" in output
    assert mail.outbox == []


def test_command_refuses_before_the_charter_ends(client, s3, page, booking, tenant):
    grant_and_maybe_upload(client, page, s3, tenant, upload_it=True)

    with time_machine.travel(DURING, tick=False), pytest.raises(CommandError, match="3:00 PM PST; send the photos"):
        run(booking.pk)
    assert mail.outbox == []


def test_command_refuses_an_unknown_booking(db):
    with pytest.raises(CommandError, match="No booking with id 987654"):
        run(987654)


def test_command_refuses_a_bad_booking_id(db):
    with pytest.raises(CommandError, match="invalid int value"):
        run("not-a-number")


def test_command_refuses_a_zip_too_big_to_email(client, s3, page, booking, tenant, settings):
    settings.GUEST_PHOTOS_EMAIL_MAX_BYTES = 10
    grant_and_maybe_upload(client, page, s3, tenant, upload_it=True)

    with time_machine.travel(AFTER, tick=False), pytest.raises(CommandError, match="too large to email"):
        run(booking.pk)
    assert mail.outbox == []


def test_command_reports_a_missing_bucket(client, s3, page, booking, tenant):
    s3.delete_bucket(Bucket=tenant.s3_bucket)

    with time_machine.travel(AFTER, tick=False), pytest.raises(CommandError, match="Could not list the photos"):
        run(booking.pk)


def test_command_exit_code_is_non_zero_on_bad_input(db, capsys):
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "send_guest_photos", "987654"]).execute()
    assert exited.value.code != 0
    assert "No booking with id 987654" in capsys.readouterr().err


@pytest.mark.parametrize("with_management_form", [True, False])
def test_saving_the_booking_leaves_its_photos_alone(client, s3, page, booking, tenant, with_management_form):
    from tests.bookings.test_admin import booking_form_data

    keys = [grant_and_maybe_upload(client, page, s3, tenant, upload_it=True) for _ in range(2)]
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    data = booking_form_data(booking, guest_notes="Bring a jacket.")
    if with_management_form:  # what the browser sends back for the read-only rows
        rows = PhotoUpload.objects.filter(booking=booking).order_by("id")
        data.update({"photo_uploads-TOTAL_FORMS": "2", "photo_uploads-INITIAL_FORMS": "2",
                     "photo_uploads-MIN_NUM_FORMS": "0", "photo_uploads-MAX_NUM_FORMS": "1000"})  # fmt: skip
        data.update({f"photo_uploads-{i}-id": str(row.pk) for i, row in enumerate(rows)})
        data.update({f"photo_uploads-{i}-booking": str(booking.pk) for i in range(2)})

    response = client.post(f"/admin/bookings/booking/{booking.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[-2000:]
    booking.refresh_from_db()
    assert booking.guest_notes == "Bring a jacket."
    assert sorted(PhotoUpload.objects.filter(booking=booking).values_list("key", flat=True)) == sorted(keys)
