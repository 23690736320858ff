"""Writes to bookings and the calendar. The admin, the API and the commands all come through here."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from bookings.models import Booking, CalendarEntry

# A change to any of these asks the crew to look at the event (and accept) again.
MATERIAL_FIELDS = ("start", "end", "boat_id", "meeting_point")


@dataclass(frozen=True)
class BookingChange:
    created: bool
    material: bool
    status_changed: bool


def booking_change_for(booking: Booking) -> BookingChange:
    """Compare ``booking`` (unsaved edits) with what the database holds."""
    if booking.pk is None:
        return BookingChange(created=True, material=False, status_changed=False)
    old = Booking.objects.select_related("boat").filter(pk=booking.pk).first()
    if old is None:
        return BookingChange(created=True, material=False, status_changed=False)
    material = any(getattr(old, f) != getattr(booking, f) for f in MATERIAL_FIELDS) or (
        old.effective_meeting_point != booking.effective_meeting_point
    )
    return BookingChange(created=False, material=material, status_changed=old.status != booking.status)


@transaction.atomic
def booking_save(*, booking: Booking, actor=None, service: str = "", validate: bool = True) -> BookingChange:
    """Validate and save a booking, then keep its calendar entry and crew event in step.

    Side effects outside the database (guest page, crew email) are recorded in
    the outbox by the same transaction and run after it commits.
    """
    from crew.services import crew_event_ensure, crew_event_material_change

    if validate:
        booking.full_clean()
    change = booking_change_for(booking)
    booking.save()
    calendar_entry_sync(booking=booking, actor=actor, service=service)
    crew_event_ensure(booking=booking)
    if change.material:
        crew_event_material_change(booking=booking)
    from guestpages.services import guest_page_schedule_publish

    guest_page_schedule_publish(booking=booking, reason="booking created" if change.created else "booking changed")
    return change


def calendar_entry_sync(*, booking: Booking, actor=None, service: str = "") -> CalendarEntry:
    """Create or update the booking's calendar entry; a cancelled booking's entry is marked cancelled."""
    status = CalendarEntry.Status.CANCELLED if booking.is_cancelled else CalendarEntry.Status.ACTIVE
    title = f"{booking.boat.name}: {booking.guest_name} ({booking.party_size})"
    values = {
        "tenant_id": booking.tenant_id,
        "title": title[:200],
        "start": booking.start,
        "end": booking.end,
        "kind": CalendarEntry.Kind.CHARTER,
        "status": status,
    }
    entry = CalendarEntry.objects.filter(booking=booking).first()
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
