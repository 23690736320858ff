"""When a boat is taken, and the error that says by what.

A confirmed booking occupies its boat from its start to its end plus the boat's
turnaround (``Booking.occupied_until``). Maintenance or a blackout on a boat
blocks it; a blackout without a boat blocks every boat of its brand. Cancelled
and weather-owed bookings, cancelled entries and a booking's own charter entry
block nothing.

A marketplace hold (an event of the boat's marketplace feed that no booking claims
yet) occupies its boat like a booking: from its start to its end plus the boat's
turnaround, since what the marketplace lists is a charter that will need cleaning
after it too. A booking of the hold's own source over it claims it instead
(``bookings.services.booking_save``); a claimed hold blocks nothing by itself.

Writers lock the boat rows first (:func:`boats_lock`), so two saves for one boat
take turns on PostgreSQL; on SQLite every transaction takes the database's write
lock at BEGIN (``transaction_mode=IMMEDIATE``), which serializes them the same
way. PostgreSQL's exclusion constraint ``booking_no_overlap_per_boat`` is the
last word for writers that bypass the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q

from bookings.models import Boat, Booking, CalendarEntry, occupancy_end
from charterops.timezones import local_range

# Clashes named in one message; the rest are counted.
MAX_NAMED = 5
# Blocks and holds read for one booking's window at most (a window holds a handful).
MAX_SCANNED = 50


@dataclass(frozen=True)
class Clash:
    """One thing in the way. ``message`` is plain text in the brand's local time."""

    kind: str  # booking | block | hold | crew | time_off | credential
    message: str
    booking_id: int | None = None
    entry_id: int | None = None

    def as_json(self) -> dict:
        data = {"kind": self.kind, "message": self.message}
        if self.booking_id is not None:
            data["booking"] = self.booking_id
        if self.entry_id is not None:
            data["calendar_entry"] = self.entry_id
        return data


class ConflictError(ValidationError):
    """A write refused because a boat or a crew member is taken; ``clashes`` says by what.

    It is a ValidationError, so forms, commands and the API that already report
    validation messages report it too; the API answers it with 409.
    """

    def __init__(self, clashes: list[Clash], field: str = NON_FIELD_ERRORS):
        self.clashes = list(clashes)
        self.field = field
        super().__init__({field: [ValidationError(c.message, code="conflict") for c in self.clashes]})


def booking_label(booking: Booking) -> str:
    """``Jordan Guest · Boatsetter BS-1001`` (or ``booking #12``): how staff recognise a booking."""
    reference = (
        f"{booking.get_source_display()} {booking.external_reference}"
        if booking.external_reference
        else f"booking #{booking.pk}"
    )
    return f"{booking.guest_name} · {reference}"


def block_label(entry: CalendarEntry) -> str:
    where = entry.boat.name if entry.boat_id else "every boat"
    return f"{entry.get_kind_display().lower()} “{entry.title}” ({where})"


def hold_label(entry: CalendarEntry) -> str:
    """``Boatsetter hold on Queen of San Diego`` (with the marketplace's reference when it has one)."""
    source = entry.feed.get_source_display() if entry.feed_id else "Marketplace"
    boat = entry.boat.name if entry.boat_id else "every boat"
    reference = f" ({entry.external_reference})" if entry.external_reference else ""
    return f"{source} hold on {boat}{reference}"


def hold_source(entry: CalendarEntry) -> str:
    return entry.feed.source if entry.feed_id else ""


def hold_occupied_until(entry: CalendarEntry) -> dt.datetime:
    """A hold occupies its boat until its end plus the boat's turnaround, like a booking."""
    return occupancy_end(entry.end, entry.boat.turnaround_minutes if entry.boat_id else 0)


def unclaimed_holds():
    """Active marketplace holds no booking claims: they block their boat."""
    return CalendarEntry.objects.filter(
        kind=CalendarEntry.Kind.MARKETPLACE,
        status=CalendarEntry.Status.ACTIVE,
        booking__isnull=True,
        claimed_by__isnull=True,
        boat__isnull=False,
    )


def claim_choice(holds: Iterable[CalendarEntry], booking: Booking) -> CalendarEntry | None:
    """Which of ``holds`` a booking of their source claims: the one with the booking's reference,
    else the one it overlaps most (then the earliest). Only holds whose own times overlap the
    booking's count; one that only meets its turnaround is another charter."""

    def overlap(entry: CalendarEntry) -> dt.timedelta:
        return min(entry.end, booking.end) - max(entry.start, booking.start)

    candidates = [
        h
        for h in holds
        if h.claimed_by_id is None
        and h.status == CalendarEntry.Status.ACTIVE
        and h.boat_id == booking.boat_id
        and hold_source(h) == booking.source
        and overlap(h) > dt.timedelta(0)
    ]
    if not candidates:
        return None
    reference = booking.external_reference

    def rank(entry: CalendarEntry):
        return (not (reference and entry.external_reference == reference), -overlap(entry), entry.start, entry.pk or 0)

    return min(candidates, key=rank)


def boats_lock(boat_ids: Iterable[int | None]) -> None:
    """Lock the boats' rows until the transaction ends (in id order, so two writers never deadlock)."""
    ids = sorted({i for i in boat_ids if i is not None})
    if ids:
        list(Boat.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def blocks_over(
    *,
    tenant_id: int,
    boat_id: int,
    start: dt.datetime,
    end: dt.datetime,
    turnaround: dt.timedelta = dt.timedelta(0),
):
    """Active maintenance or blackout entries that block ``boat_id`` somewhere in [start, end), and
    its unclaimed marketplace holds whose occupancy (end plus ``turnaround``, the boat's) reaches
    into it; earliest end first.

    Ordered by ``end`` so the database walks ``entry_tenant_end`` from ``start`` (less the
    turnaround) on; ordered by ``start``, SQLite picks the (tenant, start) index and reads every
    earlier entry of the brand, each booking's own charter entry included (10x slower at 100,000
    bookings: bench/availability.py).
    """
    return (
        CalendarEntry.objects.filter(
            tenant_id=tenant_id,
            status=CalendarEntry.Status.ACTIVE,
            booking__isnull=True,
            end__gt=start - turnaround,
            start__lt=end,
        )
        .filter(
            Q(end__gt=start)
            & (
                Q(kind=CalendarEntry.Kind.BLACKOUT, boat__isnull=True)
                | Q(kind__in=CalendarEntry.BLOCKING_KINDS, boat_id=boat_id)
            )
            | Q(kind=CalendarEntry.Kind.MARKETPLACE, boat_id=boat_id, claimed_by__isnull=True)
        )
        .select_related("boat", "feed")
        .order_by("end", "pk")
    )


def booking_clashes(booking: Booking) -> list[Clash]:
    """What stops ``booking`` (unsaved edits included) from taking its boat: other bookings, blocks
    and marketplace holds (except the hold of its own source it is about to claim).

    Two queries, each served by an index ((boat, occupied_until) and (tenant, end)),
    whatever the boat has held before.
    """
    if not booking.occupies_boat or booking.boat_id is None or booking.start is None or booking.end is None:
        return []
    boat = booking.boat
    zone = booking.tenant.zone
    start = booking.start
    until = occupancy_end(booking.end, boat.turnaround_minutes)
    others = list(
        Booking.objects.filter(
            boat_id=boat.pk,
            status=Booking.Status.CONFIRMED,
            occupied_until__gt=start,
            start__lt=until,
        )
        .exclude(pk=booking.pk)
        .select_related("boat")
        .order_by("start", "pk")[: MAX_NAMED + 1]
    )
    clashes = [
        Clash(
            kind="booking",
            booking_id=other.pk,
            message=(
                f"{boat.name} is already booked then: {booking_label(other)}, "
                f"{local_range(other.start, other.end, zone)}"
                + (f" (+{boat.turnaround_minutes} min turnaround)." if boat.turnaround_minutes else ".")
            ),
        )
        for other in others
    ]
    # Holds are few on one boat's few hours: read them all, so the one to claim is never cut off.
    window = blocks_over(
        tenant_id=booking.tenant_id, boat_id=boat.pk, start=start, end=until, turnaround=boat.turnaround
    )
    entries = list(window[:MAX_SCANNED])
    claimed = claim_choice((e for e in entries if e.kind == CalendarEntry.Kind.MARKETPLACE), booking)
    entries = [e for e in entries if e is not claimed][: MAX_NAMED + 1]
    for entry in sorted(entries, key=lambda e: (e.start, e.pk)):  # named in start order
        when = local_range(entry.start, entry.end, zone)
        if entry.kind == CalendarEntry.Kind.MARKETPLACE:
            turnaround = f" (+{boat.turnaround_minutes} min turnaround)" if boat.turnaround_minutes else ""
            clashes.append(Clash(kind="hold", entry_id=entry.pk, message=f"{hold_label(entry)}, {when}{turnaround}."))
            continue
        clashes.append(
            Clash(
                kind="block",
                entry_id=entry.pk,
                message=f"{boat.name} is blocked then: {block_label(entry)}, {when}.",
            )
        )
    return clashes


def block_boat_ids(entry: CalendarEntry) -> list[int]:
    """The boats ``entry`` blocks (none if it blocks nothing)."""
    if not entry.is_block:
        return []
    if entry.boat_id:
        return [entry.boat_id]
    return list(Boat.objects.filter(tenant_id=entry.tenant_id).order_by("pk").values_list("pk", flat=True))


def block_clashes(entry: CalendarEntry) -> list[Clash]:
    """Confirmed bookings and unclaimed marketplace holds that a block (unsaved edits included) would land on."""
    if not entry.is_block or entry.start is None or entry.end is None:
        return []
    bookings = Booking.objects.filter(
        tenant_id=entry.tenant_id,
        status=Booking.Status.CONFIRMED,
        occupied_until__gt=entry.start,
        start__lt=entry.end,
    )
    # A hold occupies its boat for the turnaround after it too (at most a day: Boat's validator).
    holds = unclaimed_holds().filter(
        tenant_id=entry.tenant_id, end__gt=entry.start - dt.timedelta(days=1), start__lt=entry.end
    )
    if entry.boat_id:
        bookings = bookings.filter(boat_id=entry.boat_id)
        holds = holds.filter(boat_id=entry.boat_id)
    zone = entry.tenant.zone
    clashes = [
        Clash(
            kind="booking",
            booking_id=b.pk,
            message=f"{b.boat.name} is booked then: {booking_label(b)}, {local_range(b.start, b.end, zone)}.",
        )
        for b in bookings.select_related("boat").order_by("start", "pk")[: MAX_NAMED + 1]
    ]
    for hold in holds.select_related("boat", "feed").order_by("end", "pk")[:MAX_SCANNED]:
        if hold_occupied_until(hold) > entry.start and len(clashes) <= MAX_NAMED:
            clashes.append(
                Clash(
                    kind="hold",
                    entry_id=hold.pk,
                    message=f"{hold_label(hold)}, {local_range(hold.start, hold.end, zone)}.",
                )
            )
    return clashes


def can_override(actor) -> bool:
    """Only staff with ``bookings.override_conflict`` may save over a clash (never a service or command)."""
    return bool(getattr(actor, "pk", None)) and actor.has_perm("bookings.override_conflict")


def override_refused() -> ValidationError:
    return ValidationError(
        {"conflict_override_reason": "Only staff allowed to override clashes can save over one."},
        code="override_not_allowed",
    )
