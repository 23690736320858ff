"""Reads of guest messages that the booking page and the message lists share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from bookings.models import Booking
from messaging.models import Channel, Message, Suppression
from messaging.services import rules
from messaging.services.deliverability import suppression_describe
from outbox.models import Effect


def messages_for_list(qs: QuerySet[Message]) -> QuerySet[Message]:
    """Messages with what a list shows of them (brand, booking, effect) in the same query."""
    return qs.select_related("booking__tenant", "effect")


def booking_messages(booking: Booking) -> list[Message]:
    """The booking's messages, newest first, each with its outbox effect: one query however many."""
    return list(messages_for_list(Message.objects.filter(booking_id=booking.pk)).order_by("-created_at", "-id"))


def message_status(message: Message) -> tuple[str, str]:
    """(label, detail) as staff should read them.

    A message still "queued" whose effect gave up is not waiting: it failed, and the
    effect's error says why (the message row only learns what its handler wrote).
    """
    effect = message.effect
    if message.status == Message.Status.QUEUED and effect is not None and effect.status == Effect.Status.FAILED:
        return "Failed", effect.last_error or message.detail
    return message.get_status_display(), message.detail


@dataclass(frozen=True)
class Reminder:
    hours: int
    moment: datetime
    message: Message | None  # the reminder already recorded for this moment, if any


@dataclass(frozen=True)
class GuestMessagesPanel:
    """Everything the booking page says about the guest's messages."""

    messages: list[Message]
    channels: list[str]  # where the guest can be reached now
    problems: list[str] = field(default_factory=list)  # why a channel is missing
    reminders: list[Reminder] = field(default_factory=list)  # those still to come
    no_reminders_because: str = ""

    @property
    def unreachable(self) -> bool:
        return not self.channels


def guest_messages_panel(*, booking: Booking, now: datetime | None = None) -> GuestMessagesPanel:
    """The booking page's "Guest messages": the messages, who can be reached, the reminders to come.

    A fixed number of queries (messages, suppressions) however many messages the booking has.
    """
    now = now or timezone.now()
    messages = booking_messages(booking)
    addresses = rules.guest_addresses(booking)
    found = rules.suppressed_among(list(addresses.items()))
    channels = rules.guest_channels(booking, suppressed=found)
    problems = []
    for channel, address in addresses.items():
        suppression = found.get(rules.suppression_key(channel, address))
        if suppression is not None:
            what = "Email" if channel == Channel.EMAIL else "Number"
            problems.append(f"{what} {address} {suppression_describe(suppression)}: nothing is sent to it.")
    if booking.guest_phone.strip() and Channel.SMS not in addresses:
        problems.append(f"“{booking.guest_phone}” is not a valid mobile number: no text messages.")
    if not booking.guest_email.strip() and not booking.guest_phone.strip():
        problems.insert(0, "No email or mobile number.")
    reminders, because = _reminders(booking, messages, now)
    return GuestMessagesPanel(
        messages=messages, channels=channels, problems=problems, reminders=reminders, no_reminders_because=because
    )


def _reminders(booking: Booking, messages: list[Message], now: datetime) -> tuple[list[Reminder], str]:
    if booking.status != Booking.Status.CONFIRMED:
        return [], f"the booking is {booking.get_status_display().lower()}"
    if rules.entered_after_end(booking):
        return [], "the charter had already ended when it was entered"
    recorded = {m.scheduled_for: m for m in messages if m.kind == Message.Kind.REMINDER and m.scheduled_for}
    upcoming = [
        Reminder(hours=hours, moment=moment, message=recorded.get(moment))
        for hours, moment in rules.reminder_moments(booking)
        if moment + rules.REMINDER_WINDOW > now
    ]
    return upcoming, "" if upcoming else "every reminder time has passed"


def suppressions_for_staff(qs: QuerySet[Suppression], tenant_ids: list[int] | None) -> QuerySet[Suppression]:
    """Suppressions of the guests' and crew's addresses of the given brands (``None``: every one).

    A suppression has no brand; staff see one when it is the address of someone their brands
    deal with, and not the addresses of other brands' guests.
    """
    if tenant_ids is None:
        return qs
    from crew.models import CrewMember

    bookings = Booking.objects.filter(tenant_id__in=tenant_ids)
    crew = CrewMember.objects.filter(tenants__in=tenant_ids)
    return qs.filter(
        Q(channel=Channel.EMAIL, address__in=bookings.annotate(a=Lower("guest_email")).values("a"))
        | Q(channel=Channel.EMAIL, address__in=crew.annotate(a=Lower("email")).values("a"))
        | Q(channel=Channel.SMS, address__in=bookings.values("guest_phone"))
        | Q(channel=Channel.SMS, address__in=crew.values("phone"))
    )
