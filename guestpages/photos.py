"""Emailing a guest the photos their party uploaded, as one zip, after the charter.

messaging sends it automatically when the upload window closes; ``send_guest_photos`` resends it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import dateformat, timezone
from django.utils.text import slugify

from bookings.models import Booking
from guestpages import uploads
from guestpages.models import PhotoUpload
from guestpages.services import date_label, time_label


class PhotosNotSent(Exception):
    """The guest's photos cannot be emailed; the message says why."""


@dataclass(frozen=True)
class PhotosEmail:
    sent: bool
    skipped_reason: str
    photo_count: int
    zip_bytes: int
    recipient: str
    message_id: str = ""  # SES's id of the email sent ("" with the console and test backends)


def guest_photos_send(
    *, booking: Booking, dry_run: bool = False, now: datetime | None = None, headers: dict[str, str] | None = None
) -> PhotosEmail:
    """Zip the photos guests uploaded for ``booking`` and email them to the guest, after the charter.

    Raises ``PhotosNotSent`` when it must not send (charter not over, zip too
    large for a mailbox, storage unreachable); returns ``skipped_reason`` when
    there is nothing to do (no guest email, no photos). Messaging sends it when the upload
    window closes (``headers`` tie the email to its message); ``send_guest_photos`` resends it.
    """
    now = now or timezone.now()
    tenant = booking.tenant
    if booking.is_cancelled:
        raise PhotosNotSent(f"Booking {booking.pk} is cancelled.")
    if now < booking.end:
        raise PhotosNotSent(
            f"The charter ends on {date_label(booking.local_end())} at {time_label(booking.local_end())}; send the photos after it."
        )
    if not booking.guest_email:
        return PhotosEmail(False, f"booking {booking.pk} ({booking.guest_name}) has no guest email", 0, 0, "")
    try:
        present = uploads.list_objects(bucket=tenant.s3_bucket, prefix=f"photos/{booking.pk}/")
    except uploads.StorageUnavailable as exc:
        raise PhotosNotSent(f"Could not list the photos in bucket {tenant.s3_bucket}: {exc}") from exc
    photos = [p for p in PhotoUpload.objects.filter(booking=booking).order_by("created_at", "id") if p.key in present]
    if not photos:
        return PhotosEmail(False, f"no photos were uploaded for booking {booking.pk}", 0, 0, booking.guest_email)
    total = sum(present[p.key] for p in photos)
    limit = settings.GUEST_PHOTOS_EMAIL_MAX_BYTES
    if total > limit:
        raise PhotosNotSent(
            f"{len(photos)} photos make {total} bytes, over GUEST_PHOTOS_EMAIL_MAX_BYTES ({limit}); too large to email."
        )
    if dry_run:
        return PhotosEmail(False, "dry run", len(photos), total, booking.guest_email)

    buffer = io.BytesIO()
    # Photos are already compressed: storing them is as small and much faster.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, photo in enumerate(photos, start=1):
            member = io.BytesIO()
            try:
                uploads.download(bucket=tenant.s3_bucket, key=photo.key, into=member)
            except uploads.StorageUnavailable as exc:
                raise PhotosNotSent(f"Could not download {photo.key}: {exc}") from exc
            archive.writestr(f"photo-{number:03d}.{photo.key.rsplit('.', 1)[-1]}", member.getvalue())
    data = buffer.getvalue()
    local_day = booking.local_start()
    first_name = (booking.guest_name.split() or [""])[0]
    message = EmailMessage(
        subject=f"Your photos from {booking.boat.name}, {dateformat.format(local_day, 'F j')}",
        body=(
            f"Hi {first_name},\n\nThank you for sailing with {tenant.name}. "
            f"Attached are the {len(photos)} photos shared from your charter on "
            f"{dateformat.format(local_day, 'l, F j, Y')}.\n\n{tenant.name}\n"
        ),
        from_email=f"{tenant.name} <{tenant.sender_email}>",
        to=[booking.guest_email],
        reply_to=[tenant.reply_to_email] if tenant.reply_to_email else None,
        headers=headers or {},
    )
    message.attach(f"{slugify(tenant.name)}-photos-{local_day:%Y-%m-%d}.zip", data, "application/zip")
    message.send(fail_silently=False)
    status = getattr(message, "anymail_status", None)
    message_id = (status.message_id if status is not None and status.message_id else "") or ""
    return PhotosEmail(True, "", len(photos), len(data), booking.guest_email, message_id)
