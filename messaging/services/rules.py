"""Whether a guest message may go: the rules scheduling, sending and the admin share. (Owner: messaging core.)"""

from __future__ import annotations

from datetime import datetime

from bookings.models import Booking
from messaging.models import Message


class SkipMessage(Exception):
    """Raised by a channel's send when the message must not go after all (opted out, nothing to send)."""


def skip_reason(message: Message, *, now: datetime) -> str:
    """Why ``message`` must not be sent now ("" when it may): cancelled booking, ended charter,
    reminder outside its 30-minute window, undeliverable address (deliverability.suppression_for)..."""
    raise NotImplementedError


def guest_channels(booking: Booking) -> list[str]:
    """The channels a guest can be reached on: email (an address not suppressed) and sms (a valid mobile
    number in E.164, not opted out). Empty: the booking page says the guest cannot be reached."""
    raise NotImplementedError


def reminder_moments(booking: Booking) -> list[tuple[int, datetime]]:
    """(hours before, moment) for each of the brand's reminder offsets, computed on the local wall clock
    of the brand's zone (a 48-hour reminder of a 10:00 charter is at 10:00 two days before, across DST)."""
    raise NotImplementedError
