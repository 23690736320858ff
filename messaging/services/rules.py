"""Whether a guest message may go: the rules scheduling, sending and the admin share. (Owner: messaging core.)"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from django.utils import dateformat, timezone

from bookings.models import Booking
from charterops.phones import is_mobile_e164, phone_e164_or_none
from guestpages.services import upload_window
from messaging.models import Channel, Message, Suppression
from messaging.services.deliverability import suppression_for

Kind = Message.Kind

# A reminder goes from its moment until this long after; later it would be noise, so it is skipped.
REMINDER_WINDOW = timedelta(minutes=30)
# Kinds that also go by text message; the rest are email only.
TEXTED_KINDS = frozenset(
    {Kind.CONFIRMATION, Kind.REMINDER, Kind.CHANGE, Kind.CANCELLATION, Kind.WEATHER_OWED, Kind.CREW_INVITATION}
)
# Kinds that belong after the charter; everything else is pointless once it has ended.
AFTER_KINDS = frozenset({Kind.THANK_YOU, Kind.PHOTOS})
# Kinds that tell the guest what is about to happen; pointless once the charter has started.
BEFORE_KINDS = frozenset({Kind.CONFIRMATION, Kind.REMINDER, Kind.CHANGE})
CONFIRMATION_DELIVERED = (Message.Status.SENT, Message.Status.DELIVERED)


class SkipMessage(Exception):
    """Raised by a channel's send when the message must not go after all (opted out, nothing to send)."""


def entered_after_end(booking: Booking) -> bool:
    """Backfills and imports of charters already over: the guest hears nothing about them."""
    return booking.created_at is not None and booking.created_at >= booking.end


def booking_state_hash(booking: Booking) -> str:
    """What a change notice tells the guest (start, end, boat, meeting point): one notice per distinct state."""
    state = "|".join(
        [
            booking.start.astimezone(UTC).isoformat(),
            booking.end.astimezone(UTC).isoformat(),
            str(booking.boat_id),
            booking.effective_meeting_point,
        ]
    )
    return hashlib.sha1(state.encode()).hexdigest()[:12]


def local_label(moment: datetime, booking: Booking) -> str:
    """ "Sat Mar 7 10:00" in the brand's zone: how staff read a due time."""
    return dateformat.format(timezone.localtime(moment, booking.tenant.zone), "D M j H:i")


def sms_number(raw: str) -> str:
    """``raw`` as E.164 when it is a valid mobile number, else "" (the booking form stores E.164; old rows may not)."""
    number = phone_e164_or_none(raw) if raw and raw.strip() else None
    return number if number and is_mobile_e164(number) else ""


def guest_addresses(booking: Booking) -> dict[str, str]:
    """The guest's address per channel as messages are sent to it (before any suppression)."""
    addresses = {}
    if booking.guest_email.strip():
        addresses[Channel.EMAIL] = booking.guest_email.strip()
    number = sms_number(booking.guest_phone)
    if number:
        addresses[Channel.SMS] = number
    return addresses


def suppression_key(channel: str, address: str) -> tuple[str, str]:
    return (channel, address.strip().lower() if channel == Channel.EMAIL else address.strip())


def suppressed_among(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Suppression]:
    """One query: the suppressions of these (channel, address) pairs, by their suppression key."""
    keys = {suppression_key(channel, address) for channel, address in pairs}
    if not keys:
        return {}
    rows = Suppression.objects.filter(address__in={a for _c, a in keys})
    return {(s.channel, s.address): s for s in rows if (s.channel, s.address) in keys}


def guest_channels(booking: Booking, *, suppressed: Collection[tuple[str, str]] | None = None) -> list[str]:
    """The channels a guest can be reached on: email (an address not suppressed) and sms (a valid mobile
    number in E.164, not opted out). Empty: the booking page says the guest cannot be reached.

    ``suppressed`` (from :func:`suppressed_among`) saves the per-address lookups in a batch run."""
    channels = []
    for channel, address in guest_addresses(booking).items():
        if suppressed is not None:
            blocked = suppression_key(channel, address) in suppressed
        else:
            blocked = suppression_for(channel=channel, address=address) is not None
        if not blocked:
            channels.append(channel)
    return channels


def reminder_moments(booking: Booking) -> list[tuple[int, datetime]]:
    """(hours before, moment) for each of the brand's reminder offsets, computed on the local wall clock
    of the brand's zone (a 48-hour reminder of a 10:00 charter is at 10:00 two days before, across DST)."""
    zone = booking.tenant.zone
    start = timezone.localtime(booking.start, zone)
    moments = []
    for hours in booking.tenant.reminder_offsets:
        # Aware arithmetic on a zoneinfo datetime is wall-clock arithmetic; the round trip through
        # UTC gives the instant its right offset when a DST change lies in between.
        wall = start - timedelta(hours=hours)
        moments.append((hours, wall.astimezone(UTC).astimezone(zone)))
    return moments


def reminder_key_moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def _confirmation_reached_guest(booking: Booking) -> bool:
    return Message.objects.filter(
        booking_id=booking.pk, kind=Kind.CONFIRMATION, status__in=CONFIRMATION_DELIVERED
    ).exists()


def _booking_reason(message: Message, booking: Booking, now: datetime) -> str:
    kind = message.kind
    if entered_after_end(booking):
        return "the charter had already ended when it was entered"
    if booking.status == Booking.Status.CANCELLED and kind != Kind.CANCELLATION:
        return "the booking is cancelled"
    if booking.status == Booking.Status.WEATHER_OWED and kind != Kind.WEATHER_OWED:
        return "the charter is weather-owed"
    if kind == Kind.CANCELLATION and booking.status != Booking.Status.CANCELLED:
        return "the booking is no longer cancelled"
    if kind == Kind.WEATHER_OWED and booking.status != Booking.Status.WEATHER_OWED:
        return "the charter is no longer weather-owed"
    if now >= booking.end and kind not in AFTER_KINDS:
        return "the charter has ended"
    if now >= booking.start and kind in BEFORE_KINDS:
        return "the charter has started"
    return ""


def _kind_reason(message: Message, booking: Booking, now: datetime) -> str:
    kind = message.kind
    if kind == Kind.REMINDER and message.scheduled_for is not None:
        # A text held back by quiet hours went out of its window waiting: it is delayed, never dropped.
        if now > message.scheduled_for + REMINDER_WINDOW and message.status != Message.Status.DELAYED:
            return f"too late: due at {local_label(message.scheduled_for, booking)}"
        if all(moment != message.scheduled_for for _h, moment in reminder_moments(booking)):
            return "the charter moved: no reminder is due at this time any more"
    if kind == Kind.CHANGE:
        parts = message.key.split(":")
        if len(parts) > 3 and parts[3] != booking_state_hash(booking):
            return "superseded by a later change"
    if kind in (Kind.CANCELLATION, Kind.WEATHER_OWED) and not _confirmation_reached_guest(booking):
        return "the guest was never sent a confirmation"
    if kind == Kind.THANK_YOU:
        if booking.no_show:
            return "the party did not come (no-show)"
        if now >= upload_window(booking).closes:
            return "the photo upload window has closed"
    return ""


def skip_reason(message: Message, *, now: datetime) -> str:
    """Why ``message`` must not be sent now ("" when it may): cancelled booking, ended charter,
    reminder outside its 30-minute window, undeliverable address (deliverability.suppression_for)..."""
    booking = message.booking
    reason = _booking_reason(message, booking, now) or _kind_reason(message, booking, now)
    if reason:
        return reason
    suppression = suppression_for(channel=message.channel, address=message.recipient)
    if suppression is not None:
        what = "address" if message.channel == Channel.EMAIL else "number"
        return f"undeliverable {what}: {suppression.get_reason_display().lower()}"
    return ""
