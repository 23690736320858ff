"""Guest pages to S3 and CloudFront: once per change, even when repeated or interrupted."""

from __future__ import annotations

import pytest
from botocore.awsrequest import AWSResponse

from bookings.models import Booking, CalendarEntry
from bookings.services import booking_save
from guestpages import publishing
from guestpages.models import GuestPage
from guestpages.services import guest_page_publish, guest_page_render, guest_pages_publish_many
from outbox.models import Effect
from outbox.services import effect_run
from tests.aws import versions
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def publish_effect(booking) -> Effect:
    return Effect.objects.filter(booking=booking, kind=Effect.Kind.PUBLISH_GUEST_PAGE).latest("id")


def test_page_lands_flat_at_the_bucket_root_with_headers_and_one_invalidation(aws, tenant, invalidations):
    booking = BookingFactory(tenant=tenant)
    outcome, _ = effect_run(effect_id=publish_effect(booking).pk)
    assert outcome == "done"
    page = GuestPage.objects.get(booking=booking)
    head = aws.s3.head_object(Bucket=tenant.s3_bucket, Key=f"{page.slug}.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == "public, max-age=300"
    body = aws.s3.get_object(Bucket=tenant.s3_bucket, Key=f"{page.slug}.html")["Body"].read()
    assert body == guest_page_render(page)
    assert [k["Key"] for k in aws.s3.list_objects_v2(Bucket=tenant.s3_bucket)["Contents"]] == [f"{page.slug}.html"]
    assert len(invalidations) == 1
    batch = invalidations[0]["InvalidationBatch"]
    assert invalidations[0]["DistributionId"] == tenant.cloudfront_distribution_id
    assert sorted(batch["Paths"]["Items"]) == [f"/g/{page.slug}", f"/g/{page.slug}.html"]
    assert batch["CallerReference"] == f"guestpage-{page.pk}-{head['Metadata']['content-sha256'][:32]}"
    effect = publish_effect(booking)
    assert effect.status == Effect.Status.SENT and effect.provider_message_id  # the invalidation id
    page.refresh_from_db()
    assert page.published_at is not None


def test_unchanged_content_publishes_nothing_and_invalidates_nothing(aws, tenant, invalidations):
    booking = BookingFactory(tenant=tenant)
    guest_page_publish(booking_id=booking.pk)
    key = GuestPage.objects.get(booking=booking).key
    booking.internal_notes = "staff-only change: not on the guest page"
    booking_save(booking=booking)
    result = guest_page_publish(booking_id=booking.pk)
    assert result.uploaded is False and result.invalidation_id == ""
    assert len(versions(aws.s3, tenant.s3_bucket, key)) == 1
    assert len(invalidations) == 1


def test_a_change_publishes_one_new_version_and_one_new_invalidation(aws, tenant, invalidations):
    booking = BookingFactory(tenant=tenant)
    guest_page_publish(booking_id=booking.pk)
    booking.guest_notes = "Bring a jacket"
    booking_save(booking=booking)
    guest_page_publish(booking_id=booking.pk)
    guest_page_publish(booking_id=booking.pk)  # repeated: nothing more
    key = GuestPage.objects.get(booking=booking).key
    assert len(versions(aws.s3, tenant.s3_bucket, key)) == 2
    refs = [i["InvalidationBatch"]["CallerReference"] for i in invalidations]
    assert len(refs) == 2 and len(set(refs)) == 2


def test_the_same_effect_run_twice_has_one_effect(aws, tenant, invalidations):
    booking = BookingFactory(tenant=tenant)
    effect = publish_effect(booking)
    assert effect_run(effect_id=effect.pk)[0] == "done"
    assert effect_run(effect_id=effect.pk)[0] == "skipped"
    assert len(versions(aws.s3, tenant.s3_bucket, GuestPage.objects.get(booking=booking).key)) == 1
    assert len(invalidations) == 1


def test_crash_after_upload_before_bookkeeping_does_not_upload_again(aws, tenant, invalidations, monkeypatch):
    booking = BookingFactory(tenant=tenant)
    page = GuestPage.objects.get(booking=booking)
    # The worker dies right after the PUT: the bucket has the page, the database does not know.
    real_put = publishing.S3Publisher.put
    monkeypatch.setattr(publishing.S3Publisher, "put", _put_then_die(real_put))
    with pytest.raises(SystemExit):
        guest_page_publish(booking_id=booking.pk)
    monkeypatch.setattr(publishing.S3Publisher, "put", real_put)
    page.refresh_from_db()
    assert page.published_hash == "" and page.pending_hash != ""
    guest_page_publish(booking_id=booking.pk)
    assert len(versions(aws.s3, tenant.s3_bucket, page.key)) == 1
    assert len(invalidations) == 1


def _put_then_die(real_put):
    def put(self, key, html, sha256):
        real_put(self, key, html, sha256)
        raise SystemExit("worker killed after the upload")

    return put


def test_cancelling_replaces_the_page_and_invalidates(aws, tenant, invalidations):
    booking = BookingFactory(tenant=tenant)
    guest_page_publish(booking_id=booking.pk)
    booking.status = Booking.Status.CANCELLED
    booking_save(booking=booking)
    guest_page_publish(booking_id=booking.pk)
    page = GuestPage.objects.get(booking=booking)
    body = aws.s3.get_object(Bucket=tenant.s3_bucket, Key=page.key)["Body"].read().decode()
    assert "This charter was cancelled" in body
    assert booking.guest_name.split()[0] not in body
    assert len(invalidations) == 2
    assert CalendarEntry.objects.get(booking=booking).status == "cancelled"


def _answer(status: int, code: str):
    """A botocore ``before-call`` hook: the call ends with this error, nothing reaches moto."""

    def handler(model, params, request_signer, **kwargs):
        parsed = {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}}
        return AWSResponse("https://aws.invalid/", status, {}, None), parsed

    return handler


def test_aws_500_is_retried_later_and_then_succeeds(aws, tenant, invalidations):
    booking = BookingFactory(tenant=tenant)
    effect = publish_effect(booking)
    client = publishing.publisher_for(tenant).storage.connection.meta.client
    handler = _answer(500, "InternalError")
    client.meta.events.register_first("before-call.s3.PutObject", handler)
    try:
        outcome, countdown = effect_run(effect_id=effect.pk)
    finally:
        client.meta.events.unregister("before-call.s3.PutObject", handler)
    effect.refresh_from_db()
    assert outcome == "retry" and countdown > 0
    assert effect.status == Effect.Status.QUEUED and effect.attempts == 1
    assert "InternalError" in effect.last_error and effect.next_attempt_at is not None
    Effect.objects.filter(pk=effect.pk).update(next_attempt_at=None)  # the countdown has passed
    assert effect_run(effect_id=effect.pk)[0] == "done"
    assert len(versions(aws.s3, tenant.s3_bucket, GuestPage.objects.get(booking=booking).key)) == 1
    assert len(invalidations) == 1


def test_throttled_invalidation_is_transient(aws, tenant, invalidations):
    booking = BookingFactory(tenant=tenant)
    effect = publish_effect(booking)
    handler = _answer(400, "Throttling")
    client = publishing.cloudfront_client()
    client.meta.events.register_first("before-call.cloudfront.CreateInvalidation", handler)
    try:
        outcome, _ = effect_run(effect_id=effect.pk)
    finally:
        client.meta.events.unregister("before-call.cloudfront.CreateInvalidation", handler)
    assert outcome == "retry"
    Effect.objects.filter(pk=effect.pk).update(next_attempt_at=None)
    assert effect_run(effect_id=effect.pk)[0] == "done"
    # The upload is not repeated; the invalidation is sent again with the same reference.
    assert len(versions(aws.s3, tenant.s3_bucket, GuestPage.objects.get(booking=booking).key)) == 1
    refs = {i["InvalidationBatch"]["CallerReference"] for i in invalidations}
    assert len(refs) == 1


def test_missing_bucket_fails_for_good_with_the_error_and_staff_can_retry(
    aws, tenant, admin_client, django_capture_on_commit_callbacks
):
    tenant.s3_bucket = "no-such-bucket-here"
    tenant.save()
    booking = BookingFactory(tenant=tenant)
    effect = publish_effect(booking)
    assert effect_run(effect_id=effect.pk)[0] == "failed"
    effect.refresh_from_db()
    assert effect.status == Effect.Status.FAILED and "NoSuchBucket" in effect.last_error
    page = admin_client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()
    assert "NoSuchBucket" in page and "Failed" in page
    aws.s3.create_bucket(Bucket="no-such-bucket-here")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/bookings/booking/", {"action": "retry_failed_effects", "_selected_action": [booking.pk]}
        )
    assert response.status_code == 302
    effect.refresh_from_db()
    assert effect.status == Effect.Status.SENT  # in-process mode: re-run after the retry committed


def test_bulk_republish_sends_one_invalidation_per_thousand_paths(aws, tenant, invalidations):
    bookings = [BookingFactory(tenant=tenant) for _ in range(3)]
    counts = guest_pages_publish_many(pages=GuestPage.objects.select_related("booking__tenant", "booking__boat"))
    assert counts == {"pages": 3, "uploaded": 3, "unchanged": 0, "invalidation_requests": 1}
    assert invalidations[0]["InvalidationBatch"]["Paths"]["Quantity"] == 6
    again = guest_pages_publish_many(pages=GuestPage.objects.select_related("booking__tenant", "booking__boat"))
    assert again["uploaded"] == 0 and again["invalidation_requests"] == 0
    assert len(bookings) == 3


def test_invalidation_batches_are_capped(monkeypatch, aws, tenant, invalidations):
    from guestpages import services

    monkeypatch.setattr(services, "INVALIDATION_BATCH_PATHS", 4)  # two pages per request
    for _ in range(5):
        BookingFactory(tenant=tenant)
    counts = guest_pages_publish_many(pages=GuestPage.objects.select_related("booking__tenant", "booking__boat"))
    assert counts["invalidation_requests"] == 3
    assert [i["InvalidationBatch"]["Paths"]["Quantity"] for i in invalidations] == [4, 4, 2]


def test_bulk_republish_interrupted_midway_uploads_each_page_once(aws, tenant, invalidations, monkeypatch):
    for _ in range(3):
        BookingFactory(tenant=tenant)
    real_put = publishing.S3Publisher.put
    calls = []

    def put_twice_then_die(self, key, html, sha256):
        if len(calls) == 2:
            raise SystemExit("worker killed")
        calls.append(key)
        real_put(self, key, html, sha256)

    monkeypatch.setattr(publishing.S3Publisher, "put", put_twice_then_die)
    pages = GuestPage.objects.select_related("booking__tenant", "booking__boat").order_by("id")
    with pytest.raises(SystemExit):
        guest_pages_publish_many(pages=pages)
    monkeypatch.setattr(publishing.S3Publisher, "put", real_put)
    counts = guest_pages_publish_many(pages=pages)
    assert counts["uploaded"] == 1  # only the page the crash stopped before
    for page in pages:
        assert len(versions(aws.s3, tenant.s3_bucket, page.key)) == 1
    assert len(invalidations) == 1 and invalidations[0]["InvalidationBatch"]["Paths"]["Quantity"] == 6
