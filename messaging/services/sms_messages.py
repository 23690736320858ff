"""Texting guests and crew: what to text, quiet hours, opt-outs. (Owner: SMS.)"""

from __future__ import annotations

from datetime import datetime

from crew.models import Assignment
from messaging.models import Message


def message_sms_send(message: Message) -> str:
    """Text ``message`` through messaging.sms (SNS); return the SNS message id."""
    raise NotImplementedError


def quiet_hours_until(message: Message, *, now: datetime) -> datetime | None:
    """When ``now`` is within 21:00-08:00 in the booking's brand zone, the next 08:00 there; else None."""
    raise NotImplementedError


def crew_invitation_sms_schedule(*, assignment: Assignment, reason: str, email_effect_id: int) -> Message | None:
    """A text of the invitation for crew who opted in, one per invitation email effect."""
    return None
