"""Sending one message by email. (Owner: messaging core.)"""

from __future__ import annotations

from email.utils import formataddr

from django.core.mail import EmailMultiAlternatives

from bookings.models import Tenant
from guestpages.photos import PhotosNotSent, guest_photos_send
from guestpages.uploads import StorageUnavailable
from messaging.models import Message
from messaging.render import message_render
from messaging.services.rules import SkipMessage
from outbox.errors import PermanentError


def brand_sender(tenant: Tenant) -> str:
    """ "Brand name <sender>", quoted when the name has commas or other specials."""
    return formataddr((tenant.name, tenant.sender_email))


def _provider_id(email) -> str:
    status = getattr(email, "anymail_status", None)
    return (status.message_id if status is not None and status.message_id else "") or ""


def message_email_send(message: Message) -> str:
    """Render ``message`` (messaging.render.message_render) and send it from the brand; return the SES message id.

    The photos go as guestpages zips them (``guest_photos_send``); "nothing to send" skips the message.
    """
    if message.kind == Message.Kind.PHOTOS:
        return _photos_send(message)
    tenant = message.booking.tenant
    rendered = message_render(message)
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=brand_sender(tenant),
        to=[message.recipient],
        reply_to=[tenant.reply_to_email] if tenant.reply_to_email else None,
        headers={"X-Charterops-Message": str(message.pk)},
    )
    if rendered.html:
        email.attach_alternative(rendered.html, "text/html")
    email.send()
    return _provider_id(email)


def _photos_send(message: Message) -> str:
    try:
        result = guest_photos_send(booking=message.booking, headers={"X-Charterops-Message": str(message.pk)})
    except PhotosNotSent as exc:
        if isinstance(exc.__cause__, StorageUnavailable):
            # The bucket may answer on the next attempt: let the outbox retry.
            raise ConnectionError(str(exc)) from exc
        raise PermanentError(str(exc)) from exc
    if not result.sent:
        raise SkipMessage(result.skipped_reason)
    return result.message_id
