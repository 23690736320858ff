"""Writes to marketplace holds that the charter core makes: which booking claims which hold.

The marketplace sync owns a hold's times and status (``marketplaces``); the charter core only
sets ``claimed_by``:

* a booking of the hold's source that overlaps it claims it when saved (``booking_save`` calls
  :func:`hold_claims_sync`), preferring the hold with the booking's reference, then the one it
  overlaps most; a claimed hold blocks nothing by itself (the booking does);
* a booking that stops taking its boat (cancelled, weather-owed) or moves off its hold lets go
  of it: the marketplace still lists the event, so the boat is blocked again and staff see the
  hold in "needs attention";
* a claimed hold the marketplace stops listing (the sync marks it cancelled) stays claimed: its
  booking is flagged for staff ("needs attention", the booking's page), never cancelled
  automatically. Staff clear the flag with :func:`hold_detach`. If the event comes back (before or after that), the sync
  makes the same row active again and links it to the confirmed booking of its source it lies on
  (``marketplaces.services``), so the flag is simply gone; saving that booking links it too.

Every change is a plain save of the hold, so its history says who and why.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from bookings import availability
from bookings.models import Booking, CalendarEntry, MarketplaceFeed


def _hold_save(hold: CalendarEntry, *, actor=None, reason: str) -> None:
    if getattr(actor, "pk", None):
        hold._history_user = actor
    hold._change_reason = reason[:100]
    hold.save(update_fields=["claimed_by", "updated_at"])


def hold_claims_sync(*, booking: Booking, actor=None) -> list[CalendarEntry]:
    """Let ``booking`` (just saved) claim the hold of its source it overlaps, and let go of the
    holds it no longer stands for. Returns the holds it claims now.

    Call it inside the transaction that saved the booking, after ``booking_availability_check``
    locked the boat: the same choice (:func:`bookings.availability.claim_choice`) left that hold
    out of the booking's clashes. One query when nothing changes.
    """
    # Through the feed's own index: the boat's other entries (a charter entry per booking ever
    # made) are never read. Which are unclaimed is sorted out below (an index on claimed_by would
    # read every entry that is not a hold).
    feeds = MarketplaceFeed.objects.filter(boat_id=booking.boat_id, source=booking.source).values("pk")
    overlapping = Q(
        feed_id__in=feeds,
        status=CalendarEntry.Status.ACTIVE,
        start__lt=booking.end,
        end__gt=booking.start,
    )
    rows = list(
        CalendarEntry.objects.filter(kind=CalendarEntry.Kind.MARKETPLACE)
        .filter(Q(claimed_by_id=booking.pk) | overlapping)
        .select_related("feed")
        .order_by("start", "pk")
    )
    held = [h for h in rows if h.claimed_by_id == booking.pk]
    free = [h for h in rows if h.claimed_by_id is None]
    kept = []
    for hold in held:
        stands = (
            booking.occupies_boat
            and hold.boat_id == booking.boat_id
            and availability.hold_source(hold) == booking.source
            and hold.start < booking.end
            and booking.start < hold.end
        )
        if stands:
            kept.append(hold)
            continue
        hold.claimed_by = None
        why = "cancelled or weather-owed" if not booking.occupies_boat else "moved"
        _hold_save(hold, actor=actor, reason=f"Released: booking #{booking.pk} {why}")
    if booking.occupies_boat:
        choice = availability.claim_choice(free, booking)
        if choice is not None:
            choice.claimed_by = booking
            _hold_save(choice, actor=actor, reason=f"Claimed by booking #{booking.pk}")
            kept.append(choice)
    return kept


@transaction.atomic
def hold_detach(*, booking: Booking, hold_id: int, actor=None) -> CalendarEntry:
    """Clear a flagged booking: staff checked with the marketplace, and the booking stands.

    Detaches the cancelled hold from ``booking`` (recorded in the hold's history, with who did
    it). Only a cancelled hold can be detached here: an active one is the booking's own event.
    """
    hold = (
        CalendarEntry.objects.select_for_update()
        .filter(pk=hold_id, kind=CalendarEntry.Kind.MARKETPLACE, claimed_by_id=booking.pk)
        .first()
    )
    if hold is None:
        raise ValidationError("This booking does not claim that marketplace hold (any more).")
    if hold.status != CalendarEntry.Status.CANCELLED:
        raise ValidationError("The marketplace still lists this hold: it stays with the booking.")
    hold.claimed_by = None
    _hold_save(hold, actor=actor, reason=f"Flag cleared by staff: detached from booking #{booking.pk}")
    return hold
