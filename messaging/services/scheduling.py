"""Which messages a booking calls for, recorded as Message rows and outbox effects. (Owner: messaging core.)"""

from __future__ import annotations

from bookings.models import Booking
from messaging.models import Message


def message_schedule(*, booking: Booking, kind: str, key: str, scheduled_for=None, reason: str = "") -> list[Message]:
    raise NotImplementedError


def confirmation_schedule(*, booking_id: int) -> list[Message]:
    return []


def booking_notices_schedule(*, booking: Booking, change) -> list[Message]:
    return []


def message_resend(*, booking: Booking, kind: str, actor=None) -> list[Message]:
    raise NotImplementedError
