"""A crew member's identity: who may change their email, phone or switch them off, and what a change does.

A crew member who works for two brands is one row. Staff of one brand who could
change that row's email could ask for a magic link at their own address and open
the other brand's charters (guest name, meeting point, gate code). So the email,
the phone and the ``active`` switch change only by a superuser or by staff of
every brand the person works for (``CrewMember.tenants``, the set the admin
scopes crew by).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from charterops.tenancy import tenant_ids_for
from crew.models import Assignment, CrewIdentityChange, CrewMember, new_calendar_token
from crew.services.assignments import REASON_STAFF_RESENT, crew_invite_resend
from crew.services.crew_pages import crew_upcoming_for_new_link
from outbox.errors import PermanentError
from outbox.models import Effect
from outbox.services import effect_schedule

IDENTITY_FIELDS = ("email", "phone")
# What only superusers or staff of every brand of the person change.
GUARDED_FIELDS = (*IDENTITY_FIELDS, "active")

WHO_MAY_CHANGE = (
    "This person also works for a brand you do not manage: only a superuser, "
    "or staff of every brand they work for, can change this."
)


def crew_identity_editable_by(*, user, member: CrewMember) -> bool:
    """Superusers, and staff of every brand ``member`` works for, may change their identity."""
    ids = tenant_ids_for(user)
    if ids is None or member.pk is None:
        return True
    return set(member.tenants.values_list("id", flat=True)) <= set(ids)


def _staff_label(user) -> str:
    return f"staff:{user.get_username()}"[:150]


@transaction.atomic
def crew_member_identity_change(
    *,
    member: CrewMember,
    user,
    email: str | None = None,
    phone: str | None = None,
    active: bool | None = None,
) -> CrewIdentityChange | None:
    """Change ``member``'s email, phone or ``active`` switch as ``user`` (``None`` leaves a value as it is).

    Raises ``PermissionDenied`` unless :func:`crew_identity_editable_by`, and
    ``ValidationError`` for an address that is malformed or another crew member's.
    A new email revokes every magic link the person holds (which also ends every
    crew session, as a session lives only while the link that opened it works),
    replaces their private calendar address and sends their upcoming charters'
    links to the new address. A new email or phone is told to the address on file
    before the change, once, through the outbox. Switching someone off needs no
    more: links and sessions of an inactive crew member stop working by themselves.
    Returns the recorded change, or ``None`` when no email or phone changed.
    """
    locked = CrewMember.objects.select_for_update().get(pk=member.pk)
    if not crew_identity_editable_by(user=user, member=locked):
        raise PermissionDenied(WHO_MAY_CHANGE)
    wanted = {"email": email, "phone": phone, "active": active}
    changed = {name: value for name, value in wanted.items() if value is not None and value != getattr(locked, name)}
    if not changed:
        return None
    old_email = locked.email
    for name, value in changed.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=[f.name for f in CrewMember._meta.concrete_fields if f.name not in changed])
    update = list(changed)
    if "email" in changed:
        # Whoever read the old inbox or held a session may have copied the calendar address too.
        locked.calendar_token = new_calendar_token()
        update.append("calendar_token")
    locked.save(update_fields=update)
    for name in update:
        setattr(member, name, getattr(locked, name))
    identity = [name for name in IDENTITY_FIELDS if name in changed]
    if not identity:
        return None
    if "email" in changed:
        Assignment.objects.filter(crew_member=locked).update(link_version=F("link_version") + 1)
    record = CrewIdentityChange.objects.create(
        crew_member=locked,
        changed_fields=", ".join(identity),
        old_email=old_email,
        new_email=locked.email,
        changed_by=_staff_label(user),
    )
    effect_schedule(kind=Effect.Kind.NOTIFY_CREW_IDENTITY, target_id=record.pk, booking_id=None, reason="identity")
    if "email" in changed and locked.active:
        for assignment in crew_upcoming_for_new_link(member=locked):
            crew_invite_resend(assignment=assignment, revoke=False, reason=REASON_STAFF_RESENT)
    return record


def masked_email(address: str) -> str:
    """``s***@example.com``: enough for the owner to recognise, not a full address for a stale inbox."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def crew_identity_notify_effect(effect: Effect) -> str:
    """Outbox handler: tell the address on file before a change that the email or phone changed."""
    change = CrewIdentityChange.objects.select_related("crew_member").filter(pk=effect.target_id).first()
    if change is None:
        raise PermanentError("The change record no longer exists.")
    member = change.crew_member
    brands = list(member.tenants.order_by("name"))
    sender = brands[0] if brands else None
    zone = sender.zone if sender is not None else timezone.get_default_timezone()
    context = {
        "member": member,
        "brands": brands,
        "sender": sender,
        "email_changed": "email" in change.changed_fields,
        "phone_changed": "phone" in change.changed_fields,
        "new_email": masked_email(change.new_email),
        "when": timezone.localtime(change.created_at, zone),
        "zone": zone.key,
    }
    with timezone.override(zone):  # templates show the time on the brand's clock
        subject = render_to_string("email/crew_identity_changed_subject.txt", context).strip()
        body = render_to_string("email/crew_identity_changed.txt", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=f"{sender.name} <{sender.sender_email}>" if sender is not None else settings.DEFAULT_FROM_EMAIL,
        to=[change.old_email],
        headers={"X-Charterops-Effect": str(effect.pk)},
    )
    message.send()
    status = getattr(message, "anymail_status", None)
    return (status.message_id if status is not None and status.message_id else "") or ""
