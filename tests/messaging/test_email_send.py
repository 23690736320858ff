"""One message by email through its outbox effect: from the brand, reply-to, HTML and text, the SES id kept."""

from __future__ import annotations

import pytest
from django.core import mail

from messaging.models import Channel, Message, Suppression
from messaging.services import confirmation_schedule
from outbox.models import Effect
from outbox.services import effect_run
from tests.aws import sent_emails
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def confirm_by_email(booking) -> Message:
    (message,) = [m for m in confirmation_schedule(booking_id=booking.pk) if m.channel == Channel.EMAIL]
    effect_run(effect_id=message.effect_id)
    message.refresh_from_db()
    return message


def test_the_email_comes_from_the_brand_with_its_reply_to(tenant, now):
    tenant.reply_to_email = "office@queenofsandiego.com"
    tenant.save()
    booking = BookingFactory(tenant=tenant, guest_phone="")

    message = confirm_by_email(booking)

    assert (message.status, message.provider_message_id) == (Message.Status.SENT, "")
    assert message.sent_at is not None
    (email,) = mail.outbox
    assert email.from_email == f"Queen of San Diego <{tenant.sender_email}>"
    assert email.reply_to == ["office@queenofsandiego.com"]
    assert email.to == ["jordan.guest@example.com"]
    assert email.extra_headers["X-Charterops-Message"] == str(message.pk)
    ((html, mimetype),) = email.alternatives
    assert mimetype == "text/html" and "<html" in html.lower()
    assert email.body.strip() and email.subject


def test_no_reply_to_without_one_and_a_brand_name_with_a_comma_is_quoted(tenant, now):
    tenant.name = "Sail, Inc"
    tenant.save()
    confirm_by_email(BookingFactory(tenant=tenant, guest_phone=""))

    (email,) = mail.outbox
    assert email.reply_to == []
    assert email.from_email == f'"Sail, Inc" <{tenant.sender_email}>'
    assert email.message()["From"] == f'"Sail, Inc" <{tenant.sender_email}>'


def test_a_suppressed_address_is_skipped_and_not_attempted(tenant, now):
    booking = BookingFactory(tenant=tenant, guest_phone="")
    (message,) = confirmation_schedule(booking_id=booking.pk)
    Suppression.objects.create(channel=Channel.EMAIL, address="jordan.guest@example.com", reason="bounce")

    effect_run(effect_id=message.effect_id)

    message.refresh_from_db()
    assert (message.status, message.detail) == (Message.Status.SKIPPED, "undeliverable address: hard bounce")
    assert Effect.objects.get(pk=message.effect_id).status == Effect.Status.SENT
    assert mail.outbox == []


def test_the_ses_message_id_is_kept_for_bounce_tracking(aws, settings, tenant, now):
    settings.EMAIL_BACKEND = "anymail.backends.amazon_ses.EmailBackend"
    booking = BookingFactory(tenant=tenant, guest_phone="")

    message = confirm_by_email(booking)

    (ses_email,) = sent_emails()
    assert message.status == Message.Status.SENT
    assert message.provider_message_id and message.provider_message_id == ses_email.id
    assert set(ses_email.destinations) == {"jordan.guest@example.com"}


def test_running_the_effect_again_sends_nothing_more(tenant, now):
    booking = BookingFactory(tenant=tenant, guest_phone="")
    message = confirm_by_email(booking)
    Effect.objects.filter(pk=message.effect_id).update(status=Effect.Status.QUEUED)  # a relay rerun

    effect_run(effect_id=message.effect_id)

    assert len(mail.outbox) == 1
