"""Which messages a booking calls for, recorded as Message rows and outbox effects. (Owner: messaging core.)

Every message has a key (booking, kind, channel and what makes it distinct: a reminder's
moment, a change's new state). The key is unique on Message and on its outbox effect, so
scheduling the same message twice (a booking saved twice, two beat schedulers, a rerun)
finds the first row and sends nothing more.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Booking
from messaging.models import Channel, Message
from messaging.services import rules
from outbox.models import Effect
from outbox.services import effect_schedule

Kind = Message.Kind


def message_key(*, booking_id: int, kind: str, channel: str, suffix: str = "") -> str:
    """``{kind}:{booking_id}:{channel}[:{suffix}]``, the formats every part of messaging agrees on."""
    key = f"{kind}:{booking_id}:{channel}"
    return f"{key}:{suffix}" if suffix else key


def _message_get_or_create(**fields) -> tuple[Message, bool]:
    existing = Message.objects.filter(key=fields["key"]).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Message.objects.create(**fields), True
    except IntegrityError:
        # Another transaction (a second beat, a second worker) recorded the same key first.
        return Message.objects.get(key=fields["key"]), False


def message_schedule(
    *,
    booking: Booking,
    kind: str,
    suffix: str = "",
    scheduled_for: datetime | None = None,
    reason: str = "",
    channels: list[str] | None = None,
) -> list[Message]:
    """Record ``kind`` for the guest of ``booking`` on each channel they can be reached on, once per key.

    ``suffix`` is what follows the channel in the key (a reminder's moment, a change's state
    hash, ``resend:2``). ``channels`` defaults to :func:`rules.guest_channels`; kinds that are
    never texted go by email only. Returns the messages this call created (none when every key
    was already scheduled). Each has its outbox effect, sent once the transaction commits.
    """
    if channels is None:
        channels = rules.guest_channels(booking)
    if kind not in rules.TEXTED_KINDS:
        channels = [c for c in channels if c == Channel.EMAIL]
    addresses = rules.guest_addresses(booking)
    created_messages = []
    with transaction.atomic():
        for channel in channels:
            message, created = message_record(
                booking=booking,
                kind=kind,
                channel=channel,
                recipient=addresses[channel],
                key=message_key(booking_id=booking.pk, kind=kind, channel=channel, suffix=suffix),
                scheduled_for=scheduled_for,
                reason=_effect_reason(kind, channel, reason),
            )
            if created:
                created_messages.append(message)
    return created_messages


def message_record(*, reason: str, **fields) -> tuple[Message, bool]:
    """The message under ``fields["key"]`` and its outbox effect (same key), created once, ever.

    Returns (message, created). Safe against a concurrent caller: the unique keys settle it.
    """
    message, created = _message_get_or_create(**fields)
    if message.effect_id is None:
        effect = effect_schedule(
            kind=Effect.Kind.SEND_MESSAGE,
            target_id=message.pk,
            booking_id=message.booking_id,
            reason=reason[:120],
            unique_key=message.key,
        )
        Message.objects.filter(pk=message.pk, effect__isnull=True).update(effect=effect)
        message.effect = effect
    return message, created


def _effect_reason(kind: str, channel: str, why: str) -> str:
    what = f"{Message.Kind(kind).label} by {Channel(channel).label.lower()}"
    return (f"{what} ({why})" if why else what)[:120]


def _upcoming_and_reachable(booking: Booking, now: datetime) -> bool:
    return booking.status == Booking.Status.CONFIRMED and now < booking.start and not rules.entered_after_end(booking)


def confirmation_schedule(*, booking_id: int) -> list[Message]:
    """The guest's confirmation, once per booking and channel, after the guest page is published (the link works).

    Only for a confirmed charter still to come, entered before it ended, with a guest who can be reached.
    """
    booking = Booking.objects.select_related("tenant", "boat").filter(pk=booking_id).first()
    if booking is None or not _upcoming_and_reachable(booking, timezone.now()):
        return []
    return message_schedule(booking=booking, kind=Kind.CONFIRMATION, reason="guest page published")


def _confirmation_scheduled(booking: Booking) -> bool:
    return (
        Message.objects.filter(booking_id=booking.pk, kind=Kind.CONFIRMATION)
        .exclude(status=Message.Status.SKIPPED)
        .exists()
    )


def _change_suffix(booking: Booking) -> str:
    """The state hash; a state the guest was told of before and then moved away from gets ``:n`` (n = 2, ...)."""
    state = rules.booking_state_hash(booking)
    notices = list(
        Message.objects.filter(booking_id=booking.pk, kind=Kind.CHANGE).order_by("-id").values_list("key", flat=True)
    )
    if notices and notices[0].split(":")[3:] and notices[0].split(":")[3] == state:
        return ""  # the latest notice already tells this state
    visits = [key.split(":")[4:] for key in notices if key.split(":")[3:4] == [state]]
    if not visits:
        return state
    return f"{state}:{max(int(v[0]) if v else 1 for v in visits) + 1}"


def booking_notices_schedule(*, booking: Booking, change) -> list[Message]:
    """After a booking is saved: a change notice when it moved, a notice when it was cancelled or is weather-owed.

    Only guests who were (or are being) sent a confirmation hear of a change; reminders need nothing
    here, since they are worked out from the booking's time when they fall due.
    """
    if change is None or change.created or rules.entered_after_end(booking):
        return []
    now = timezone.now()
    if now >= booking.end or not _confirmation_scheduled(booking):
        return []
    called_off = booking.status in (Booking.Status.CANCELLED, Booking.Status.WEATHER_OWED)
    if change.status_changed and change.old_status == Booking.Status.CONFIRMED and called_off:
        kind = Kind.CANCELLATION if booking.status == Booking.Status.CANCELLED else Kind.WEATHER_OWED
        moment = booking.updated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return message_schedule(booking=booking, kind=kind, suffix=moment, reason=f"booking {booking.status}")
    if change.material and booking.status == Booking.Status.CONFIRMED and now < booking.start:
        suffix = _change_suffix(booking)
        if suffix:
            return message_schedule(booking=booking, kind=Kind.CHANGE, suffix=suffix, reason="booking changed")
    return []


_RESEND = re.compile(r":resend:(\d+)$")


def message_resend(*, booking: Booking, kind: str = Kind.CONFIRMATION, actor=None) -> list[Message]:
    """Staff's "Resend confirmation": a new message (key ``...:resend:n``) on each channel the guest has.

    Raises ``ValidationError`` with a message for staff when it cannot go.
    """
    if kind != Kind.CONFIRMATION:
        raise ValidationError("Only the confirmation can be resent.")
    if rules.entered_after_end(booking) or timezone.now() >= booking.end:
        raise ValidationError("The charter is over: nothing is sent to the guest any more.")
    if booking.status != Booking.Status.CONFIRMED:
        raise ValidationError(f"The booking is {booking.get_status_display().lower()}: no confirmation to resend.")
    channels = rules.guest_channels(booking)
    if not channels:
        raise ValidationError("The guest cannot be reached: no email or mobile number (or it is undeliverable).")
    keys = Message.objects.filter(booking_id=booking.pk, kind=Kind.CONFIRMATION, key__contains=":resend:")
    numbers = [int(m.group(1)) for m in (_RESEND.search(k) for k in keys.values_list("key", flat=True)) if m]
    who = getattr(actor, "get_username", lambda: "")() if actor is not None else ""
    return message_schedule(
        booking=booking,
        kind=Kind.CONFIRMATION,
        suffix=f"resend:{max(numbers, default=0) + 1}",
        reason=f"resent by {who}" if who else "resent by staff",
        channels=channels,
    )
