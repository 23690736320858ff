"""Whether a guest message may go: the rules scheduling and sending share. (Owner: messaging core.)"""

from __future__ import annotations

from datetime import datetime

from messaging.models import Message


def skip_reason(message: Message, *, now: datetime) -> str:
    """Why ``message`` must not be sent now ("" when it may): cancelled booking, ended charter,
    reminder outside its 30-minute window, undeliverable address (deliverability.suppression_for)..."""
    raise NotImplementedError
