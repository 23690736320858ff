"""Bounces, complaints and opt-outs: which addresses not to use. (Owner: deliverability.)"""

from __future__ import annotations

from messaging.models import Suppression


def suppression_for(*, channel: str, address: str) -> Suppression | None:
    """The suppression of ``address`` on ``channel`` (email lowercased, numbers E.164), if any."""
    return None


def tracking_event_record(*, event, esp_name: str) -> None:
    """Record an anymail tracking event: message status, and a suppression for a hard bounce or complaint."""
    return None
