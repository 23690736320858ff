"""The outbox handler of every message: check it may still go, then send it on its channel."""

from __future__ import annotations

from django.utils import timezone

from messaging.models import Channel, Message
from messaging.services.email import message_email_send
from messaging.services.rules import SkipMessage, skip_reason
from messaging.services.sms_messages import message_sms_send, quiet_hours_until
from outbox.errors import Deferred, PermanentError, is_transient
from outbox.models import Effect

# A message in one of these states has been handled: a rerun of its effect sends nothing.
FINAL = (
    Message.Status.SENT,
    Message.Status.DELIVERED,
    Message.Status.BOUNCED,
    Message.Status.COMPLAINED,
    Message.Status.SKIPPED,
)


def _load(message_id: int) -> Message:
    message = (
        Message.objects.select_related(
            "booking__tenant", "booking__boat", "assignment__crew_member", "assignment__role"
        )
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise PermanentError(f"Message {message_id} no longer exists.")
    return message


def message_send_effect(effect: Effect) -> str:
    """Outbox handler: send one message once. Returns the provider's message id (SES or SNS).

    Whether it may still go is decided now, not when it was scheduled: a cancelled
    booking, an ended charter, a reminder past its window or an undeliverable address
    marks it skipped, with the reason. A text in the recipient's quiet hours waits.
    """
    message = _load(effect.target_id)
    if message.status in FINAL:
        return message.provider_message_id or message.status
    now = timezone.now()
    reason = skip_reason(message, now=now)
    if reason:
        Message.objects.filter(pk=message.pk).update(status=Message.Status.SKIPPED, detail=reason[:255], updated_at=now)
        return "skipped"
    try:
        provider_id = _send(message, now=now)
    except SkipMessage as exc:
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.SKIPPED, detail=str(exc)[:255], updated_at=timezone.now()
        )
        return "skipped"
    except Deferred:
        raise
    except Exception as exc:
        if not is_transient(exc):
            # No retry will change it (a refused number, an unverified sender): the booking page shows why.
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.FAILED, detail=f"{type(exc).__name__}: {exc}"[:255], updated_at=timezone.now()
            )
        raise
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENT,
        provider_message_id=provider_id[:255],
        sent_at=timezone.now(),
        detail="",
        updated_at=timezone.now(),
    )
    return provider_id


def _send(message: Message, *, now) -> str:
    if message.channel == Channel.SMS:
        until = quiet_hours_until(message, now=now)
        if until is not None:
            local = timezone.localtime(until, message.booking.tenant.zone)
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.DELAYED, detail=f"Quiet hours: goes at {local:%b %-d %H:%M}", updated_at=now
            )
            raise Deferred(until, "quiet hours (21:00 to 08:00 where the charter is)")
        return message_sms_send(message)
    return message_email_send(message)
