"""What the service API writes and reads. The writes call the same services as the admin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from bookings.models import Boat, Booking, CalendarEntry, Tenant
from bookings.services import calendar_entry_save
from crew.models import Assignment, CrewEvent, CrewMember, Role
from crew.services import assignment_remove, assignment_save, crew_event_ensure

# --- calendar entries -----------------------------------------------------------


@transaction.atomic
def calendar_entry_create(
    *,
    tenant: Tenant,
    title: str,
    start: dt.datetime,
    end: dt.datetime,
    kind: str,
    booking: Booking | None,
    boat: Boat | None = None,
    service: str,
) -> CalendarEntry:
    """Create a calendar entry on behalf of a service. Raises ValidationError with field messages,
    and ConflictError for a block over a confirmed charter."""
    entry = CalendarEntry(tenant=tenant, title=title, start=start, end=end, kind=kind, booking=booking, boat=boat)
    return calendar_entry_save(entry=entry, service=service)


def calendar_entries_in(
    *,
    tenant: Tenant | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    after: tuple[dt.datetime, int] | None,
) -> QuerySet[CalendarEntry]:
    """Entries overlapping [start, end), in (start, id) order, after the keyset cursor ``after``."""
    qs = CalendarEntry.objects.select_related("tenant", "boat").order_by("start", "id")
    if tenant is not None:
        qs = qs.filter(tenant=tenant)
    if start is not None:
        qs = qs.filter(end__gt=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    if after is not None:
        qs = qs.filter(Q(start__gt=after[0]) | Q(start=after[0], id__gt=after[1]))
    return qs


# --- crew events -----------------------------------------------------------------


@dataclass(frozen=True)
class WantedAssignment:
    crew_member: CrewMember
    role: Role
    hourly_rate: Decimal
    paid_hours: Decimal


@dataclass
class EventChange:
    event: CrewEvent
    created: bool
    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)


EVENT_TEXT_FIELDS = ("weather_briefing", "logistics", "gate_code")


@transaction.atomic
def crew_event_apply(
    *, booking: Booking, details: dict[str, str], assignments: list[WantedAssignment] | None
) -> EventChange:
    """Create or update the booking's crew event.

    ``details`` holds the event's text fields to change. ``assignments``, when
    given, is the whole crew: new people are assigned (and invited through the
    outbox), changed lines are saved, people left out are removed. Declined
    assignments keep their status. Raises ValidationError with field messages.
    """
    Booking.objects.select_for_update().filter(pk=booking.pk).first()  # one writer per booking at a time
    created = not CrewEvent.objects.filter(booking=booking).exists()
    event = crew_event_ensure(booking=booking)
    change = EventChange(event=event, created=created)

    changed = [f for f in EVENT_TEXT_FIELDS if f in details and getattr(event, f) != details[f]]
    if changed:
        for f in changed:
            setattr(event, f, details[f])
        event.full_clean()
        event.save()

    if assignments is None:
        return change

    current = {a.crew_member_id: a for a in Assignment.objects.filter(event=event).select_related("role")}
    wanted_ids = {w.crew_member.pk for w in assignments}
    aboard = sum(
        1
        for w in assignments
        if w.crew_member.pk not in current or current[w.crew_member.pk].status != Assignment.Status.DECLINED
    )
    room = booking.boat.capacity - aboard
    if booking.party_size > room:
        raise ValidationError(
            {
                "assignments": (
                    f"{booking.boat.name} carries {booking.boat.capacity} people including crew: "
                    f"{booking.party_size} guests and {aboard} crew is too many."
                )
            }
        )
    for member_id, assignment in current.items():
        if member_id not in wanted_ids:
            change.removed.append(assignment.pk)
            assignment_remove(assignment=assignment)
    for wanted in assignments:
        existing = current.get(wanted.crew_member.pk)
        if existing is None:
            new = assignment_save(
                assignment=Assignment(
                    event=event,
                    crew_member=wanted.crew_member,
                    role=wanted.role,
                    hourly_rate=wanted.hourly_rate,
                    paid_hours=wanted.paid_hours,
                )
            )
            change.added.append(new.pk)
            continue
        if (existing.role_id, existing.hourly_rate, existing.paid_hours) != (
            wanted.role.pk,
            wanted.hourly_rate,
            wanted.paid_hours,
        ):
            existing.role, existing.hourly_rate, existing.paid_hours = (
                wanted.role,
                wanted.hourly_rate,
                wanted.paid_hours,
            )
            assignment_save(assignment=existing)
            change.updated.append(existing.pk)
    return change
