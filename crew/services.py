"""Writes to crew events and assignments, and the crew email the outbox sends."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from bookings.availability import ConflictError
from bookings.models import Booking
from charterops.audit import acting_as
from crew.availability import assignment_check, crew_lock, time_off_clashes
from crew.links import link_expires_at, link_url
from crew.models import (
    Assignment,
    ChecklistItem,
    ChecklistTemplateItem,
    Credential,
    CredentialExpiryNotice,
    CrewEvent,
    CrewMember,
    TimeOff,
    new_calendar_token,
)
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
    return effect_schedule(
        kind=Effect.Kind.SEND_INVITATION,
        target_id=assignment.pk,
        booking_id=assignment.event.booking_id,
        reason=reason,
    )


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


def crew_invite_send_effect(effect: Effect) -> str:
    """Outbox handler: email one assignment its magic link. Returns the provider's message id."""
    assignment = (
        Assignment.objects.select_related("event__booking__tenant", "event__booking__boat", "crew_member", "role")
        .filter(pk=effect.target_id)
        .first()
    )
    if assignment is None:
        raise PermanentError("The assignment no longer exists (crew member removed).")
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
    assignment = (
        Assignment.objects.select_related("event__booking__tenant", "event__booking__boat", "crew_member", "role")
        .filter(pk=effect.target_id)
        .first()
    )
    if assignment is None:
        raise PermanentError("The assignment no longer exists.")
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


# --- What crew do on their pages -------------------------------------------------------------


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


# --- Time off and credentials ------------------------------------------------------------------


@transaction.atomic
def time_off_save(*, time_off: TimeOff, entered_by: str) -> TimeOff:
    """Record that a crew member is away. Refused while they are still on a charter in that time.

    ``entered_by`` is ``crew`` or the staff user's name (also in the history).
    """
    time_off.full_clean()
    crew_lock([time_off.crew_member_id])
    clashes = time_off_clashes(time_off=time_off)
    if clashes:
        raise ConflictError(clashes, field="start")
    if time_off.pk is None:
        time_off.entered_by = entered_by[:120]
    time_off.save()
    return time_off


@transaction.atomic
def time_off_remove(*, time_off: TimeOff) -> None:
    time_off.delete()


def credential_expiry_notices_schedule(*, today=None, dry_run: bool = False) -> list[tuple[Credential, int]]:
    """Tell staff about credentials that expire within each of ``CREDENTIAL_EXPIRY_NOTICE_DAYS``.

    Each (credential, expiry date, threshold) is told once: its notice row is
    created with the outbox effect in one transaction, under a unique constraint,
    so two schedulers at once or a rerun add nothing. A renewed credential (a new
    expiry date) is told again when its new date comes near. When several
    thresholds are reached at once (a credential entered late) one email goes.
    Returns the (credential, threshold) pairs told now.
    """
    today = today or timezone.localdate()
    thresholds = sorted(settings.CREDENTIAL_EXPIRY_NOTICE_DAYS)
    horizon = today + timedelta(days=thresholds[-1])
    due = (
        Credential.objects.filter(expires_on__gte=today, expires_on__lte=horizon, crew_member__active=True)
        .select_related("crew_member", "kind")
        .order_by("expires_on", "pk")
    )
    told = []
    for credential in due:
        reached = [t for t in thresholds if credential.expires_on <= today + timedelta(days=t)]
        done = set(
            CredentialExpiryNotice.objects.filter(credential=credential, expires_on=credential.expires_on).values_list(
                "threshold_days", flat=True
            )
        )
        new = [t for t in reached if t not in done]
        if not new:
            continue
        if dry_run:
            told.append((credential, min(new)))
            continue
        try:
            with transaction.atomic():
                for threshold in new:
                    CredentialExpiryNotice.objects.create(
                        credential=credential, expires_on=credential.expires_on, threshold_days=threshold
                    )
                effect_schedule(
                    kind=Effect.Kind.NOTIFY_CREDENTIAL_EXPIRY,
                    target_id=credential.pk,
                    booking_id=None,
                    reason=f"expires within {min(new)} days",
                )
        except IntegrityError:
            continue  # another scheduler told staff first
        told.append((credential, min(new)))
    return told


def credential_expiry_notify_effect(effect: Effect) -> str:
    """Outbox handler: email the staff of every brand the crew member works for about one credential."""
    credential = Credential.objects.select_related("crew_member", "kind").filter(pk=effect.target_id).first()
    if credential is None:
        raise PermanentError("The credential no longer exists.")
    member = credential.crew_member
    brands = list(member.tenants.order_by("name").prefetch_related("staff"))
    recipients = sorted({u.email for t in brands for u in t.staff.all() if u.is_active and u.email})
    if not recipients:
        recipients = sorted({t.sender_email for t in brands})
    if not recipients:
        raise PermanentError("Nobody to tell: the crew member works for no brand.")
    days = (credential.expires_on - timezone.localdate()).days if credential.expires_on else None
    context = {"credential": credential, "member": member, "days": days, "brands": brands}
    body = render_to_string("email/credential_expiring.txt", context)
    sender = brands[0] if brands else None
    message = EmailMultiAlternatives(
        subject=f"{member.name}'s {credential.kind.name} expires on {credential.expires_on:%b %-d, %Y}",
        body=body,
        from_email=f"{sender.name} <{sender.sender_email}>" if sender else settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"X-Charterops-Effect": str(effect.pk)},
    )
    message.send()
    status = getattr(message, "anymail_status", None)
    return (status.message_id if status is not None and status.message_id else "") or ""
