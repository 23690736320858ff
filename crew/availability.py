"""When a crew member can be aboard: not on another charter, not away, and holding what the role needs.

One person, one place: charters of every brand count, with
``CREW_TRAVEL_BUFFER_MINUTES`` between them. A declined assignment and a
cancelled or weather-owed charter hold nothing. A charter of another brand is
named without its boat or guest: staff of one brand do not see another's guests.

Every check reads in bulk (a constant number of queries for any number of crew),
so the admin's crew choice, the booking's re-check and ``assignment_save`` share it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings

from bookings.availability import Clash, ConflictError
from bookings.models import Booking
from charterops.timezones import local_range
from crew.models import Assignment, Credential, CrewMember, Role, TimeOff


@dataclass
class Availability:
    """Why one crew member cannot take one charter; empty lists mean they can."""

    busy: list[Clash] = field(default_factory=list)
    away: list[Clash] = field(default_factory=list)
    # role id -> what is missing for that role
    unqualified: dict[int, list[Clash]] = field(default_factory=dict)

    @property
    def clashes(self) -> list[Clash]:
        return [*self.busy, *self.away]


def travel_buffer() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CREW_TRAVEL_BUFFER_MINUTES)


def crew_lock(member_ids: Iterable[int]) -> None:
    """Lock the crew members' rows until the transaction ends, so two assignments of one person take turns."""
    ids = sorted(set(member_ids))
    if ids:
        list(CrewMember.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _charter_days(booking: Booking) -> tuple[dt.date, dt.date]:
    zone = booking.tenant.zone
    return booking.start.astimezone(zone).date(), booking.end.astimezone(zone).date()


def availability_for(
    *,
    members: list[CrewMember],
    booking: Booking,
    roles: Iterable[Role] = (),
    exclude_event_id: int | None = None,
) -> dict[int, Availability]:
    """Availability of each member for ``booking`` (its unsaved times count), in at most five queries.

    ``roles`` are the roles to check credentials for (each member is checked for each role).
    """
    result = {m.pk: Availability() for m in members}
    if not members or booking.start is None or booking.end is None:
        return result
    names = {m.pk: m.name for m in members}
    zone = booking.tenant.zone
    buffer = travel_buffer()

    busy = (
        Assignment.objects.filter(
            crew_member_id__in=result,
            event__booking__status=Booking.Status.CONFIRMED,
            event__booking__start__lt=booking.end + buffer,
            event__booking__end__gt=booking.start - buffer,
        )
        .exclude(status=Assignment.Status.DECLINED)
        .select_related("event__booking__boat", "role")
        .order_by("event__booking__start")
    )
    if exclude_event_id is not None:
        busy = busy.exclude(event_id=exclude_event_id)
    if booking.pk is not None:
        busy = busy.exclude(event__booking_id=booking.pk)
    for other in busy:
        theirs = other.event.booking
        when = local_range(theirs.start, theirs.end, zone)
        if theirs.tenant_id == booking.tenant_id:
            what = f"on {theirs.boat.name} as {other.role.name.lower()} ({theirs.guest_name}), {when}"
        else:
            what = f"on another brand's charter, {when}"
        result[other.crew_member_id].busy.append(
            Clash(kind="crew", booking_id=theirs.pk, message=f"{names[other.crew_member_id]} is {what}.")
        )

    for away in TimeOff.objects.filter(crew_member_id__in=result, start__lt=booking.end, end__gt=booking.start):
        result[away.crew_member_id].away.append(
            Clash(
                kind="time_off",
                message=f"{names[away.crew_member_id]} is away {local_range(away.start, away.end, zone)}.",
            )
        )

    roles = [r for r in roles if r is not None]
    if roles:
        first_day, last_day = _charter_days(booking)
        required = defaultdict(list)
        for role in Role.objects.filter(pk__in={r.pk for r in roles}).prefetch_related("required_credential_kinds"):
            required[role.pk] = list(role.required_credential_kinds.all())
        kinds = {k.pk for ks in required.values() for k in ks}
        held: dict[tuple[int, int], list[Credential]] = defaultdict(list)
        if kinds:
            for credential in Credential.objects.filter(crew_member_id__in=result, kind_id__in=kinds).order_by(
                "-expires_on"
            ):
                held[(credential.crew_member_id, credential.kind_id)].append(credential)
        role_names = {r.pk: r.name for r in roles}
        for member_id, availability in result.items():
            for role_id, needed in required.items():
                gaps = [
                    _credential_gap(
                        names[member_id], role_names[role_id], kind, held[(member_id, kind.pk)], first_day, last_day
                    )
                    for kind in needed
                ]
                gaps = [g for g in gaps if g is not None]
                if gaps:
                    availability.unqualified[role_id] = gaps
    return result


def _credential_gap(name, role_name, kind, credentials, first_day, last_day) -> Clash | None:
    if any(c.valid_between(first_day, last_day) for c in credentials):
        return None
    needed = f"(needed as {role_name.lower()})"
    if not credentials:
        return Clash(kind="credential", message=f"{name} has no {kind.name} on file {needed}.")
    lapsed = [c for c in credentials if c.expires_on is not None and c.expires_on < last_day]
    if lapsed and len(lapsed) == len(credentials):
        latest = max(c.expires_on for c in lapsed)
        verb = "expired" if latest < first_day else "expires"
        return Clash(kind="credential", message=f"{name}'s {kind.name} {verb} on {latest:%b %-d, %Y} {needed}.")
    issued = min((c.issued_on for c in credentials if c.issued_on), default=None)
    return Clash(
        kind="credential",
        message=f"{name}'s {kind.name} is only valid from {issued:%b %-d, %Y} {needed}."
        if issued
        else f"{name} has no {kind.name} valid on this date {needed}.",
    )


def assignment_clashes(*, assignment: Assignment, booking: Booking) -> list[Clash]:
    """What stops this assignment: the member's other charters, time off, missing credentials."""
    if assignment.status == Assignment.Status.DECLINED or not booking.occupies_boat:
        return []
    found = availability_for(
        members=[assignment.crew_member],
        booking=booking,
        roles=[assignment.role],
        exclude_event_id=assignment.event_id,
    )[assignment.crew_member_id]
    return [*found.clashes, *found.unqualified.get(assignment.role_id, [])]


def assignment_check(*, assignment: Assignment, booking: Booking) -> None:
    """Raise :class:`ConflictError` (on ``crew_member``) if the assignment cannot stand."""
    crew_lock([assignment.crew_member_id])
    clashes = assignment_clashes(assignment=assignment, booking=booking)
    if clashes:
        raise ConflictError(clashes, field="crew_member")


def booking_crew_check(*, booking: Booking, assignments: list[Assignment] | None = None) -> None:
    """Every crew member still aboard ``booking`` (at its new time) must be free and qualified."""
    if not booking.occupies_boat:
        return
    if assignments is None:
        assignments = list(
            Assignment.objects.filter(event__booking_id=booking.pk)
            .exclude(status=Assignment.Status.DECLINED)
            .select_related("crew_member", "role")
        )
    assignments = [a for a in assignments if a.status != Assignment.Status.DECLINED]
    if not assignments:
        return
    crew_lock(a.crew_member_id for a in assignments)
    found = availability_for(
        members=[a.crew_member for a in assignments],
        booking=booking,
        roles={a.role for a in assignments},
        exclude_event_id=assignments[0].event_id,
    )
    clashes = []
    for a in assignments:
        mine = found[a.crew_member_id]
        clashes += [*mine.clashes, *mine.unqualified.get(a.role_id, [])]
    if clashes:
        raise ConflictError(
            [*clashes, Clash(kind="crew", message="Take them off this charter (or pick another time) first.")],
            field="crew",
        )


def time_off_clashes(*, time_off: TimeOff, visible_tenant_ids: Iterable[int] | None = None) -> list[Clash]:
    """Charters the crew member is still on during ``time_off`` (declined and cancelled ones do not count).

    A charter of a brand outside ``visible_tenant_ids`` (staff of other brands) is named without its
    boat or booking; ``None`` names every boat (the crew member's own page, superusers).
    """
    visible = None if visible_tenant_ids is None else set(visible_tenant_ids)
    found = (
        Assignment.objects.filter(
            crew_member_id=time_off.crew_member_id,
            event__booking__status=Booking.Status.CONFIRMED,
            event__booking__start__lt=time_off.end,
            event__booking__end__gt=time_off.start,
        )
        .exclude(status=Assignment.Status.DECLINED)
        .select_related("event__booking__boat", "event__booking__tenant")
        .order_by("event__booking__start")
    )
    clashes = []
    for a in found:
        booking = a.event.booking
        when = local_range(booking.start, booking.end, booking.tenant.zone)
        if visible is None or booking.tenant_id in visible:
            clashes.append(
                Clash(
                    kind="crew",
                    booking_id=booking.pk,
                    message=f"{booking.boat.name}, {when} is still on your list: decline it or ask the office first.",
                )
            )
        else:
            clashes.append(
                Clash(kind="crew", message=f"Another brand's charter, {when}: that brand must take them off first.")
            )
    return clashes


def crew_choice_groups(
    *, booking: Booking | None, members: list[CrewMember]
) -> list[tuple[str, list[tuple[int, str]]]]:
    """The admin's crew choice: available and qualified first, then the others with the reason.

    Qualification is checked for each role the person holds.
    """
    if booking is None or booking.pk is None or booking.start is None:
        return [("Crew", [(m.pk, m.name) for m in members])]
    roles = {r for m in members for r in m.roles.all()}
    found = availability_for(members=members, booking=booking, roles=roles, exclude_event_id=None)
    ready, missing, busy = [], [], []
    for member in members:
        mine = found[member.pk]
        if mine.clashes:
            busy.append((member.pk, f"{member.name} · {_short(mine.clashes[0].message, member.name)}"))
            continue
        gaps = [g for r in member.roles.all() for g in mine.unqualified.get(r.pk, [])]
        if gaps:
            missing.append((member.pk, f"{member.name} · {_short(gaps[0].message, member.name)}"))
        else:
            ready.append((member.pk, member.name))
    groups = [("Available", ready), ("Available, a credential missing", missing), ("Busy or away", busy)]
    return [(label, choices) for label, choices in groups if choices]


def _short(message: str, name: str) -> str:
    text = message.removeprefix(name).removeprefix("'s").strip()
    return text.rstrip(".")
