"""Writes to bookings, boats and the calendar. The admin, the API and the commands all come through here."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import availability, trip
from bookings.availability import Clash, ConflictError
from bookings.models import Boat, Booking, CalendarEntry, occupancy_end
from bookings.signals import booking_saved
from charterops.audit import acting_as

# A change to any of these asks the crew to look at the event (and accept) again.
MATERIAL_FIELDS = ("start", "end", "boat_id", "meeting_point")
# A change to any of these moves what the booking occupies.
OCCUPANCY_FIELDS = ("start", "end", "boat_id")


@dataclass(frozen=True)
class BookingChange:
    created: bool
    material: bool
    status_changed: bool
    # The boat is taken at another time or place than before (new, moved, or confirmed again).
    occupancy_changed: bool = False
    old_boat_id: int | None = None
    old_status: str = ""


def booking_change_for(booking: Booking) -> BookingChange:
    """Compare ``booking`` (unsaved edits) with what the database holds."""
    old = Booking.objects.select_related("boat").filter(pk=booking.pk).first() if booking.pk else None
    if old is None:
        return BookingChange(created=True, material=False, status_changed=False, occupancy_changed=True)
    material = any(getattr(old, f) != getattr(booking, f) for f in MATERIAL_FIELDS) or (
        old.effective_meeting_point != booking.effective_meeting_point
    )
    moved = any(getattr(old, f) != getattr(booking, f) for f in OCCUPANCY_FIELDS)
    return BookingChange(
        created=False,
        material=material,
        status_changed=old.status != booking.status,
        occupancy_changed=booking.occupies_boat and (moved or not old.occupies_boat),
        old_boat_id=old.boat_id,
        old_status=old.status,
    )


def booking_availability_check(
    *, booking: Booking, actor=None, override_reason: str = "", change: BookingChange | None = None
) -> BookingChange:
    """Lock the booking's boat(s), then refuse it if it lands on another booking or a block.

    Staff with ``bookings.override_conflict`` may save over a clash by giving a
    reason (kept on the booking and in its history). An override stays valid
    while the booking keeps its slot; one that no longer clashes is cleared.
    A save that does not move the booking cannot create a clash and checks nothing.
    Call it inside the transaction that saves the booking.
    """
    change = change or booking_change_for(booking)
    availability.boats_lock([booking.boat_id, change.old_boat_id])
    if not change.occupancy_changed and not booking.conflict_override_reason:
        return change
    clashes = availability.booking_clashes(booking)
    if not clashes:
        booking.conflict_override_reason = ""  # nothing left to override
    elif override_reason.strip():
        if not availability.can_override(actor):
            raise availability.override_refused()
        booking.conflict_override_reason = override_reason.strip()
    elif not (booking.conflict_override_reason and not change.occupancy_changed):
        raise ConflictError(clashes)
    return change


@transaction.atomic
def booking_save(
    *,
    booking: Booking,
    actor=None,
    service: str = "",
    validate: bool = True,
    override_reason: str = "",
    recheck_crew: bool = True,
    side_effects: bool = True,
) -> BookingChange:
    """Validate and save a booking, then keep its calendar entry and crew event in step.

    A booking that would overlap another confirmed booking of its boat (with the
    turnaround) or a block raises :class:`~bookings.availability.ConflictError`
    naming them, unless ``override_reason`` is given by staff with the
    ``bookings.override_conflict`` permission. When the booking moves, its crew
    are checked again (``recheck_crew``; the admin checks the crew it is about to
    save itself). Nothing is written when it refuses.

    Side effects outside the database (guest page, crew email) are recorded in
    the outbox by the same transaction and run after it commits. With
    ``side_effects=False`` (import_bookings, for a charter that is already over)
    only the booking, its history, its calendar entry and its hold claim are
    written: no crew event, no crew invitations, no ``booking_saved`` (no guest page).
    """
    from bookings.holds import hold_claims_sync
    from crew.availability import booking_crew_check
    from crew.services import crew_event_ensure, crew_event_material_change

    if validate:
        booking.full_clean()
    change = booking_availability_check(booking=booking, actor=actor, override_reason=override_reason)
    if recheck_crew and change.occupancy_changed and not change.created:
        booking_crew_check(booking=booking)
    try:
        booking.save()  # this function's own savepoint rolls it back on any error
    except IntegrityError as exc:
        # PostgreSQL's exclusion constraint: only a writer that skipped the lock gets here.
        if "booking_no_overlap_per_boat" not in str(exc):
            raise
        raise ConflictError(
            [Clash(kind="booking", message=f"{booking.boat.name} was booked for that time meanwhile.")]
        ) from exc
    calendar_entry_sync(booking=booking, actor=actor, service=service, created=change.created)
    hold_claims_sync(booking=booking, actor=actor)  # the marketplace hold it stands for (bookings/holds.py)
    if side_effects:
        crew_event_ensure(booking=booking)
        if change.material:
            crew_event_material_change(booking=booking)
        booking_saved.send(sender=Booking, booking=booking, created=change.created, change=change)
    return change


def calendar_entry_sync(*, booking: Booking, actor=None, service: str = "", created: bool = False) -> CalendarEntry:
    """Create or update the booking's calendar entry; a cancelled booking's entry is marked cancelled.

    ``created``: the booking was inserted by this transaction, so it has no entry to look up yet.
    """
    status = CalendarEntry.Status.CANCELLED if booking.is_cancelled else CalendarEntry.Status.ACTIVE
    title = f"{booking.boat.name}: {booking.guest_name} ({booking.party_size})"
    values = {
        "tenant_id": booking.tenant_id,
        "boat_id": booking.boat_id,
        "title": title[:200],
        "start": booking.start,
        "end": booking.end,
        "kind": CalendarEntry.Kind.CHARTER,
        "status": status,
    }
    entry = None if created else CalendarEntry.objects.filter(booking=booking).first()
    if entry is None:
        return CalendarEntry.objects.create(
            booking=booking,
            created_by_user=actor if getattr(actor, "pk", None) else None,
            created_by_service="" if getattr(actor, "pk", None) else (service or "charterops"),
            **values,
        )
    if any(getattr(entry, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(entry, k, v)
        entry.save()
    return entry


def calendar_entry_check(*, entry: CalendarEntry, actor=None, override_reason: str = "") -> None:
    """Lock the boats a block covers, then refuse it if it lands on a confirmed charter.

    The charter has to be moved, cancelled or marked weather-owed first, unless
    staff allowed to override give a reason. An unchanged block with an override
    keeps it; a block that no longer clashes loses it.
    """
    availability.boats_lock(availability.block_boat_ids(entry))
    clashes = availability.block_clashes(entry)
    if not clashes:
        entry.conflict_override_reason = ""
    elif override_reason.strip():
        if not availability.can_override(actor):
            raise availability.override_refused()
        entry.conflict_override_reason = override_reason.strip()
    elif not (entry.conflict_override_reason and entry.pk and not _block_moved(entry)):
        raise ConflictError(clashes)


@transaction.atomic
def calendar_entry_save(
    *, entry: CalendarEntry, actor=None, service: str = "", validate: bool = True, override_reason: str = ""
) -> CalendarEntry:
    """Save a calendar entry typed by staff or sent by a service (blocks are checked: see above)."""
    if validate:
        entry.full_clean()
    if entry.kind == CalendarEntry.Kind.MARKETPLACE and entry.feed_id is None:
        # Holds come from a boat's marketplace feed (the sync), never typed or posted by hand.
        raise ValidationError({"kind": "Marketplace holds come from a boat's marketplace feed: enter a booking."})
    if entry.pk is None:
        entry.created_by_user = actor if getattr(actor, "pk", None) else None
        entry.created_by_service = "" if entry.created_by_user else (service or "charterops")[:80]
    calendar_entry_check(entry=entry, actor=actor, override_reason=override_reason)
    entry.save()
    return entry


def _block_moved(entry: CalendarEntry) -> bool:
    old = CalendarEntry.objects.filter(pk=entry.pk).values("start", "end", "boat_id", "kind", "status").first()
    return old is None or any(getattr(entry, k) != v for k, v in old.items())


def turnaround_clashes(*, boat: Boat) -> tuple[list[Clash], list[Booking]]:
    """With ``boat``'s (new) turnaround: the clashes among its current and future bookings, and those
    bookings re-timed (not saved)."""
    upcoming = list(
        Booking.objects.filter(boat_id=boat.pk, end__gt=timezone.now()).select_related("tenant").order_by("start", "pk")
    )
    clashes: list[Clash] = []
    previous = None
    for booking in upcoming:
        booking.occupied_until = occupancy_end(booking.end, boat.turnaround_minutes)
        if not booking.occupies_boat or booking.conflict_override_reason:
            continue
        if previous is not None and booking.start < previous.occupied_until:
            clashes.append(
                Clash(
                    kind="booking",
                    booking_id=booking.pk,
                    message=(
                        f"With {boat.turnaround_minutes} minutes of turnaround, "
                        f"{availability.booking_label(previous)} would run into {availability.booking_label(booking)} "
                        f"({booking.local_start():%a %b %-d %H:%M})."
                    ),
                )
            )
        if previous is None or booking.occupied_until > previous.occupied_until:
            previous = booking
    return clashes[: availability.MAX_NAMED], upcoming


@transaction.atomic
def boat_save(*, boat: Boat, validate: bool = True) -> Boat:
    """Save a boat; a new turnaround re-times what its current and future bookings occupy.

    A longer turnaround that would make two of them clash is refused, naming both.
    """
    if validate:
        boat.full_clean()
    if boat.pk is None:
        boat.save()
        return boat
    availability.boats_lock([boat.pk])
    old = Boat.objects.filter(pk=boat.pk).values_list("turnaround_minutes", flat=True).first()
    if old is not None and old != boat.turnaround_minutes:
        clashes, upcoming = turnaround_clashes(boat=boat)
        if clashes:
            raise ConflictError(clashes, field="turnaround_minutes")
        boat.save()
        Booking.objects.bulk_update(upcoming, ["occupied_until"], batch_size=500)
        return boat
    boat.save()
    return boat


def boat_export_token_regenerate(*, boat: Boat) -> Boat:
    """Give ``boat`` a new export-feed token: its old export URL answers 404 from now on.

    Staff paste the new URL into every marketplace; until they do, those marketplaces keep
    their last copy of the boat's calendar.
    """
    boat.export_token = Boat._meta.get_field("export_token").get_default()  # a fresh random token
    boat.save(update_fields=["export_token"])
    return boat


@transaction.atomic
def booking_trip_record(*, booking: Booking, actor=None, crew_member=None, **fields) -> list[str]:
    """Record the trip log of a charter (check-in): any of ``guests_boarded``, ``no_show``,
    ``departed_at``, ``returned_at``, ``incident_note``, ``checked_in_names``.

    Checks the whole log as it would stand (see :func:`bookings.trip.trip_values_clean`) and
    raises ``ValidationError`` with a message per field, writing nothing, when it cannot be
    true. Saves only the fields that changed, and nothing else: no calendar entry, no crew
    re-invitation, no guest page publish, no money (a no-show or an early return leaves the
    breakdown as it was; staff adjust paid hours themselves). Returns the changed fields.

    Who did it goes into the booking's history: ``actor`` (staff; in a request the history
    middleware records the user anyway), or ``crew_member``, who must be the charter's captain,
    not declined, on a charter not cancelled, while the trip log is open on the crew page.
    """
    from crew.selectors import crew_may_record_trip
    from crew.services import crew_actor

    unknown = set(fields) - set(trip.TRIP_FIELDS)
    if unknown:
        raise TypeError(f"Not trip log fields: {', '.join(sorted(unknown))}")
    now = timezone.now()
    locked = Booking.objects.select_for_update().select_related("tenant", "boat").get(pk=booking.pk)
    if crew_member is not None and not crew_may_record_trip(booking=locked, member=crew_member, now=now):
        raise ValidationError("Only the captain of this charter records its trip log, while it is open.")
    values = trip.trip_values_clean(locked, fields, now=now)
    changed = [name for name in trip.TRIP_FIELDS if name in fields and getattr(locked, name) != values[name]]
    if not changed:
        return []
    for name in changed:
        setattr(locked, name, values[name])
    if getattr(actor, "pk", None):
        locked._history_user = actor
    with acting_as(crew_actor(crew_member)) if crew_member is not None else nullcontext():
        locked.save(update_fields=[*changed, "updated_at"])
    for name in (*changed, "updated_at"):
        setattr(booking, name, getattr(locked, name))
    return changed
