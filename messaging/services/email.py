"""Sending one message by email. (Owner: messaging core.)"""

from __future__ import annotations

from messaging.models import Message


def message_email_send(message: Message) -> str:
    """Render ``message`` (messaging.render.message_render) and send it from the brand; return the SES message id."""
    raise NotImplementedError
