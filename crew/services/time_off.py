"""Time off: when a crew member is away, entered by staff or by the crew member."""

from __future__ import annotations

from django.db import transaction

from bookings.availability import ConflictError
from crew.availability import crew_lock, time_off_clashes
from crew.models import (
    TimeOff,
)


@transaction.atomic
def time_off_save(*, time_off: TimeOff, entered_by: str) -> TimeOff:
    """Record that a crew member is away. Refused while they are still on a charter in that time.

    ``entered_by`` is ``crew`` or the staff user's name (also in the history).
    """
    time_off.full_clean()
    crew_lock([time_off.crew_member_id])
    clashes = time_off_clashes(time_off=time_off)
    if clashes:
        raise ConflictError(clashes, field="start")
    if time_off.pk is None:
        time_off.entered_by = entered_by[:120]
    time_off.save()
    return time_off


@transaction.atomic
def time_off_remove(*, time_off: TimeOff) -> None:
    time_off.delete()
