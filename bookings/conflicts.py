"""Clashes the data already holds: written before the availability rules, or around them.

``find_conflicts`` (the command) and the admin home's "needs attention" list read
them here. Each kind is found with one query and a sweep over rows sorted by
time, so the cost is a constant number of queries and O(n log n) work, however
many bookings there are.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from bookings.availability import (
    block_label,
    booking_label,
    hold_label,
    hold_occupied_until,
    hold_source,
    unclaimed_holds,
)
from bookings.models import Booking, CalendarEntry
from charterops.timezones import local_range


@dataclass(frozen=True)
class Finding:
    """One clash. ``tenant_ids`` are the brands it touches (for scoping); ``start`` orders the list."""

    kind: str  # boat | block | hold | crew | time_off | credential
    message: str
    start: dt.datetime
    tenant_ids: frozenset[int]
    booking_ids: tuple[int, ...] = ()
    # Marketplace holds it names (a hold against a hold or a block names no booking).
    entry_ids: tuple[int, ...] = ()
    overridden: str = ""
    crew_member_id: int | None = None

    @property
    def label(self) -> str:
        return {
            "boat": "Boat double-booked",
            "block": "Booking inside a block",
            "hold": "Marketplace hold clash",
            "crew": "Crew member double-booked",
            "time_off": "Crew member away",
            "credential": "Credential missing",
        }[self.kind]


@dataclass
class Scope:
    """What to look at: charters ending after ``since``, of ``tenant_ids`` (None: every brand)."""

    since: dt.datetime
    tenant_ids: frozenset[int] | None = None
    until: dt.datetime | None = None
    # Brands whose guests and boats may be named; others read "another brand's charter".
    visible_tenant_ids: frozenset[int] | None = None

    def touches(self, *tenant_ids: int) -> bool:
        return self.tenant_ids is None or any(t in self.tenant_ids for t in tenant_ids)

    def visible(self, tenant_id: int) -> bool:
        return self.visible_tenant_ids is None or tenant_id in self.visible_tenant_ids


def _bookings(scope: Scope) -> list[Booking]:
    qs = Booking.objects.filter(status=Booking.Status.CONFIRMED, occupied_until__gt=scope.since)
    if scope.until is not None:
        qs = qs.filter(start__lt=scope.until)
    if scope.tenant_ids is not None:
        qs = qs.filter(tenant_id__in=scope.tenant_ids)
    return list(qs.select_related("tenant", "boat").order_by("boat_id", "start", "pk"))


def _when(booking: Booking) -> str:
    return local_range(booking.start, booking.end, booking.tenant.zone)


def _named(booking: Booking, scope: Scope) -> str:
    if scope.visible(booking.tenant_id):
        return f"{booking.boat.name}, {booking_label(booking)}, {_when(booking)}"
    return f"another brand's charter, {_when(booking)}"


def boat_findings(bookings: list[Booking], scope: Scope) -> list[Finding]:
    """Every pair of confirmed bookings of one boat whose occupancy (with turnaround) overlaps."""
    found = []
    active: list[Booking] = []
    for booking in bookings:  # sorted by boat, start
        active = [b for b in active if b.boat_id == booking.boat_id and b.occupied_until > booking.start]
        for earlier in active:
            found.append(
                Finding(
                    kind="boat",
                    start=booking.start,
                    tenant_ids=frozenset({booking.tenant_id}),
                    booking_ids=(earlier.pk, booking.pk),
                    overridden=booking.conflict_override_reason or earlier.conflict_override_reason,
                    message=(
                        f"{booking.boat.name}: {booking_label(earlier)} ({_when(earlier)}) and "
                        f"{booking_label(booking)} ({_when(booking)})"
                    ),
                )
            )
        active.append(booking)
    return found


def _blocks(scope: Scope) -> dict[tuple[int, int | None], list[CalendarEntry]]:
    """Active maintenance and blackouts ending after ``since``, by (brand, boat); boat None: every boat."""
    blocks = CalendarEntry.objects.filter(
        status=CalendarEntry.Status.ACTIVE, booking__isnull=True, end__gt=scope.since
    ).filter(Q(kind=CalendarEntry.Kind.BLACKOUT) | Q(kind=CalendarEntry.Kind.MAINTENANCE, boat__isnull=False))
    if scope.tenant_ids is not None:
        blocks = blocks.filter(tenant_id__in=scope.tenant_ids)
    by_place: dict[tuple[int, int | None], list[CalendarEntry]] = defaultdict(list)
    for block in blocks.select_related("boat", "tenant").order_by("start"):
        by_place[(block.tenant_id, block.boat_id)].append(block)
    return by_place


def block_findings(
    bookings: list[Booking], scope: Scope, by_place: dict[tuple[int, int | None], list[CalendarEntry]] | None = None
) -> list[Finding]:
    """Confirmed bookings that overlap a maintenance or blackout block of their boat or brand."""
    by_place = _blocks(scope) if by_place is None else by_place
    found = []
    for booking in bookings:
        for block in [
            *by_place.get((booking.tenant_id, booking.boat_id), []),
            *by_place.get((booking.tenant_id, None), []),
        ]:
            if block.start < booking.occupied_until and booking.start < block.end:
                found.append(
                    Finding(
                        kind="block",
                        start=booking.start,
                        tenant_ids=frozenset({booking.tenant_id}),
                        booking_ids=(booking.pk,),
                        overridden=booking.conflict_override_reason or block.conflict_override_reason,
                        message=(
                            f"{booking.boat.name}: {booking_label(booking)} ({_when(booking)}) during "
                            f"{block_label(block)}, {local_range(block.start, block.end, booking.tenant.zone)}"
                        ),
                    )
                )
    return found


def _holds(scope: Scope) -> list[CalendarEntry]:
    """Unclaimed active marketplace holds whose occupancy (with the boat's turnaround) ends after ``since``."""
    # The turnaround is at most a day (Boat's validator); the exact cut is made here.
    qs = unclaimed_holds().filter(end__gt=scope.since - dt.timedelta(days=1))
    if scope.until is not None:
        qs = qs.filter(start__lt=scope.until)
    if scope.tenant_ids is not None:
        qs = qs.filter(tenant_id__in=scope.tenant_ids)
    holds = qs.select_related("tenant", "boat", "feed").order_by("boat_id", "start", "pk")
    return [h for h in holds if hold_occupied_until(h) > scope.since]


def hold_findings(
    bookings: list[Booking],
    holds: list[CalendarEntry],
    by_place: dict[tuple[int, int | None], list[CalendarEntry]],
    scope: Scope,
) -> list[Finding]:
    """Unclaimed marketplace holds that overlap (with the turnaround) a confirmed booking of their boat,
    a hold of another feed on it, or a block. A booking of the hold's own source over it is shown
    too: saving that booking claims the hold."""
    found = []
    rows: list[tuple[dt.datetime, int, Booking | CalendarEntry]] = [
        *((b.start, b.pk, b) for b in bookings),
        *((h.start, h.pk, h) for h in holds),
    ]
    rows.sort(key=lambda r: (r[2].boat_id, r[0], isinstance(r[2], CalendarEntry), r[1]))

    def until(row) -> dt.datetime:
        return row.occupied_until if isinstance(row, Booking) else hold_occupied_until(row)

    def when(row) -> str:
        return local_range(row.start, row.end, row.tenant.zone)

    def named(row) -> str:
        return booking_label(row) if isinstance(row, Booking) else hold_label(row)

    active: list[Booking | CalendarEntry] = []
    for _, _, item in rows:  # sorted by boat, start
        active = [a for a in active if a.boat_id == item.boat_id and until(a) > item.start]
        for earlier in active:
            pair = (earlier, item)
            entries = [x for x in pair if isinstance(x, CalendarEntry)]
            if not entries:
                continue  # two bookings: boat_findings
            if len(entries) == 2 and entries[0].feed_id == entries[1].feed_id:
                continue  # one feed's own events: the marketplace's business
            booking = next((x for x in pair if isinstance(x, Booking)), None)
            hint = ""
            if booking is not None and booking.source == hold_source(entries[0]):
                hint = ": open the booking and save it to link it to the hold"
            found.append(
                Finding(
                    kind="hold",
                    start=item.start,
                    tenant_ids=frozenset({item.tenant_id}),
                    booking_ids=(booking.pk,) if booking is not None else (),
                    entry_ids=tuple(e.pk for e in entries),
                    overridden=booking.conflict_override_reason if booking is not None else "",
                    message=(
                        f"{item.boat.name}: {named(earlier)} ({when(earlier)}) and {named(item)} ({when(item)}){hint}"
                    ),
                )
            )
        active.append(item)
    for hold in holds:
        for block in [*by_place.get((hold.tenant_id, hold.boat_id), []), *by_place.get((hold.tenant_id, None), [])]:
            if block.start < hold_occupied_until(hold) and hold.start < block.end:
                found.append(
                    Finding(
                        kind="hold",
                        start=hold.start,
                        tenant_ids=frozenset({hold.tenant_id}),
                        entry_ids=(hold.pk,),
                        overridden=block.conflict_override_reason,
                        message=(
                            f"{hold.boat.name}: {hold_label(hold)} ({when(hold)}) during "
                            f"{block_label(block)}, {local_range(block.start, block.end, hold.tenant.zone)}"
                        ),
                    )
                )
    return found


def _assignments(scope: Scope):
    from crew.models import Assignment

    qs = (
        Assignment.objects.filter(event__booking__status=Booking.Status.CONFIRMED, event__booking__end__gt=scope.since)
        .exclude(status=Assignment.Status.DECLINED)
        .select_related("crew_member", "role", "event__booking__tenant", "event__booking__boat")
    )
    if scope.until is not None:
        qs = qs.filter(event__booking__start__lt=scope.until)
    return list(qs.order_by("crew_member_id", "event__booking__start", "pk"))


def crew_findings(assignments: list, scope: Scope) -> list[Finding]:
    """Every pair of one person's charters closer than the travel buffer (across brands)."""
    buffer = dt.timedelta(minutes=settings.CREW_TRAVEL_BUFFER_MINUTES)
    found = []
    active: list = []
    for a in assignments:  # sorted by crew member, start
        booking = a.event.booking
        active = [
            x for x in active if x.crew_member_id == a.crew_member_id and x.event.booking.end + buffer > booking.start
        ]
        for earlier in active:
            other = earlier.event.booking
            if not scope.touches(booking.tenant_id, other.tenant_id):
                continue
            found.append(
                Finding(
                    kind="crew",
                    start=booking.start,
                    tenant_ids=frozenset({booking.tenant_id, other.tenant_id}),
                    booking_ids=(other.pk, booking.pk),
                    crew_member_id=a.crew_member_id,
                    message=f"{a.crew_member.name}: {_named(other, scope)} and {_named(booking, scope)}",
                )
            )
        active.append(a)
    return found


def time_off_findings(assignments: list, scope: Scope) -> list[Finding]:
    """Assignments that fall in the crew member's time off."""
    from crew.models import TimeOff

    member_ids = {a.crew_member_id for a in assignments}
    away = defaultdict(list)
    for entry in TimeOff.objects.filter(crew_member_id__in=member_ids, end__gt=scope.since).order_by("start"):
        away[entry.crew_member_id].append(entry)
    found = []
    for a in assignments:
        booking = a.event.booking
        if not scope.touches(booking.tenant_id):
            continue
        for entry in away.get(a.crew_member_id, []):
            if entry.start < booking.end and booking.start < entry.end:
                found.append(
                    Finding(
                        kind="time_off",
                        start=booking.start,
                        tenant_ids=frozenset({booking.tenant_id}),
                        booking_ids=(booking.pk,),
                        crew_member_id=a.crew_member_id,
                        message=(
                            f"{a.crew_member.name} is away {local_range(entry.start, entry.end, booking.tenant.zone)} "
                            f"but on {_named(booking, scope)}"
                        ),
                    )
                )
    return found


def credential_findings(assignments: list, scope: Scope) -> list[Finding]:
    """Assignments whose person lacks a credential the role requires on the charter's dates."""
    from crew.models import Credential, Role

    required = {
        role.pk: list(role.required_credential_kinds.all())
        for role in Role.objects.prefetch_related("required_credential_kinds")
    }
    kinds = {k.pk for ks in required.values() for k in ks}
    if not kinds:
        return []
    held = defaultdict(list)
    member_ids = {a.crew_member_id for a in assignments}
    for credential in Credential.objects.filter(crew_member_id__in=member_ids, kind_id__in=kinds):
        held[(credential.crew_member_id, credential.kind_id)].append(credential)
    found = []
    for a in assignments:
        booking = a.event.booking
        if not scope.touches(booking.tenant_id):
            continue
        zone = booking.tenant.zone
        first, last = booking.start.astimezone(zone).date(), booking.end.astimezone(zone).date()
        for kind in required.get(a.role_id, []):
            if not any(c.valid_between(first, last) for c in held[(a.crew_member_id, kind.pk)]):
                found.append(
                    Finding(
                        kind="credential",
                        start=booking.start,
                        tenant_ids=frozenset({booking.tenant_id}),
                        booking_ids=(booking.pk,),
                        crew_member_id=a.crew_member_id,
                        message=(
                            f"{a.crew_member.name} has no valid {kind.name} for {_named(booking, scope)} "
                            f"(needed as {a.role.name.lower()})"
                        ),
                    )
                )
    return found


def find_conflicts(
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    tenant_ids: Iterable[int] | None = None,
    visible_tenant_ids: Iterable[int] | None = None,
) -> list[Finding]:
    """Every clash among charters that end after ``since`` (default: now), soonest first."""
    scope = Scope(
        since=since or timezone.now(),
        until=until,
        tenant_ids=None if tenant_ids is None else frozenset(tenant_ids),
        visible_tenant_ids=None if visible_tenant_ids is None else frozenset(visible_tenant_ids),
    )
    bookings = _bookings(scope)
    assignments = _assignments(scope)
    blocks = _blocks(scope)
    findings = [
        *boat_findings(bookings, scope),
        *block_findings(bookings, scope, blocks),
        *hold_findings(bookings, _holds(scope), blocks, scope),
        *crew_findings(assignments, scope),
        *time_off_findings(assignments, scope),
        *credential_findings(assignments, scope),
    ]
    return sorted(findings, key=lambda f: (f.start, f.kind))
