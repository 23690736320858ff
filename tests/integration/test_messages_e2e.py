"""Guest messages through the real pipeline: Redis, a celery worker subprocess, moto's SES and SNS over HTTP.

Each message goes out exactly once under a duplicate delivery, a broker outage and a worker killed mid-send.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from messaging.models import Message
from outbox.models import Effect
from outbox.services import outbox_relay
from outbox.tasks import run_effect
from tests.aws import sent_emails
from tests.bookings.test_admin import booking_form_data
from tests.factories import BoatFactory, BookingFactory
from tests.integration.test_pipeline_e2e import brand  # noqa: F401 - the fixture: bucket, distribution, SES sender
from tests.support import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

GUEST_EMAIL = "river.guest@example.com"
GUEST_PHONE = "+16195550123"  # moto's SNS treats numbers ending in 99 as opted out


def daytime_zone() -> str:
    """A fixed-offset zone where it is now early afternoon, so texts are outside quiet hours whenever CI runs."""
    offset = 13 - datetime.now(UTC).hour  # local hour 13
    offset = (offset + 12) % 24 - 12  # -12..11
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


@pytest.fixture
def guest_brand(brand, settings):  # noqa: F811
    brand.tenant.timezone = daytime_zone()
    brand.tenant.save()
    return brand


@pytest.fixture
def worker_env(aws_env):
    return {"AWS_SNS_ENDPOINT_URL": aws_env, "SMS_BACKEND": "sns"}


@pytest.fixture(autouse=True)
def sns_here(aws_env, settings):
    settings.AWS_SNS_ENDPOINT_URL = aws_env
    settings.SMS_BACKEND = "sns"


def guest_emails() -> list:
    return [m for m in sent_emails() if GUEST_EMAIL in str(m.destinations)]


def texts_to_guest() -> list:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return [m for m in sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values() if m[0] == GUEST_PHONE]


def messages_done() -> bool:
    pending = Message.objects.exclude(status__in=[Message.Status.SENT, Message.Status.SKIPPED])
    return (
        Message.objects.exists()
        and not pending.exists()
        and not Effect.objects.exclude(status=Effect.Status.SENT).exists()
    )


def upcoming_booking(tenant, **extra):
    start = timezone.now() + timedelta(days=5)
    return BookingFactory(
        tenant=tenant,
        guest_email=GUEST_EMAIL,
        guest_phone=GUEST_PHONE,
        start=start,
        end=start + timedelta(hours=4),
        **extra,
    )


def test_confirmation_and_reminder_go_once_under_duplicate_delivery_and_two_schedulers(
    guest_brand, celery_broker, worker_factory, worker_env
):
    worker_factory(**worker_env)
    booking = upcoming_booking(guest_brand.tenant)
    wait_until(
        lambda: Message.objects.filter(booking=booking).count() == 2 and messages_done(), 90, what="confirmation"
    )
    assert len(guest_emails()) == 1
    assert len(texts_to_guest()) == 1
    # acks_late redelivery of every effect, twice, then a marker behind them.
    for effect in Effect.objects.all():
        for n in range(2):
            run_effect.apply_async(args=[effect.pk], task_id=f"dup-{effect.pk}-{n}")
    # A reminder due now: the 2-hour reminder of a charter starting in 1 h 50 min; two beats run at once.
    start = timezone.now() + timedelta(hours=1, minutes=50)
    soon = BookingFactory(
        tenant=guest_brand.tenant,
        boat=BoatFactory(tenant=guest_brand.tenant),
        guest_email="sam.soon@example.com",
        guest_phone="+16195550124",
        start=start,
        end=start + timedelta(hours=3),
    )
    call_command("send_due_messages")
    call_command("send_due_messages")
    reminders = Message.objects.filter(booking=soon, kind=Message.Kind.REMINDER)
    wait_until(
        lambda: reminders.filter(status=Message.Status.SENT).count() == 2, 90, what="the reminder by email and text"
    )
    wait_until(messages_done, 90, what="everything settled")
    assert len(guest_emails()) == 1 and len(texts_to_guest()) == 1
    assert reminders.filter(status=Message.Status.SENT).count() == 2  # one email, one text
    assert set(Effect.objects.filter(kind=Effect.Kind.SEND_MESSAGE).values_list("attempts", flat=True)) == {1}


def test_broker_down_the_confirmation_still_goes_once_after_it_returns(
    guest_brand, celery_broker, worker_factory, worker_env, admin_client, settings
):
    settings.OUTBOX_RELAY_STALE_SECONDS = 0
    celery_broker.stop()
    try:
        start = timezone.now() + timedelta(days=6)
        booking = BookingFactory.build(
            tenant=guest_brand.tenant,
            boat=BoatFactory(tenant=guest_brand.tenant),
            guest_email=GUEST_EMAIL,
            guest_phone=GUEST_PHONE,
            start=start,
            end=start + timedelta(hours=4),
        )
        response = admin_client.post(reverse("admin:bookings_booking_add"), booking_form_data(booking))
        assert response.status_code == 302
        assert Effect.objects.filter(status=Effect.Status.QUEUED, enqueued_at__isnull=True).exists()
    finally:
        celery_broker.start()
    worker_factory(**worker_env)
    call_command("drain_outbox")
    wait_until(
        lambda: Message.objects.count() == 2 and (outbox_relay() or True) and messages_done(),
        90,
        interval=0.5,
        what="publish, then the confirmation",
    )
    assert len(guest_emails()) == 1 and len(texts_to_guest()) == 1


def test_worker_killed_mid_send_the_confirmation_still_goes_once(
    guest_brand, celery_broker, worker_factory, worker_env, black_hole
):
    # The first worker's SES call hangs (never answers); it is killed inside it.
    doomed = worker_factory(**worker_env, AWS_SES_ENDPOINT_URL=black_hole.url)
    booking = upcoming_booking(guest_brand.tenant)
    wait_until(lambda: black_hole.accepted >= 1, 60, what="the worker to be inside the SES call")
    assert Message.objects.filter(booking=booking, channel="email").exists()
    doomed.kill()
    worker_factory(**worker_env)
    wait_until(lambda: (outbox_relay() or True) and messages_done(), 120, interval=0.5, what="the send after the crash")
    assert len(guest_emails()) == 1
    assert len(texts_to_guest()) == 1
