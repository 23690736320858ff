"""Writes of the messaging app: what to send, when, and what became of it."""

from messaging.services.deliverability import suppression_for, tracking_event_record
from messaging.services.due import due_messages_send
from messaging.services.scheduling import (
    booking_notices_schedule,
    confirmation_schedule,
    message_resend,
    message_schedule,
)
from messaging.services.sending import message_send_effect
from messaging.services.sms_messages import crew_invitation_sms_schedule

__all__ = [
    "booking_notices_schedule",
    "confirmation_schedule",
    "crew_invitation_sms_schedule",
    "due_messages_send",
    "message_resend",
    "message_schedule",
    "message_send_effect",
    "suppression_for",
    "tracking_event_record",
]
