"""What crew do on their pages: accept, decline, tick the checklist, ask for a new link."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from charterops.audit import acting_as
from crew.models import (
    Assignment,
    ChecklistItem,
    CrewMember,
    new_calendar_token,
)
from crew.services.assignments import REASON_CREW_ASKED, crew_invite_resend
from outbox.models import Effect
from outbox.services import effect_schedule


def crew_actor(member: CrewMember) -> str:
    """The history label of a crew member's own writes."""
    return f"crew:{member.pk} {member.name}"


def _own_assignment_for_update(*, assignment: Assignment, member: CrewMember) -> Assignment:
    # Re-read under lock: two taps on two phones must not interleave, and the row may have moved on.
    locked = (
        Assignment.objects.select_for_update()
        .select_related("event__booking")
        .filter(pk=assignment.pk, crew_member=member)
        .first()
    )
    if locked is None:
        raise ValidationError("This assignment is no longer yours.")
    if locked.event.booking.is_cancelled:
        raise ValidationError("This charter is cancelled.")
    return locked


@transaction.atomic
def assignment_accept(*, assignment: Assignment, member: CrewMember) -> Assignment:
    """The crew member confirms they will be aboard.

    A decline is final from the crew side: staff may already have filled the place
    (and the boat's legal limit counts everyone not declined), so only staff can undo it.
    """
    with acting_as(crew_actor(member)):
        locked = _own_assignment_for_update(assignment=assignment, member=member)
        if locked.status == Assignment.Status.DECLINED:
            raise ValidationError("You declined this charter; ask the office if you can still come.")
        if locked.status != Assignment.Status.ACCEPTED:
            locked.status = Assignment.Status.ACCEPTED
            locked.responded_at = timezone.now()
            locked.decline_reason = ""
            locked.save(update_fields=["status", "responded_at", "decline_reason", "updated_at"])
    return locked


@transaction.atomic
def assignment_decline(*, assignment: Assignment, member: CrewMember, reason: str = "") -> Assignment:
    """The crew member cannot come. Staff get an email (through the outbox) after commit."""
    with acting_as(crew_actor(member)):
        locked = _own_assignment_for_update(assignment=assignment, member=member)
        if locked.status == Assignment.Status.DECLINED:
            return locked  # a second tap must not email staff twice
        locked.status = Assignment.Status.DECLINED
        locked.responded_at = timezone.now()
        locked.decline_reason = reason.strip()
        locked.save(update_fields=["status", "responded_at", "decline_reason", "updated_at"])
        effect_schedule(
            kind=Effect.Kind.NOTIFY_DECLINE,
            target_id=locked.pk,
            booking_id=locked.event.booking_id,
            reason="declined",
        )
    return locked


@transaction.atomic
def checklist_item_set(*, item: ChecklistItem, member: CrewMember, done: bool) -> ChecklistItem:
    """Tick (recording who and when) or untick (clearing both) one checklist line."""
    with acting_as(crew_actor(member)):
        locked = ChecklistItem.objects.select_for_update().get(pk=item.pk)
        if locked.done == done:
            return locked  # keep the first ticker's name and time
        locked.done = done
        locked.done_by = member if done else None
        locked.done_at = timezone.now() if done else None
        locked.save(update_fields=["done", "done_by", "done_at"])
    return locked


@transaction.atomic
def crew_calendar_token_replace(*, member: CrewMember) -> CrewMember:
    """Give the crew member a new private calendar address; the old one answers 404 at once."""
    member.calendar_token = new_calendar_token()
    member.save(update_fields=["calendar_token"])
    return member


def crew_upcoming_for_new_link(*, member: CrewMember):
    """Assignments whose link is still worth sending: not declined, not cancelled, not long over."""
    cutoff = timezone.now() - timedelta(hours=settings.CREW_LINK_VALID_AFTER_END_HOURS)
    return (
        Assignment.objects.filter(
            crew_member=member,
            event__booking__end__gt=cutoff,
            event__booking__tenant__in=member.tenants.all(),
        )
        .exclude(status=Assignment.Status.DECLINED)
        .exclude(event__booking__status=Booking.Status.CANCELLED)
        .select_related("event")
        .order_by("event__booking__start")
    )


@transaction.atomic
def crew_new_link_request(*, email: str) -> int:
    """Someone asked for a new link for ``email``. Returns how many invitations were scheduled.

    Earlier links are not revoked: anyone can type an address, and that must not
    cut a crew member off. The caller answers the same way whatever this returns.
    """
    scheduled = 0
    for member in CrewMember.objects.filter(email__iexact=email.strip(), active=True):
        for assignment in crew_upcoming_for_new_link(member=member):
            crew_invite_resend(assignment=assignment, revoke=False, reason=REASON_CREW_ASKED)
            scheduled += 1
    return scheduled
