"""The pipeline end to end: admin save -> outbox -> Redis -> celery worker -> moto S3/CloudFront/SES."""

from __future__ import annotations

import threading

import boto3
import pytest
from django.core.management import call_command
from django.urls import reverse

from bookings.models import Booking
from crew.models import Role
from guestpages.models import GuestPage
from outbox.models import Effect
from outbox.services import outbox_relay
from outbox.tasks import run_effect
from tests.aws import create_distribution, sent_emails
from tests.bookings.test_admin import booking_form_data
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign
from tests.support import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

GUEST = BookingFactory.guest_email


@pytest.fixture
def brand(aws_env, tenant):
    s3 = boto3.client("s3", endpoint_url=aws_env, region_name="us-east-1")
    s3.create_bucket(Bucket=tenant.s3_bucket)
    s3.put_bucket_versioning(Bucket=tenant.s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    cloudfront = boto3.client("cloudfront", endpoint_url=aws_env, region_name="us-east-1")
    tenant.cloudfront_distribution_id = create_distribution(cloudfront, tenant.s3_bucket)
    tenant.save()
    ses = boto3.client("ses", endpoint_url=aws_env, region_name="us-east-1")
    ses.verify_email_identity(EmailAddress=tenant.sender_email)
    return type("Brand", (), {"tenant": tenant, "s3": s3, "cloudfront": cloudfront, "ses": ses})


def object_versions(brand, key: str) -> int:
    listing = brand.s3.list_object_versions(Bucket=brand.tenant.s3_bucket, Prefix=key)
    return sum(1 for v in listing.get("Versions", []) if v["Key"] == key)


def invalidation_count(brand) -> int:
    listing = brand.cloudfront.list_invalidations(DistributionId=brand.tenant.cloudfront_distribution_id)
    return listing["InvalidationList"].get("Quantity", 0)


def emails_sent(brand) -> int:
    """Crew invitations SES accepted. The guest's confirmation (tests/integration/test_messages_e2e.py)
    goes to the guest's address and is not counted here."""
    # ThreadedMotoServer runs in this process: read what it accepted straight from its backend.
    return len([m for m in sent_emails() if GUEST not in str(m.destinations)])


def guest_emails_sent() -> int:
    return len([m for m in sent_emails() if GUEST in str(m.destinations)])


def all_done() -> bool:
    return Effect.objects.exclude(status=Effect.Status.SENT).count() == 0 and Effect.objects.exists()


def drive(relay: bool = False):
    """One poll step: optionally run the relay (what celery beat does every minute in production)."""
    if relay:
        outbox_relay()
    return all_done()


def test_worker_publishes_and_emails_once_even_when_tasks_are_delivered_twice(brand, celery_broker, worker_factory):
    worker_factory()
    booking = BookingFactory(tenant=brand.tenant)
    assign(booking, CrewMemberFactory(tenants=[brand.tenant]), "captain", "50", "3")
    assign(booking, CrewMemberFactory(tenants=[brand.tenant]), "deckhand", "25", "5")
    wait_until(all_done, 60, what="effects done by the worker")
    key = GuestPage.objects.get(booking=booking).key
    assert object_versions(brand, key) == 1
    assert invalidation_count(brand) == 1
    assert emails_sent(brand) == 2
    assert guest_emails_sent() == 1  # the confirmation, once the page was published
    # acks_late redelivery: the same task ids arrive again, twice.
    for effect in Effect.objects.all():
        for _ in range(2):
            run_effect.apply_async(args=[effect.pk], task_id=f"dup-{effect.pk}")
    marker = BookingFactory(tenant=brand.tenant, external_reference="MARKER")  # queued behind the duplicates
    marker_page = Effect.objects.filter(booking=marker, kind=Effect.Kind.PUBLISH_GUEST_PAGE)
    wait_until(lambda: marker_page.get().status == Effect.Status.SENT and all_done(), 60, what="marker")
    assert object_versions(brand, key) == 1
    assert invalidation_count(brand) == 2  # one for the marker's page, none more for the first
    assert emails_sent(brand) == 2
    assert guest_emails_sent() == 2  # one confirmation for each booking
    assert set(Effect.objects.filter(booking=booking).values_list("attempts", flat=True)) == {1}


def test_broker_down_the_admin_save_succeeds_and_the_relay_completes_it_later(
    brand, celery_broker, worker_factory, admin_client, settings
):
    # Redis here keeps nothing on disk: what it held is gone after the restart, so the relay
    # must also re-send effects it had handed over (after OUTBOX_RELAY_STALE_SECONDS; 0 here).
    settings.OUTBOX_RELAY_STALE_SECONDS = 0
    booking = BookingFactory(tenant=brand.tenant)
    wait_until(lambda: Effect.objects.filter(enqueued_at__isnull=False).exists(), what="first enqueue")
    celery_broker.stop()
    try:
        member = CrewMemberFactory(tenants=[brand.tenant])
        data = booking_form_data(booking, guest_notes="Parking moved to lot B")
        role = Role.objects.get_or_create(slug="deckhand", defaults={"name": "Deckhand"})[0]
        data.update(
            {
                "assignments-TOTAL_FORMS": "1",
                "assignments-0-crew_member": member.pk,
                "assignments-0-role": role.pk,
                "assignments-0-hourly_rate": "25",
                "assignments-0-paid_hours": "5",
                "assignments-0-status": "invited",
            }
        )
        response = admin_client.post(reverse("admin:bookings_booking_change", args=[booking.pk]), data)
        assert response.status_code == 302
        assert Booking.objects.get(pk=booking.pk).guest_notes == "Parking moved to lot B"
        pending = Effect.objects.filter(status=Effect.Status.QUEUED, enqueued_at__isnull=True)
        assert pending.count() == 1  # the new invitation; the page publish was never enqueued either
    finally:
        celery_broker.start()
    worker_factory()
    call_command("drain_outbox")
    wait_until(all_done, 60, what="relay and worker to finish")
    assert emails_sent(brand) == 1
    assert object_versions(brand, GuestPage.objects.get(booking=booking).key) == 1


def test_a_broker_that_never_answers_does_not_hang_the_save(brand, celery_broker, black_hole, admin_client):
    from charterops.celery import app

    app.conf.broker_url = f"redis://127.0.0.1:{black_hole.port}/0"
    from tests.integration.conftest import _reset_pools

    _reset_pools(app)
    booking = BookingFactory.build(tenant=brand.tenant, boat=BoatFactory(tenant=brand.tenant))
    result = {}

    def save():
        data = booking_form_data(booking)
        result["response"] = admin_client.post(reverse("admin:bookings_booking_add"), data)

    thread = threading.Thread(target=save)
    thread.start()
    thread.join(60)  # a bound for the test run, not a performance figure
    assert not thread.is_alive(), "the admin save hung on the broker"
    assert result["response"].status_code == 302
    assert Effect.objects.get().status == Effect.Status.QUEUED
    assert black_hole.accepted >= 1


def test_worker_killed_mid_task_still_one_version_one_invalidation_one_email(
    brand, celery_broker, worker_factory, black_hole
):
    # The first worker's S3 and SES calls hang (the request never completes); it is killed mid-task.
    doomed = worker_factory(AWS_S3_ENDPOINT_URL=black_hole.url, AWS_SES_ENDPOINT_URL=black_hole.url)
    booking = BookingFactory(tenant=brand.tenant)
    assign(booking, CrewMemberFactory(tenants=[brand.tenant]), "deckhand", "25", "5")
    wait_until(lambda: black_hole.accepted >= 1, 30, what="the worker to be inside an AWS call")
    assert Effect.objects.filter(status=Effect.Status.RUNNING).exists()
    doomed.kill()
    worker_factory()  # a healthy worker; the broker redelivers, the relay re-hands abandoned work
    wait_until(lambda: drive(relay=True), 90, interval=0.5, what="effects to finish after the crash")
    assert object_versions(brand, GuestPage.objects.get(booking=booking).key) == 1
    assert invalidation_count(brand) == 1
    assert emails_sent(brand) == 1
    assert guest_emails_sent() == 1
