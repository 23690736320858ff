"""Reads behind the admin calendar (/admin/calendar/): one brand at a time, scoped like the admin.

The calendar shows a single brand so that every time on it is in one zone: the
brand's. Times go to the browser as wall-clock strings in that zone with no
offset ("floating" times); the page runs the calendar library in UTC so it never
applies the browser's own zone or daylight saving to them. What the browser sends
back is read in the brand's zone again (``charterops.timezones.make_aware_local``).

Every read here runs a fixed number of queries, whatever the range holds.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from bookings.admin_booking_form import booking_add_url_for_hold
from bookings.models import Boat, Booking, CalendarEntry, Tenant
from charterops.tenancy import scope_to_user
from charterops.timezones import local_range, make_aware_local
from crew.models import Assignment, ChecklistItem, CrewMember, TimeOff

# The longest range one request may ask for: a month view shows six weeks.
MAX_RANGE_DAYS = 100

WALL_CLOCK = "%Y-%m-%dT%H:%M:%S"


class CalendarQueryError(Exception):
    """A query the calendar cannot answer; ``status`` is 400 (malformed) or 404 (nothing the user may see)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class CalendarFilters:
    tenant: Tenant
    boat: Boat | None = None
    crew_member: CrewMember | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return self.tenant.zone


def calendar_brands(*, user) -> list[Tenant]:
    """The brands ``user`` may see, by name (superusers: every brand)."""
    return list(scope_to_user(Tenant.objects.order_by("name", "pk"), user, "id"))


def _int_param(params, name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise CalendarQueryError(f"“{name}” must be a whole number (an id).")
    return int(raw)


def calendar_filters(*, user, params, brands: list[Tenant] | None = None) -> CalendarFilters:
    """Brand, boat and crew member from the query string, each one the user may see.

    No brand given: the user's first brand. A boat must be the brand's; a crew member
    must work for it.
    """
    tenant_id = _int_param(params, "tenant")
    boat_id = _int_param(params, "boat")
    member_id = _int_param(params, "crew_member")
    brands = calendar_brands(user=user) if brands is None else brands
    if tenant_id is None:
        if not brands:
            raise CalendarQueryError("You do not manage any brand yet.", status=404)
        tenant = brands[0]
    else:
        tenant = next((t for t in brands if t.pk == tenant_id), None)
        if tenant is None:
            raise CalendarQueryError("No such brand.", status=404)
    boat = None
    if boat_id is not None:
        boat = Boat.objects.filter(pk=boat_id, tenant_id=tenant.pk).first()
        if boat is None:
            raise CalendarQueryError("No such boat in this brand.", status=404)
    member = None
    if member_id is not None:
        member = CrewMember.objects.filter(pk=member_id, tenants=tenant.pk).first()
        if member is None:
            raise CalendarQueryError("No such crew member in this brand.", status=404)
    return CalendarFilters(tenant=tenant, boat=boat, crew_member=member)


def parse_wall_clock(value: Any, zone: zoneinfo.ZoneInfo, *, name: str) -> dt.datetime:
    """An ISO date or date-time from the page: without an offset it is read as wall-clock time in ``zone``.

    Raises ``ValidationError`` for anything else, and for a wall-clock time that
    daylight saving skips or repeats in ``zone``.
    """
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise ValidationError(f"“{name}” must be an ISO date or date-time, e.g. 2026-12-05T10:00:00.")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"“{name}” must be an ISO date or date-time, e.g. 2026-12-05T10:00:00.") from None
    if not _sane_year(parsed):
        raise ValidationError(f"“{name}” must be a date between {MIN_YEAR} and {MAX_YEAR}.")
    if parsed.tzinfo is not None:
        return parsed
    return make_aware_local(parsed, zone)


# Far enough either way for any charter; a year 9999 would overflow converting to UTC (a 500).
MIN_YEAR, MAX_YEAR = 1900, 2199


def _sane_year(value: dt.datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


def _range_bound(value: str | None, zone: zoneinfo.ZoneInfo, *, name: str) -> dt.datetime:
    if not value:
        raise CalendarQueryError(f"“{name}” is required (an ISO date such as 2026-12-01).")
    try:
        parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise CalendarQueryError(f"“{name}” must be an ISO date such as 2026-12-01.")
    if not _sane_year(parsed):
        raise CalendarQueryError(f"“{name}” must be a date between {MIN_YEAR} and {MAX_YEAR}.")
    if parsed.tzinfo is None:
        # A range edge, not a time anyone typed: a midnight that daylight saving skips
        # (some zones switch at 00:00) is simply the first instant of that day.
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def calendar_range(*, params, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """``start`` and ``end`` (exclusive) from the query string, read in the brand's zone."""
    start = _range_bound(params.get("start"), zone, name="start")
    end = _range_bound(params.get("end"), zone, name="end")
    if end <= start:
        raise CalendarQueryError("“end” must come after “start”.")
    if end - start > dt.timedelta(days=MAX_RANGE_DAYS):
        raise CalendarQueryError(f"Ask for at most {MAX_RANGE_DAYS} days at a time.")
    return start, end


def calendar_boats(*, filters: CalendarFilters) -> list[Boat]:
    """The lanes: the brand's boats, or the one boat picked."""
    if filters.boat is not None:
        return [filters.boat]
    return list(Boat.objects.filter(tenant_id=filters.tenant.pk).order_by("name", "pk"))


def calendar_crew_members(*, tenant: Tenant) -> list[CrewMember]:
    return list(CrewMember.objects.filter(tenants=tenant.pk, active=True).order_by("name", "pk"))


class _Count(Subquery):
    """``(SELECT COUNT(*) FROM (subquery))``: one correlated count per row, no joins multiplying rows."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def bookings_in_range(*, lane_ids: list[int], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """The charters on ``lane_ids`` (the brand's boats) overlapping [start, end), with crew and checklist
    counts, in one query.

    Read through the boats' ``(boat, occupied_until)`` index: a booking that ends after
    ``start`` is occupied until after it too, so the query walks each boat's bookings from
    the range on and never the brand's history (through ``(tenant, start)`` SQLite read every
    earlier charter: bench/calendar.py). The rows are dicts of what the calendar shows
    (building 2,000 full bookings cost more than the query), with ``tenant_id`` for the
    caller to check.
    """
    # order_by(): the models' default orderings would join roles and names into every count.
    assignments = Assignment.objects.filter(event__booking_id=OuterRef("pk")).order_by()
    items = ChecklistItem.objects.filter(event__booking_id=OuterRef("pk")).order_by()
    return (
        Booking.objects.filter(boat_id__in=lane_ids, occupied_until__gt=start, end__gt=start, start__lt=end)
        .annotate(
            crew_accepted=_Count(assignments.filter(status=Assignment.Status.ACCEPTED).values("pk")),
            crew_invited=_Count(assignments.exclude(status=Assignment.Status.DECLINED).values("pk")),
            checklist_done=_Count(items.filter(done=True).values("pk")),
            checklist_total=_Count(items.values("pk")),
        )
        .values(
            "pk",
            "tenant_id",
            "boat_id",
            "boat__name",
            "status",
            "guest_name",
            "party_size",
            "start",
            "end",
            "conflict_override_reason",
            "crew_accepted",
            "crew_invited",
            "checklist_done",
            "checklist_total",
        )
        .order_by("start", "pk")
    )


def blocks_in_range(*, filters: CalendarFilters, start: dt.datetime, end: dt.datetime) -> list[CalendarEntry]:
    """Active maintenance (on a boat), blackouts (of a boat or the whole brand) and marketplace holds
    no booking claims yet (the claiming booking shows instead) overlapping [start, end).

    Ordered by ``end`` in SQL so the database walks ``entry_tenant_end`` from ``start`` on
    (as ``bookings.availability.blocks_over`` does; by ``start`` SQLite reads every earlier
    entry of the brand, one per charter ever booked), then by start here.
    """
    lanes = (
        Q(kind=CalendarEntry.Kind.BLACKOUT)
        | Q(kind=CalendarEntry.Kind.MAINTENANCE, boat__isnull=False)
        | Q(kind=CalendarEntry.Kind.MARKETPLACE, boat__isnull=False, claimed_by__isnull=True)
    )
    qs = (
        CalendarEntry.objects.select_related("feed")
        .filter(
            lanes,
            tenant_id=filters.tenant.pk,
            booking__isnull=True,
            status=CalendarEntry.Status.ACTIVE,
            end__gt=start,
            start__lt=end,
        )
        .order_by("end", "pk")
    )
    if filters.boat is not None:
        qs = qs.filter(Q(boat_id=filters.boat.pk) | Q(boat__isnull=True))
    return sorted(qs, key=lambda e: (e.start, e.pk))


def _wall(value: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return value.astimezone(zone).strftime(WALL_CLOCK)


def calendar_events(
    *, filters: CalendarFilters, start: dt.datetime, end: dt.datetime, can_move: bool
) -> list[dict[str, Any]]:
    """The events for the calendar library: charters, blocks and the picked crew member's time off.

    Four queries at most (boats, charters, blocks, time off) whatever the range holds.
    """
    zone = filters.zone
    lane_ids = [b.pk for b in calendar_boats(filters=filters)]
    # reverse() once: it is slow enough to show at thousands of charters.
    change_url = reverse("admin:bookings_booking_change", args=[0]).replace("/0/", "/{}/")
    entry_url = reverse("admin:bookings_calendarentry_change", args=[0]).replace("/0/", "/{}/")
    events: list[dict[str, Any]] = []
    status_labels = dict(Booking.Status.choices)
    for row in bookings_in_range(lane_ids=lane_ids, start=start, end=end):
        if row["tenant_id"] != filters.tenant.pk:
            continue  # a boat that changed brands keeps its old charters in the old brand
        pk, status, boat_name = row["pk"], row["status"], row["boat__name"]
        events.append(
            {
                "id": f"booking-{pk}",
                "resourceIds": [row["boat_id"]],
                "start": _wall(row["start"], zone),
                "end": _wall(row["end"], zone),
                "title": f"{boat_name} · {row['guest_name']} ({row['party_size']})",
                # startEditable, not editable: the library ranks it above the calendar-wide option.
                "startEditable": can_move and status == Booking.Status.CONFIRMED,
                "classNames": ["co-event", "co-charter", f"co-{status.replace('_', '-')}"],
                "extendedProps": {
                    "kind": "charter",
                    "booking": pk,
                    "boatId": row["boat_id"],
                    "status": status,
                    "statusLabel": status_labels.get(status, status),
                    "boat": boat_name,
                    "guest": row["guest_name"],
                    "party": row["party_size"],
                    "crewAccepted": row["crew_accepted"],
                    "crewInvited": row["crew_invited"],
                    "checklistDone": row["checklist_done"],
                    "checklistTotal": row["checklist_total"],
                    "override": bool(row["conflict_override_reason"]),
                    "when": local_range(row["start"], row["end"], zone),
                    "url": change_url.format(pk),
                },
            }
        )
    for entry in blocks_in_range(filters=filters, start=start, end=end):
        kind = entry.kind
        if kind == CalendarEntry.Kind.MARKETPLACE:
            events.append(_hold_event(entry, zone=zone))
            continue
        events.append(
            {
                "id": f"block-{entry.pk}",
                # A blackout of the whole brand sits on every boat's lane.
                "resourceIds": [entry.boat_id] if entry.boat_id else lane_ids,
                "start": _wall(entry.start, zone),
                "end": _wall(entry.end, zone),
                "title": f"{entry.get_kind_display()}: {entry.title}",
                "startEditable": False,
                "classNames": ["co-event", "co-block", f"co-{kind}"],
                "extendedProps": {
                    "kind": kind,
                    "kindLabel": entry.get_kind_display(),
                    "label": entry.title,
                    "wholeBrand": entry.boat_id is None,
                    "when": local_range(entry.start, entry.end, zone),
                    "url": entry_url.format(entry.pk),
                },
            }
        )
    if filters.crew_member is not None:
        events.extend(_time_off_events(filters.crew_member, start=start, end=end, zone=zone, lane_ids=lane_ids))
    return events


def _hold_event(hold: CalendarEntry, *, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """A marketplace event no booking stands for yet: on its boat's lane, styled as a hold. The
    marketplace sends no guest, so there is none to show; a click opens the booking form prefilled."""
    source = hold.feed.get_source_display() if hold.feed_id else "Marketplace"
    return {
        "id": f"hold-{hold.pk}",
        "resourceIds": [hold.boat_id],
        "start": _wall(hold.start, zone),
        "end": _wall(hold.end, zone),
        "title": f"{source} hold",
        "startEditable": False,
        "classNames": ["co-event", "co-block", "co-hold"],
        "extendedProps": {
            "kind": "hold",
            "kindLabel": f"{source} hold",
            "label": hold.external_reference or "enter details",
            "source": hold.feed.source if hold.feed_id else "",
            "reference": hold.external_reference,
            "wholeBrand": False,
            "when": local_range(hold.start, hold.end, zone),
            "url": booking_add_url_for_hold(hold, zone=zone),
        },
    }


def _time_off_events(
    member: CrewMember, *, start: dt.datetime, end: dt.datetime, zone: zoneinfo.ZoneInfo, lane_ids: list[int]
) -> list[dict[str, Any]]:
    """Time off is a person's, not a boat's: a labelled all-day bar on the days it touches, and a
    shaded band over every lane for its exact hours. The private note is left out."""
    out: list[dict[str, Any]] = []
    for away in TimeOff.objects.filter(crew_member_id=member.pk, start__lt=end, end__gt=start).order_by("start", "pk"):
        local_start, local_end = away.start.astimezone(zone), away.end.astimezone(zone)
        last_day = (local_end - dt.timedelta(microseconds=1)).date()
        when = local_range(away.start, away.end, zone)
        common = {"startEditable": False, "resourceIds": lane_ids}
        props = {"kind": "time_off", "person": member.name, "when": when}
        out.append(
            {
                **common,
                "id": f"timeoff-{away.pk}",
                "allDay": True,
                "start": local_start.date().isoformat(),
                "end": (last_day + dt.timedelta(days=1)).isoformat(),
                "title": f"{member.name} away ({when})",
                "classNames": ["co-event", "co-time-off"],
                "extendedProps": props,
            }
        )
        out.append(
            {
                **common,
                "id": f"timeoff-{away.pk}-hours",
                "display": "background",
                "start": local_start.strftime(WALL_CLOCK),
                "end": local_end.strftime(WALL_CLOCK),
                "classNames": ["co-time-off-hours"],
                "extendedProps": props,
            }
        )
    return out
