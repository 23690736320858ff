"""Messages that fall due with time: reminders, the thank-you, the photos. (Owner: messaging core.)

Beat runs :func:`due_messages_send` every 5 minutes. Nothing is remembered between runs: each
run works out what is due from the bookings as they are now (a booking moved twice before its
reminder gets one reminder, for its final time), and the unique message keys make a second
run, or a second host, schedule nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from bookings.models import Booking, Tenant
from guestpages.models import PhotoUpload
from guestpages.services import upload_window
from messaging.models import Channel, Message
from messaging.services import rules
from messaging.services.scheduling import message_key, message_schedule

Kind = Message.Kind
# Photos go once the upload window has closed, and are not tried after this (a missed day is a resend).
PHOTOS_DUE_FOR = timedelta(days=1)
# Margin for wall-clock offsets across a DST change when choosing candidate bookings.
DST_SLACK = timedelta(hours=2)


@dataclass
class DueResult:
    scheduled: list[Message] = field(default_factory=list)
    skipped: list[Message] = field(default_factory=list)


def _late_reason(booking: Booking, moment: datetime) -> str:
    due = f"due at {rules.local_label(moment, booking)}"
    if booking.created_at > moment:
        return f"{due}; booking entered later"
    if booking.updated_at > moment:
        return f"{due}; booking changed later"
    return f"{due}; sending was down"


@dataclass
class _Plan:
    """What one run would do, before anything is written."""

    # (booking, kind, key suffix, reminder moment or None, channels)
    due: list[tuple[Booking, str, str, datetime | None, list[str]]] = field(default_factory=list)
    skipped: list[Message] = field(default_factory=list)


def _reminders(plan: _Plan, now: datetime, limits: dict) -> None:
    horizon = now + timedelta(hours=limits["offset"] or 0) + DST_SLACK
    bookings = list(
        Booking.objects.select_related("tenant", "boat")
        .filter(status=Booking.Status.CONFIRMED, start__gt=now, start__lte=horizon)
        .order_by("start", "id")
    )
    suppressed = rules.suppressed_among([pair for b in bookings for pair in rules.guest_addresses(b).items()])
    candidates = []  # (booking, hours, moment, channels, late)
    for booking in bookings:
        channels = rules.guest_channels(booking, suppressed=suppressed)
        if not channels:
            continue  # an unreachable guest: nothing, not even a skipped row
        for _hours, moment in rules.reminder_moments(booking):
            if now < moment:
                continue
            # Due for 30 minutes from its moment, even for a booking entered within them.
            late = now >= moment + rules.REMINDER_WINDOW
            candidates.append((booking, moment, channels, late))
    keys = [
        message_key(booking_id=b.pk, kind=Kind.REMINDER, channel=c, suffix=rules.reminder_key_moment(m))
        for b, m, channels, _late in candidates
        for c in channels
    ]
    known = set(Message.objects.filter(key__in=keys).values_list("key", flat=True)) if keys else set()
    for booking, moment, channels, late in candidates:
        suffix = rules.reminder_key_moment(moment)
        todo = [
            c
            for c in channels
            if message_key(booking_id=booking.pk, kind=Kind.REMINDER, channel=c, suffix=suffix) not in known
        ]
        if not todo:
            continue
        if not late:
            plan.due.append((booking, Kind.REMINDER, suffix, moment, todo))
            continue
        addresses = rules.guest_addresses(booking)
        for channel in todo:
            plan.skipped.append(
                Message(
                    booking=booking,
                    kind=Kind.REMINDER,
                    channel=channel,
                    recipient=addresses[channel],
                    key=message_key(booking_id=booking.pk, kind=Kind.REMINDER, channel=channel, suffix=suffix),
                    scheduled_for=moment,
                    status=Message.Status.SKIPPED,
                    detail=_late_reason(booking, moment)[:255],
                )
            )


def _after_charter(plan: _Plan, now: datetime, limits: dict) -> None:
    earliest = now - timedelta(hours=limits["window"] or 0) - PHOTOS_DUE_FOR - DST_SLACK
    bookings = list(
        Booking.objects.select_related("tenant", "boat")
        .filter(status=Booking.Status.CONFIRMED, end__lte=now, end__gt=earliest)
        .exclude(guest_email="")
        .order_by("end", "id")
    )
    bookings = [b for b in bookings if not rules.entered_after_end(b)]
    suppressed = rules.suppressed_among([(Channel.EMAIL, b.guest_email) for b in bookings])
    with_uploads = set(
        PhotoUpload.objects.filter(booking_id__in=[b.pk for b in bookings]).values_list("booking_id", flat=True)
    )
    wanted = []  # (booking, kind, key)
    for booking in bookings:
        if Channel.EMAIL not in rules.guest_channels(booking, suppressed=suppressed):
            continue
        closes = upload_window(booking).closes
        if now < closes and not booking.no_show:
            wanted.append((booking, Kind.THANK_YOU))
        elif closes <= now < closes + PHOTOS_DUE_FOR:
            wanted.append((booking, Kind.PHOTOS))
    keys = [message_key(booking_id=b.pk, kind=k, channel=Channel.EMAIL) for b, k in wanted]
    known = set(Message.objects.filter(key__in=keys).values_list("key", flat=True)) if keys else set()
    for booking, kind in wanted:
        key = message_key(booking_id=booking.pk, kind=kind, channel=Channel.EMAIL)
        if key in known:
            continue
        if kind == Kind.PHOTOS and booking.pk not in with_uploads:
            plan.skipped.append(
                Message(
                    booking=booking,
                    kind=kind,
                    channel=Channel.EMAIL,
                    recipient=booking.guest_email.strip(),
                    key=key,
                    status=Message.Status.SKIPPED,
                    detail="no photos were uploaded",
                )
            )
            continue
        plan.due.append((booking, kind, "", None, [Channel.EMAIL]))


def due_messages_send(*, now: datetime | None = None, dry_run: bool = False) -> DueResult:
    """Schedule every reminder, thank-you and photos email that is due now; record the ones missed as skipped.

    A reminder is due from its moment until 30 minutes after. One more than 30 minutes past
    (the booking was entered later, or sending was down) is recorded as skipped with the reason,
    never sent late; only for charters still to come, so old history is not filled with them.
    With ``dry_run`` nothing is written: the result lists unsaved messages.
    """
    now = now or timezone.now()
    tenants = list(Tenant.objects.only("reminder_offsets_hours", "upload_window_hours_after_end"))
    limits = {  # how far ahead and back to look for bookings: the brands' largest settings
        "offset": max((max(t.reminder_offsets, default=0) for t in tenants), default=0),
        "window": max((t.upload_window_hours_after_end for t in tenants), default=0),
    }
    plan = _Plan()
    _reminders(plan, now, limits)
    _after_charter(plan, now, limits)
    result = DueResult()
    if dry_run:
        for booking, kind, suffix, moment, channels in plan.due:
            addresses = rules.guest_addresses(booking)
            for channel in channels:
                result.scheduled.append(
                    Message(
                        booking=booking,
                        kind=kind,
                        channel=channel,
                        recipient=addresses[channel],
                        key=message_key(booking_id=booking.pk, kind=kind, channel=channel, suffix=suffix),
                        scheduled_for=moment,
                    )
                )
        result.skipped = plan.skipped
        return result
    if plan.skipped:
        # A second run racing this one may have recorded some: the unique key keeps one of each.
        Message.objects.bulk_create(plan.skipped, ignore_conflicts=True)
        result.skipped = plan.skipped
    for booking, kind, suffix, moment, channels in plan.due:
        result.scheduled += message_schedule(
            booking=booking,
            kind=kind,
            suffix=suffix,
            scheduled_for=moment,
            reason=f"{Message.Kind(kind).label} due",
            channels=channels,
        )
    return result
