"""Bounces, complaints and opt-outs: which addresses not to use. (Owner: deliverability.)"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from crew.models import Assignment
from crew.services import crew_invite_send_effect as crew_invite_email_send
from messaging.models import Channel, Message, Suppression
from outbox.errors import PermanentError
from outbox.models import Effect

logger = logging.getLogger(__name__)

# How far along a sent message is. A notification only moves a message forward: SNS delivers out of
# order and more than once, and a late "delivered" must not hide a bounce.
_PROGRESS = {
    Message.Status.SENT: 1,
    Message.Status.DELIVERED: 2,
    Message.Status.BOUNCED: 3,
    Message.Status.FAILED: 3,  # only ever reached from SENT here: the provider rejected it after accepting
    Message.Status.COMPLAINED: 4,
}
# anymail's normalized event types -> the message status they report.
_EVENT_STATUS = {
    "delivered": Message.Status.DELIVERED,
    "bounced": Message.Status.BOUNCED,
    "complained": Message.Status.COMPLAINED,
    "rejected": Message.Status.FAILED,
    "failed": Message.Status.FAILED,
}
# Statuses a tracking event may start from: a message that was never sent has nothing to track.
_TRACKED = (Message.Status.SENT, Message.Status.DELIVERED, Message.Status.BOUNCED, Message.Status.COMPLAINED)


def address_normalize(*, channel: str, address: str) -> str:
    """The form suppressions are stored in: email lowercased, numbers as given (E.164)."""
    address = (address or "").strip()
    return address.lower() if channel == Channel.EMAIL else address


def suppression_for(*, channel: str, address: str) -> Suppression | None:
    """The suppression of ``address`` on ``channel`` (email lowercased, numbers E.164), if any."""
    address = address_normalize(channel=channel, address=address)
    if not address:
        return None
    return Suppression.objects.filter(channel=channel, address=address).first()


def suppression_describe(suppression: Suppression) -> str:
    """For staff: "bounced on 1 Dec 2026" / "marked as spam on ..." / "opted out of texts on ..."."""
    verb = {
        Suppression.Reason.BOUNCE: "bounced",
        Suppression.Reason.COMPLAINT: "marked as spam",
        Suppression.Reason.OPTED_OUT: "opted out of text messages",
    }.get(suppression.reason, suppression.reason)
    when = timezone.localtime(suppression.created_at)
    return f"{verb} on {when.day} {when:%b %Y}"


def _is_hard_bounce(event) -> bool:
    raw = getattr(event, "esp_event", None)
    if isinstance(raw, dict):
        bounce = raw.get("bounce")
        if isinstance(bounce, dict) and bounce.get("bounceType"):
            return bounce["bounceType"] == "Permanent"
    # Another provider: anymail says "bounced" only for what it treats as a hard bounce.
    return (getattr(event, "description", "") or "").split(":")[0] != "Transient"


def _diagnostic(event) -> str:
    parts = [getattr(event, "description", "") or "", getattr(event, "mta_response", "") or ""]
    return " - ".join(part for part in parts if part)


def _suppress(*, address: str, reason: str, detail: str) -> Suppression | None:
    address = address_normalize(channel=Channel.EMAIL, address=address)
    if not address:
        return None
    try:
        with transaction.atomic():
            suppression, created = Suppression.objects.get_or_create(
                channel=Channel.EMAIL, address=address, defaults={"reason": reason, "detail": detail}
            )
    except IntegrityError:
        # The same notification delivered twice at once: the other request recorded it.
        return Suppression.objects.filter(channel=Channel.EMAIL, address=address).first()
    if created:
        logger.info("deliverability: %s is undeliverable (%s)", address, reason)
    return suppression


def _message_advance(*, event, status: str, detail: str) -> None:
    message_id = getattr(event, "message_id", None)
    if not message_id:
        return
    recipient = address_normalize(channel=Channel.EMAIL, address=getattr(event, "recipient", "") or "")
    with transaction.atomic():
        messages = Message.objects.select_for_update().filter(
            channel=Channel.EMAIL, provider_message_id=message_id, status__in=_TRACKED
        )
        for message in messages:
            if recipient and address_normalize(channel=Channel.EMAIL, address=message.recipient) != recipient:
                continue
            if _PROGRESS[status] <= _PROGRESS[message.status]:
                continue
            message.status = status
            fields = ["status", "updated_at"]
            if status == Message.Status.DELIVERED:
                message.delivered_at = getattr(event, "timestamp", None) or timezone.now()
                fields.append("delivered_at")
            elif detail:
                message.detail = detail[:255]
                fields.append("detail")
            message.save(update_fields=fields)


def _soft_bounce_note(*, event, detail: str) -> None:
    # A transient bounce (mailbox full, an out-of-office reply) is no verdict on the address: it is
    # noted on a message still only "sent", without a status it might not deserve.
    message_id = getattr(event, "message_id", None)
    if message_id:
        Message.objects.filter(
            channel=Channel.EMAIL, provider_message_id=message_id, status=Message.Status.SENT
        ).update(detail=f"Soft bounce: {detail}"[:255], updated_at=timezone.now())


def tracking_event_record(*, event, esp_name: str) -> None:
    """Record an anymail tracking event: message status, and a suppression for a hard bounce or complaint.

    Idempotent: SNS delivers a notification at least once, so the same event twice changes nothing more.
    """
    event_type = getattr(event, "event_type", "")
    status = _EVENT_STATUS.get(event_type)
    if status is None:
        return  # queued, deferred, opened, clicked...: no change to what staff need to know
    detail = _diagnostic(event)
    if event_type == "bounced" and not _is_hard_bounce(event):
        _soft_bounce_note(event=event, detail=detail)
        return
    if event_type == "bounced":
        _suppress(address=event.recipient, reason=Suppression.Reason.BOUNCE, detail=detail)
    elif event_type == "complained":
        _suppress(address=event.recipient, reason=Suppression.Reason.COMPLAINT, detail=detail)
    _message_advance(event=event, status=status, detail=detail)


def crew_invite_send_effect(effect: Effect) -> str:
    """Outbox handler of crew invitations: crew's own, unless the crew member's email is undeliverable.

    Sending to an address that bounced hard or complained harms the brand's sender reputation,
    and retrying cannot help: the effect fails for good with the reason staff see.
    """
    email = Assignment.objects.filter(pk=effect.target_id).values_list("crew_member__email", flat=True).first()
    suppression = suppression_for(channel=Channel.EMAIL, address=email or "")
    if suppression is not None:
        raise PermanentError(f"{suppression.address}: address undeliverable: {suppression_describe(suppression)}.")
    return crew_invite_email_send(effect)
