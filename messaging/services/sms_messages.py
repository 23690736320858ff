"""Texting guests and crew: what to text, quiet hours, opt-outs. (Owner: SMS.)"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from charterops.phones import is_mobile_e164, phone_e164_or_none
from crew.links import link_url
from crew.models import Assignment
from crew.services import REASON_CHANGED
from messaging import sms
from messaging.models import Channel, Message, Suppression
from messaging.render import message_render
from messaging.services.rules import SkipMessage, sms_number
from messaging.services.scheduling import message_record
from outbox.models import Effect

logger = logging.getLogger(__name__)

# Texts wait through the night where the charter is: from 21:00 until 08:00 local time.
QUIET_FROM = dt.time(21, 0)
QUIET_UNTIL = dt.time(8, 0)


def message_sms_send(message: Message) -> str:
    """Text ``message`` through messaging.sms (SNS); return the SNS message id.

    Raises :class:`SkipMessage` when the text must not go after all: the number
    opted out (recorded as a suppression the admin shows), nothing to text, or a
    crew invitation whose assignment is gone, declined, or whose charter is cancelled.
    """
    number = message.recipient
    if not is_mobile_e164(number):
        raise SkipMessage(f"{number or 'No number'} is not a mobile number in international form.")
    if message.kind == Message.Kind.CREW_INVITATION:
        text = crew_invitation_text(message)
    else:
        text = message_render(message).sms
    if not text.strip():
        raise SkipMessage("Nothing to text for this kind of message.")
    if sms.sms_opted_out(number):
        Suppression.objects.get_or_create(
            channel=Channel.SMS,
            address=number,
            defaults={
                "reason": Suppression.Reason.OPTED_OUT,
                "detail": "Amazon SNS reports this number opted out (the owner replied STOP).",
            },
        )
        raise SkipMessage(f"{number} opted out of text messages (replied STOP).")
    return sms.sms_send(phone_e164=number, text=text, sender_id=message.booking.tenant.sms_sender_id)


def crew_invitation_text(message: Message) -> str:
    """The invitation as a text: brand, boat, local date and time, role and the magic link.

    No pay, no other crew, no guest details: a text can be read on a lock screen.
    """
    assignment = (
        Assignment.objects.select_related("crew_member", "role", "event__booking__boat", "event__booking__tenant")
        .filter(pk=message.assignment_id)
        .first()
    )
    if assignment is None:
        raise SkipMessage("The crew member was taken off this charter.")
    if assignment.status == Assignment.Status.DECLINED:
        raise SkipMessage("The crew member declined this charter.")
    booking = assignment.event.booking
    if booking.is_cancelled:
        raise SkipMessage("The charter is cancelled.")
    member = assignment.crew_member
    if not member.sms_opt_in or not member.active:
        raise SkipMessage(f"{member.name} no longer takes texts.")
    if phone_e164_or_none(member.phone) != message.recipient:
        # The magic link must not reach a number the person gave up.
        raise SkipMessage(f"{member.name}'s number changed after this text was scheduled.")
    tenant = booking.tenant
    start = timezone.localtime(booking.start, tenant.zone)
    changed = (
        message.effect_id is not None and Effect.objects.filter(pk=message.effect_id, reason=REASON_CHANGED).exists()
    )
    opening = "Charter changed" if changed else "You're invited"
    return (
        f"{tenant.name}: {opening}: {assignment.role.name} on {booking.boat.name}, "
        f"{start:%a %b} {start.day} at {start:%H:%M}. Accept or decline: {link_url(assignment)}"
    )


def quiet_hours_until(message: Message, *, now: dt.datetime) -> dt.datetime | None:
    """When ``now`` is within 21:00-08:00 in the booking's brand zone, the next 08:00 there; else None.

    The 08:00 is built on the local calendar (not "now + hours"), so a daylight-saving
    night still ends at 08:00 on the clock.
    """
    zone = message.booking.tenant.zone
    local = now.astimezone(zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, QUIET_UNTIL, tzinfo=zone).astimezone(dt.UTC)


def crew_invitation_sms_schedule(*, assignment: Assignment, reason: str, email_effect_id: int) -> Message | None:
    """A text of the invitation for crew who opted in, one per invitation email effect.

    Nothing for crew who did not opt in or have no valid mobile number. Safe to call twice
    and against a concurrent caller: the key settles it.
    """
    member = assignment.crew_member
    if not member.sms_opt_in or not member.active:
        return None
    number = sms_number(member.phone)
    if not number:
        return None
    booking = assignment.event.booking
    if booking.is_cancelled:
        return None
    message, _created = message_record(
        booking=booking,
        assignment=assignment,
        kind=Message.Kind.CREW_INVITATION,
        channel=Channel.SMS,
        recipient=number,
        key=f"crew_invitation:{assignment.pk}:sms:{email_effect_id}",
        reason=reason,
    )
    return message
