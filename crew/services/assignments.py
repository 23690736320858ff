"""Writes to crew events and assignments, and the crew email the outbox sends."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from bookings.models import Booking
from crew.availability import assignment_check
from crew.links import link_expires_at, link_url
from crew.models import (
    Assignment,
    ChecklistItem,
    ChecklistTemplateItem,
    CrewEvent,
)
from crew.signals_out import invitation_scheduled
from outbox.errors import PermanentError
from outbox.models import Effect
from outbox.services import effect_schedule

# Why an invitation is (re)sent; the email's wording follows it.
REASON_NEW = "new assignment"
REASON_CHANGED = "time, boat or meeting point changed"
REASON_STAFF_RESENT = "re-sent by staff"
REASON_CREW_ASKED = "crew asked for a new link"


def crew_event_ensure(*, booking: Booking) -> CrewEvent:
    """The booking's crew event, created with a copy of the boat's checklist the first time."""
    event = CrewEvent.objects.filter(booking=booking).first()
    if event is not None:
        return event
    event = CrewEvent.objects.create(booking=booking)
    template_items = ChecklistTemplateItem.objects.filter(template__boat_id=booking.boat_id).order_by("position", "id")
    ChecklistItem.objects.bulk_create(
        [ChecklistItem(event=event, position=i.position, text=i.text) for i in template_items]
    )
    return event


def crew_invite_schedule(*, assignment: Assignment, reason: str) -> Effect:
    effect = effect_schedule(
        kind=Effect.Kind.SEND_INVITATION,
        target_id=assignment.pk,
        booking_id=assignment.event.booking_id,
        reason=reason,
    )
    invitation_scheduled.send(sender=Assignment, assignment=assignment, reason=reason, effect_id=effect.pk)
    return effect


# A change to any of these asks whether the person can take the charter at all.
_AVAILABILITY_FIELDS = ("crew_member_id", "role_id", "status")


@transaction.atomic
def assignment_save(*, assignment: Assignment) -> Assignment:
    """Save an assignment; a new one gets an invitation email after commit.

    A new assignment, or one given another person, role or a status other than
    declined, is refused with :class:`~bookings.availability.ConflictError` when
    the person is on another charter (any brand, with the travel buffer), away,
    or lacks a credential the role requires on the charter's date. Editing the
    hours or rate of an existing assignment checks nothing, so assignments made
    before a requirement was switched on keep working.
    """
    created = assignment.pk is None
    assignment.full_clean(exclude=["event"] if assignment.event_id is None else None)
    if created or _availability_changed(assignment):
        assignment_check(assignment=assignment, booking=assignment.event.booking)
    assignment.save()
    if created:
        crew_invite_schedule(assignment=assignment, reason=REASON_NEW)
    return assignment


def _availability_changed(assignment: Assignment) -> bool:
    old = Assignment.objects.filter(pk=assignment.pk).values("crew_member_id", "role_id", "status").first()
    return old is None or any(getattr(assignment, f) != old[f] for f in _AVAILABILITY_FIELDS)


@transaction.atomic
def assignment_remove(*, assignment: Assignment) -> None:
    """Take a crew member off an event. Their link dies with the row."""
    assignment.delete()


@transaction.atomic
def crew_invite_resend(*, assignment: Assignment, revoke: bool = False, reason: str = REASON_STAFF_RESENT) -> Effect:
    """Send the invitation again; with ``revoke`` every earlier link stops working at once."""
    if revoke:
        Assignment.objects.filter(pk=assignment.pk).update(link_version=F("link_version") + 1)
        assignment.refresh_from_db(fields=["link_version"])
    return crew_invite_schedule(assignment=assignment, reason=reason)


def crew_event_material_change(*, booking: Booking) -> None:
    """Time, boat or meeting point changed: crew must look again and accept again."""
    assignments = list(Assignment.objects.filter(event__booking=booking).exclude(status=Assignment.Status.DECLINED))
    for assignment in assignments:
        if assignment.status == Assignment.Status.ACCEPTED:
            # save(), not a bulk update: the reset belongs in the assignment's history.
            assignment.status = Assignment.Status.INVITED
            assignment.responded_at = None
            assignment.save(update_fields=["status", "responded_at", "updated_at"])
        crew_invite_schedule(assignment=assignment, reason=REASON_CHANGED)


def _effect_assignment(effect: Effect, *, gone: str) -> Assignment:
    assignment = (
        Assignment.objects.select_related("event__booking__tenant", "event__booking__boat", "crew_member", "role")
        .filter(pk=effect.target_id)
        .first()
    )
    if assignment is None:
        raise PermanentError(gone)
    return assignment


def crew_invite_send_effect(effect: Effect) -> str:
    """Outbox handler: email one assignment its magic link. Returns the provider's message id."""
    assignment = _effect_assignment(effect, gone="The assignment no longer exists (crew member removed).")
    booking = assignment.event.booking
    if booking.is_cancelled:
        raise PermanentError("The booking is cancelled; no invitation sent.")
    tenant = booking.tenant
    context = {
        "assignment": assignment,
        "crew_member": assignment.crew_member,
        "booking": booking,
        "boat": booking.boat,
        "tenant": tenant,
        "start": timezone.localtime(booking.start, tenant.zone),
        "end": timezone.localtime(booking.end, tenant.zone),
        "meeting_point": booking.effective_meeting_point,
        "link": link_url(assignment),
        "link_expires": timezone.localtime(link_expires_at(assignment), tenant.zone),
        "changed": effect.reason == REASON_CHANGED,
        "requested": effect.reason == REASON_CREW_ASKED,
    }
    with timezone.override(tenant.zone):  # templates show times in the brand's zone
        subject = render_to_string("email/crew_invitation_subject.txt", context).strip()
        text = render_to_string("email/crew_invitation.txt", context)
        html = render_to_string("email/crew_invitation.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=f"{tenant.name} <{tenant.sender_email}>",
        to=[assignment.crew_member.email],
        headers={"X-Charterops-Effect": str(effect.pk)},
    )
    message.attach_alternative(html, "text/html")
    message.send()
    status = getattr(message, "anymail_status", None)
    return (status.message_id if status is not None and status.message_id else "") or ""


def crew_decline_notify_effect(effect: Effect) -> str:
    """Outbox handler: tell the brand's staff that a crew member declined."""
    assignment = _effect_assignment(effect, gone="The assignment no longer exists.")
    booking = assignment.event.booking
    tenant = booking.tenant
    recipients = sorted({u.email for u in tenant.staff.filter(is_active=True) if u.email}) or [tenant.sender_email]
    context = {
        "assignment": assignment,
        "booking": booking,
        "tenant": tenant,
        "start": timezone.localtime(booking.start, tenant.zone),
    }
    with timezone.override(tenant.zone):
        body = render_to_string("email/crew_declined.txt", context)
    message = EmailMultiAlternatives(
        subject=f"{assignment.crew_member.name} declined {booking.boat.name} on {context['start']:%b %-d}",
        body=body,
        from_email=f"{tenant.name} <{tenant.sender_email}>",
        to=recipients,
    )
    message.send()
    status = getattr(message, "anymail_status", None)
    return (status.message_id if status is not None and status.message_id else "") or ""
