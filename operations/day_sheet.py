"""The day sheet: every charter of one brand's local day, as plain data a template prints.

One builder makes both versions:

* the **staff sheet** (``staff_day_sheet``): a brand's day, optionally one boat, with the
  money line of each charter, the day's totals, staff-only notes and the check-in log;
* the **captain's copy** (``captain_sheet``): one charter, without money, staff-only notes,
  check-in or anyone's pay.

Templates get these dataclasses, never a booking or an assignment, so a template edit
cannot print the gross or a crew member's rate on the captain's copy: it is not there.
Every read is a fixed set of queries (bookings, their crew, their checklists, the day's
blocks), whatever the day holds.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from bookings import finance
from bookings.admin_booking_form import booking_add_url_for_hold
from bookings.models import Boat, Booking, CalendarEntry, Tenant
from crew.models import Assignment, ChecklistItem, CrewMember
from crew.selectors import details_window, map_url
from guestpages.models import Passenger as PassengerRow
from guestpages.models import PassengerList, Waiver
from operations.day_sheet_data import (  # noqa: F401 - the sheet's parts, imported from here by views and tests
    ZERO,
    Block,
    Charter,
    CheckIn,
    ChecklistLine,
    CrewLine,
    DaySheet,
    DayTotals,
    Hold,
    Money,
    Passenger,
)

# --- Building it ---------------------------------------------------------------------------------


def day_bounds(day: dt.date, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight to the next local midnight (23 or 25 hours on a daylight-saving day)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _bookings(qs: QuerySet[Booking], *, for_staff: bool) -> QuerySet[Booking]:
    """Bookings with their boat, crew (person and role) and checklist: four queries in all."""
    crew = Assignment.objects.select_related("crew_member", "role")
    bookings = qs.select_related("boat", "crew_event", "passenger_list")
    if not for_staff:
        # The captain's copy: rates and money never leave the database.
        crew = crew.only(
            "id",
            "event",
            "status",
            "crew_member",
            "crew_member__name",
            "crew_member__phone",
            "role",
            "role__name",
            "role__slug",
        )
        bookings = bookings.defer(
            "gross_amount", "platform_fee", "port_tax_rate", "internal_notes", "conflict_override_reason"
        )
    checklist = ChecklistItem.objects.select_related("done_by").only(
        "id", "event", "position", "text", "done", "done_at", "done_by", "done_by__name"
    )
    return bookings.prefetch_related(
        Prefetch("crew_event__assignments", queryset=crew),
        Prefetch("crew_event__checklist_items", queryset=checklist.order_by("position", "id")),
        Prefetch("passenger_list__passengers", queryset=PassengerRow.objects.select_related("waiver")),
    ).order_by("start", "boat__name", "pk")


def _crew_line(a: Assignment, *, for_staff: bool) -> CrewLine:
    paid = a.status != Assignment.Status.DECLINED
    return CrewLine(
        name=a.crew_member.name,
        role=a.role.name,
        is_captain=a.role.is_captain,
        phone=a.crew_member.phone,
        status=a.status,
        status_label=a.get_status_display(),
        paid_hours=a.paid_hours if for_staff else None,
        pay=finance.line_pay(a.hourly_rate, a.paid_hours) if for_staff and paid else None,
    )


def _check_in(booking: Booking) -> CheckIn:
    # The check-in fields arrive with the check-in work; read them so this works before and after.
    return CheckIn(
        guests_boarded=getattr(booking, "guests_boarded", None),
        no_show=bool(getattr(booking, "no_show", False)),
        departed_at=getattr(booking, "departed_at", None),
        returned_at=getattr(booking, "returned_at", None),
        incident_note=getattr(booking, "incident_note", None) or "",
    )


def _money(booking: Booking) -> Money:
    b = finance.booking_breakdown(booking)  # reads the prefetched assignments
    return Money(
        gross=b.gross,
        platform_fee=b.platform_fee,
        crew_pay=b.crew_pay,
        captain_fee=b.captain_fee,
        platform_pays_captain=b.platform_pays_captain,
        port_tax_rate=booking.port_tax_rate,
        port_tax=b.port_tax,
        net_to_owner=b.net_to_owner,
    )


def _waiver_state(row: PassengerRow, *, has_waiver: bool) -> str:
    if not row.is_adult:
        return "not an adult"
    if row.waiver_id:
        return f"waiver accepted v{row.waiver.version}"
    return "waiver not accepted" if has_waiver else "no waiver (the brand has none)"


def _passengers(booking: Booking, *, has_waiver: bool) -> tuple[tuple[Passenger, ...] | None, str]:
    """The names the guest gave on the guest page (``None``: none given yet) and the emergency contact."""
    plist: PassengerList | None = getattr(booking, "passenger_list", None)
    if plist is None:
        return None, ""
    rows = sorted(plist.passengers.all(), key=lambda p: p.position)
    names = tuple(Passenger(name=p.full_name, waiver=_waiver_state(p, has_waiver=has_waiver)) for p in rows)
    return names, f"{plist.emergency_name} · {plist.emergency_phone}"


def _charter(booking: Booking, *, for_staff: bool, has_waiver: bool = False) -> Charter:
    event = getattr(booking, "crew_event", None)
    assignments = list(event.assignments.all()) if event else []
    assignments.sort(key=lambda a: (not a.role.is_captain, a.role.name, a.crew_member.name, a.pk))
    meeting_point = booking.effective_meeting_point
    passengers, emergency_contact = _passengers(booking, has_waiver=has_waiver)
    return Charter(
        booking_id=booking.pk,
        event_id=event.pk if event else None,
        status=booking.status,
        status_label=booking.get_status_display(),
        boat=booking.boat.name,
        start=booking.start,
        end=booking.end,
        source=booking.get_source_display(),
        reference=booking.external_reference,
        meeting_point=meeting_point,
        map_url=map_url(meeting_point),
        gate_code=event.gate_code if event else "",
        guest_name=booking.guest_name,
        guest_phone=booking.guest_phone,
        party_size=booking.party_size,
        crew=tuple(_crew_line(a, for_staff=for_staff) for a in assignments),
        checklist=tuple(
            ChecklistLine(
                text=item.text,
                done=item.done,
                done_by=item.done_by.name if item.done_by else "",
                done_at=item.done_at,
            )
            for item in (event.checklist_items.all() if event else [])
        ),
        weather_briefing=event.weather_briefing if event else "",
        logistics=event.logistics if event else "",
        crew_notes=booking.crew_notes,
        passengers=passengers,
        emergency_contact=emergency_contact,
        staff_notes=booking.internal_notes if for_staff else "",
        money=_money(booking) if for_staff else None,
        check_in=_check_in(booking) if for_staff else None,
    )


def _totals(charters: list[Charter]) -> DayTotals:
    sailing = [c for c in charters if c.sails]
    money = [c.money for c in sailing if c.money is not None]
    return DayTotals(
        charters=len(sailing),
        guests=sum(c.party_size for c in sailing),
        gross=sum((m.gross for m in money), ZERO),
        platform_fee=sum((m.platform_fee for m in money), ZERO),
        crew_pay=sum((m.crew_pay for m in money), ZERO),
        captain_fee=sum((m.captain_cost_to_owner for m in money), ZERO),
        port_tax=sum((m.port_tax for m in money), ZERO),
        net_to_owner=sum((m.net_to_owner for m in money), ZERO),
        platform_paid_captain_fees=sum((m.captain_fee for m in money if m.platform_pays_captain), ZERO),
    )


def _blocks(
    *, tenant: Tenant, boat: Boat | None, start: dt.datetime, end: dt.datetime
) -> tuple[list[Block], list[Hold]]:
    """The day's blocks, and its marketplace holds no booking claims yet (one query)."""
    entries = (
        CalendarEntry.objects.filter(
            tenant=tenant,
            status=CalendarEntry.Status.ACTIVE,
            booking__isnull=True,
            start__lt=end,
            end__gt=start,
        )
        .filter(
            Q(kind__in=CalendarEntry.BLOCKING_KINDS)
            | Q(kind=CalendarEntry.Kind.MARKETPLACE, boat__isnull=False, claimed_by__isnull=True)
        )
        .select_related("boat", "feed")
    )
    if boat is not None:
        entries = entries.filter(Q(boat=boat) | Q(boat__isnull=True))
    blocks, holds = [], []
    for e in entries.order_by("start", "pk"):
        if e.kind == CalendarEntry.Kind.MARKETPLACE:
            holds.append(
                Hold(
                    source=e.feed.get_source_display() if e.feed_id else "Marketplace",
                    boat=e.boat.name,
                    start=e.start,
                    end=e.end,
                    reference=e.external_reference,
                    enter_url=booking_add_url_for_hold(e, zone=tenant.zone),
                )
            )
        elif e.is_block:
            blocks.append(
                Block(
                    kind=e.kind,
                    kind_label=e.get_kind_display(),
                    title=e.title,
                    boat=e.boat.name if e.boat_id else "",
                    start=e.start,
                    end=e.end,
                )
            )
    return blocks, holds


def staff_day_sheet(*, tenant: Tenant, day: dt.date, boat: Boat | None = None) -> DaySheet:
    """Every charter of ``tenant`` starting on local ``day`` (cancelled and weather-owed ones
    included, marked, and left out of the totals), and the day's blocks.

    The caller has checked that the user may see ``tenant`` and that ``boat`` is one of its boats.
    """
    start, end = day_bounds(day, tenant.zone)
    qs = Booking.objects.filter(tenant=tenant, start__gte=start, start__lt=end)
    if boat is not None:
        qs = qs.filter(boat=boat)
    has_waiver = Waiver.objects.filter(tenant=tenant).exists()
    charters = [_charter(b, for_staff=True, has_waiver=has_waiver) for b in _bookings(qs, for_staff=True)]
    blocks, holds = _blocks(tenant=tenant, boat=boat, start=start, end=end)
    return DaySheet(
        tenant_id=tenant.pk,
        tenant_name=tenant.name,
        zone=tenant.timezone,
        day=day,
        for_staff=True,
        charters=tuple(charters),
        blocks=tuple(blocks),
        holds=tuple(holds),
        boat_id=boat.pk if boat else None,
        boat_name=boat.name if boat else "",
        totals=_totals(charters),
        not_sailing=sum(1 for c in charters if not c.sails),
    )


# --- The captain's copy --------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptainAccess:
    """Whether the captain's sheet of one charter shows now, and if not, when it does."""

    event_id: int
    tenant_name: str
    zone: str
    boat: str
    start: dt.datetime
    end: dt.datetime
    opens: dt.datetime
    closes: dt.datetime
    cancelled: bool
    state: str  # "open" | "not_yet" | "ended" | "cancelled"

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def captain_access(*, member: CrewMember, event_id: int, now: dt.datetime) -> CaptainAccess | None:
    """The captain's sheet of ``event_id`` for ``member``: ``None`` unless they hold a captain
    assignment on it that they have not declined (other crew, other brands, made-up ids)."""
    assignment = (
        Assignment.objects.select_related("role", "event__booking__tenant", "event__booking__boat")
        .filter(crew_member=member, crew_member__active=True, event_id=event_id)
        .exclude(status=Assignment.Status.DECLINED)
        .first()
    )
    if assignment is None or not assignment.role.is_captain:
        return None
    booking = assignment.event.booking
    opens, closes = details_window(start=booking.start, end=booking.end)
    if booking.status != Booking.Status.CONFIRMED:
        state = "cancelled"
    elif now < opens:
        state = "not_yet"
    elif now > closes:
        state = "ended"
    else:
        state = "open"
    return CaptainAccess(
        event_id=event_id,
        tenant_name=booking.tenant.name,
        zone=booking.tenant.timezone,
        boat=booking.boat.name,
        start=booking.start,
        end=booking.end,
        opens=opens,
        closes=closes,
        cancelled=booking.status != Booking.Status.CONFIRMED,
        state=state,
    )


def captain_sheet(*, access: CaptainAccess) -> DaySheet:
    """The one charter of an open :class:`CaptainAccess`, without money or staff-only notes."""
    if not access.is_open:
        raise ValueError("The captain's sheet is not open now.")
    qs = Booking.objects.filter(crew_event__pk=access.event_id)
    bookings = list(_bookings(qs, for_staff=False))
    zone = zoneinfo.ZoneInfo(access.zone)
    return DaySheet(
        tenant_id=bookings[0].tenant_id,
        tenant_name=access.tenant_name,
        zone=access.zone,
        day=access.start.astimezone(zone).date(),
        for_staff=False,
        charters=tuple(
            _charter(b, for_staff=False, has_waiver=Waiver.objects.filter(tenant_id=b.tenant_id).exists())
            for b in bookings
        ),
    )
