"""Reads behind the crew pages and the calendar feed.

Crew pages are built from :class:`CrewCard`, which holds only what a crew member
may see. Templates never get a booking, so a template edit cannot print the
gross, the fees, staff-only notes or another crew member's rate.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from urllib.parse import quote_plus

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from bookings.finance import line_pay
from bookings.models import Booking
from bookings.trip import SLACK_AFTER_END, SLACK_BEFORE_START, trip_log_open, trip_log_window
from crew.checkin import ListedPassenger, checkin_passengers
from crew.links import link_expires_at
from crew.models import Assignment, ChecklistItem, CrewMember

CREW_EARLIER_PER_PAGE = 25


@dataclass(frozen=True)
class Shipmate:
    name: str
    role: str
    is_me: bool


@dataclass(frozen=True)
class TripLog:
    """The charter's trip log as crew see it (the captain records it; the others read it)."""

    guests_boarded: int | None
    no_show: bool
    departed_at: datetime | None
    returned_at: datetime | None
    incident_note: str
    checked_in_names: list[str]

    @property
    def recorded(self) -> bool:
        return bool(
            self.guests_boarded is not None
            or self.no_show
            or self.departed_at
            or self.returned_at
            or self.incident_note
            or self.checked_in_names
        )


@dataclass(frozen=True)
class CrewCard:
    """One of a crew member's events, as that crew member may see it."""

    event_id: int
    assignment_id: int
    tenant_name: str
    zone: str
    start: datetime
    end: datetime
    boat: str
    meeting_point: str
    map_url: str
    guest_name: str
    party_size: int
    role: str
    paid_hours: Decimal
    pay_estimate: Decimal
    status: str
    status_label: str
    decline_reason: str
    cancelled: bool
    crew_notes: str
    weather_briefing: str
    logistics: str
    crew: list[Shipmate]
    checklist: list[ChecklistItem]
    details_open: bool
    details_from: datetime
    gate_code: str
    guest_phone: str
    is_captain: bool = False
    trip: TripLog | None = None
    # The captain may record the trip log now; when it opens and closes.
    can_record_trip: bool = False
    trip_opens: datetime | None = None
    trip_closes: datetime | None = None
    trip_not_yet_open: bool = False
    # "Departed now" / "Returned now": only once a departure now could be true (12 h before the start).
    trip_now_buttons: bool = False
    # The captain's copy of the day sheet is linked from 24 hours before the start until the end.
    day_sheet_open: bool = False
    # The names on the guest's passenger list, offered at check-in: filled only while the captain may
    # record the trip log (``crew_card_for_event``), so no one else's page ever holds them.
    passengers: tuple[ListedPassenger, ...] = ()

    @property
    def checklist_done(self) -> int:
        return sum(1 for item in self.checklist if item.done)

    @property
    def can_respond(self) -> bool:
        return not self.cancelled and self.status != Assignment.Status.DECLINED

    @property
    def can_tick(self) -> bool:
        return self.can_respond


def details_window(*, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """When gate codes and the guest's phone are shown: from N hours before the start to the end."""
    return start - timedelta(hours=settings.CREW_DETAILS_HOURS_BEFORE_START), end


def map_url(place: str) -> str:
    return f"https://www.google.com/maps/search/?api=1&query={quote_plus(place)}" if place else ""


def crew_session_member(*, member_id: int, assignment_id: int, version: int) -> CrewMember | None:
    """The crew member a session belongs to, while the link that started it still works.

    Revoking that link, removing that assignment, switching the crew member off or
    the link's expiry ends the session too.
    """
    assignment = (
        Assignment.objects.select_related("crew_member", "event__booking")
        .filter(pk=assignment_id, link_version=version, crew_member_id=member_id, crew_member__active=True)
        .first()
    )
    if assignment is None or timezone.now() > link_expires_at(assignment):
        return None
    return assignment.crew_member


def _assignments(member: CrewMember) -> QuerySet[Assignment]:
    aboard = (
        Assignment.objects.exclude(status=Assignment.Status.DECLINED)
        .select_related("crew_member", "role")
        # Only what the card shows: other crew's rates never leave the database.
        .only("id", "event", "status", "crew_member", "crew_member__name", "role", "role__name")
        .order_by("role__name", "crew_member__name")
    )
    checklist = ChecklistItem.objects.select_related("done_by").only(
        "id", "event", "position", "text", "done", "done_at", "done_by", "done_by__name"
    )
    return (
        Assignment.objects.filter(crew_member=member, crew_member__active=True)
        .select_related("role", "event__booking__tenant", "event__booking__boat")
        .prefetch_related(
            Prefetch("event__assignments", queryset=aboard, to_attr="crew_aboard"),
            Prefetch("event__checklist_items", queryset=checklist, to_attr="checklist"),
        )
        .order_by("event__booking__start", "pk")
    )


def crew_card(assignment: Assignment, *, now: datetime) -> CrewCard:
    event = assignment.event
    booking = event.booking
    opens, closes = details_window(start=booking.start, end=booking.end)
    open_now = opens <= now <= closes and not booking.is_cancelled and assignment.status != Assignment.Status.DECLINED
    meeting_point = booking.effective_meeting_point
    is_captain = assignment.role.is_captain
    trip_opens, trip_closes = trip_log_window(booking)
    return CrewCard(
        event_id=event.pk,
        assignment_id=assignment.pk,
        tenant_name=booking.tenant.name,
        zone=booking.tenant.timezone,
        start=booking.start,
        end=booking.end,
        boat=booking.boat.name,
        meeting_point=meeting_point,
        map_url=map_url(meeting_point),
        guest_name=booking.guest_name,
        party_size=booking.party_size,
        role=assignment.role.name,
        paid_hours=assignment.paid_hours,
        pay_estimate=line_pay(assignment.hourly_rate, assignment.paid_hours),
        status=assignment.status,
        status_label=assignment.get_status_display(),
        decline_reason=assignment.decline_reason,
        cancelled=booking.is_cancelled,
        crew_notes=booking.crew_notes,
        weather_briefing=event.weather_briefing,
        logistics=event.logistics,
        crew=[
            Shipmate(name=a.crew_member.name, role=a.role.name, is_me=a.crew_member_id == assignment.crew_member_id)
            for a in event.crew_aboard
        ],
        checklist=list(event.checklist),
        details_open=open_now,
        details_from=opens,
        gate_code=event.gate_code if open_now else "",
        guest_phone=booking.guest_phone if open_now else "",
        is_captain=is_captain,
        trip=trip_log(booking),
        can_record_trip=_may_record_trip(booking=booking, assignment=assignment, now=now),
        trip_opens=trip_opens,
        trip_closes=trip_closes,
        trip_not_yet_open=now < trip_opens,
        trip_now_buttons=booking.start - SLACK_BEFORE_START <= now <= booking.end + SLACK_AFTER_END,
        day_sheet_open=is_captain and open_now,
    )


def trip_log(booking: Booking) -> TripLog:
    return TripLog(
        guests_boarded=booking.guests_boarded,
        no_show=booking.no_show,
        departed_at=booking.departed_at,
        returned_at=booking.returned_at,
        incident_note=booking.incident_note,
        checked_in_names=list(booking.checked_in_names or []),
    )


def _may_record_trip(*, booking: Booking, assignment: Assignment | None, now: datetime) -> bool:
    return (
        assignment is not None
        and assignment.role.is_captain
        and assignment.status != Assignment.Status.DECLINED
        and trip_log_open(booking, now=now)
    )


def crew_may_record_trip(*, booking: Booking, member: CrewMember, now: datetime | None = None) -> bool:
    """``member`` is the captain of ``booking`` (not declined, charter not cancelled) and the log is open."""
    assignment = (
        Assignment.objects.select_related("role")
        .filter(event__booking=booking, crew_member=member, crew_member__active=True)
        .first()
    )
    return _may_record_trip(booking=booking, assignment=assignment, now=now or timezone.now())


def crew_today_starts(*, member: CrewMember, now: datetime | None = None) -> datetime:
    """Midnight today in the crew member's zone: what ended before it is an earlier charter."""
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(crew_zones(member)[0])
    return datetime.combine(timezone.localtime(now, zone).date(), time.min, tzinfo=zone)


def crew_cards_upcoming(
    *, member: CrewMember, now: datetime | None = None, since: datetime | None = None
) -> list[CrewCard]:
    """The crew member's events still to come, and those that ended today, soonest first, across every brand.

    Bounded by what is coming, not by history: everything earlier is on ``crew_earlier_page``.
    ``since`` is ``crew_today_starts`` unless the caller has it already.
    """
    now = now or timezone.now()
    since = since or crew_today_starts(member=member, now=now)
    assignments = _assignments(member).filter(event__booking__end__gte=since)
    return [crew_card(a, now=now) for a in assignments]


@dataclass(frozen=True)
class EarlierCharter:
    """One line of the crew member's earlier charters: when, where, as what. No money, no guest details."""

    event_id: int
    tenant_name: str
    zone: str
    start: datetime
    end: datetime
    boat: str
    role: str
    status_label: str
    cancelled: bool


def _earlier(member: CrewMember, *, before: datetime) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(crew_member=member, crew_member__active=True, event__booking__end__lt=before)
        .select_related("role", "event__booking__tenant", "event__booking__boat")
        .only(
            "id",
            "status",
            "event__id",
            "event__booking__start",
            "event__booking__end",
            "event__booking__status",
            "event__booking__tenant__name",
            "event__booking__tenant__timezone",
            "event__booking__boat__name",
            "role__name",
        )
        .order_by("-event__booking__start", "-pk")
    )


def crew_has_earlier(*, member: CrewMember, before: datetime) -> bool:
    """Whether the crew member has charters that ended before ``before`` (``crew_today_starts``)."""
    return _earlier(member, before=before).exists()


def crew_earlier_page(*, member: CrewMember, page: str | int | None, now: datetime | None = None) -> Page:
    """One page (``CREW_EARLIER_PER_PAGE``, newest first) of the crew member's charters that ended before today.

    Any ``page`` value is answered: not a number is the first page, past the end the last.
    """
    before = crew_today_starts(member=member, now=now)
    result = Paginator(_earlier(member, before=before), CREW_EARLIER_PER_PAGE).get_page(page)
    result.object_list = [_earlier_charter(a) for a in result.object_list]
    return result


def _earlier_charter(assignment: Assignment) -> EarlierCharter:
    booking = assignment.event.booking
    return EarlierCharter(
        event_id=assignment.event_id,
        tenant_name=booking.tenant.name,
        zone=booking.tenant.timezone,
        start=booking.start,
        end=booking.end,
        boat=booking.boat.name,
        role=assignment.role.name,
        status_label="Cancelled" if booking.is_cancelled else assignment.get_status_display(),
        cancelled=booking.is_cancelled,
    )


def crew_card_for_event(*, member: CrewMember, event_id: int, now: datetime | None = None) -> CrewCard | None:
    """The crew member's own view of one event, or ``None`` when they are not on it."""
    assignment = _assignments(member).filter(event_id=event_id).first()
    if assignment is None:
        return None
    card = crew_card(assignment, now=now or timezone.now())
    if card.can_record_trip:
        card = replace(card, passengers=checkin_passengers(booking_id=assignment.event.booking_id))
    return card


def crew_own_assignment(*, member: CrewMember, event_id: int) -> Assignment | None:
    return (
        Assignment.objects.select_related("event__booking")
        .filter(crew_member=member, crew_member__active=True, event_id=event_id)
        .first()
    )


def crew_calendar_assignments(*, member: CrewMember, now: datetime | None = None) -> QuerySet[Assignment]:
    """What the calendar feed lists: a window from ``CREW_CALENDAR_PAST_DAYS`` back to ``CREW_CALENDAR_FUTURE_DAYS``
    ahead (cancelled ones included), so the feed stays the same size as years of charters pile up."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.CREW_CALENDAR_PAST_DAYS)
    until = now + timedelta(days=settings.CREW_CALENDAR_FUTURE_DAYS)
    return (
        Assignment.objects.filter(crew_member=member, event__booking__end__gte=since, event__booking__start__lte=until)
        .select_related("role", "event__booking__tenant", "event__booking__boat")
        .order_by("event__booking__start", "pk")
    )


def crew_zones(member: CrewMember) -> list[str]:
    """The zones of the brands a crew member works for, first brand (by name) first; never empty."""
    zones: list[str] = []
    for name in member.tenants.order_by("name").values_list("timezone", flat=True):
        if name not in zones:
            zones.append(name)
    return zones or [timezone.get_default_timezone_name()]


def crew_time_off_upcoming(*, member: CrewMember, now: datetime | None = None):
    return member.time_off.filter(end__gt=now or timezone.now()).order_by("start")
