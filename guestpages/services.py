"""Rendering and publishing guest pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from bookings.models import Booking
from guestpages import uploads
from guestpages.models import GuestPage, PhotoUpload, slug_for
from guestpages.passengers import waiver_current
from guestpages.publishing import content_hash, publisher_for
from guestpages.signals_out import guest_page_published
from outbox.errors import PermanentError
from outbox.models import Effect
from outbox.services import effect_schedule

logger = logging.getLogger(__name__)

# CloudFront accepts up to 3,000 paths in progress per distribution; stay well under.
INVALIDATION_BATCH_PATHS = 1000


def guest_page_ensure(*, booking: Booking) -> GuestPage:
    """The booking's guest page; its slug is chosen once and never changes."""
    page = GuestPage.objects.filter(booking=booking).first()
    if page is not None:
        return page
    for _ in range(5):
        try:
            with transaction.atomic():
                return GuestPage.objects.create(booking=booking, slug=slug_for(booking))
        except IntegrityError:
            existing = GuestPage.objects.filter(booking=booking).first()
            if existing is not None:
                return existing
    raise RuntimeError("could not find a free guest-page slug")


def guest_page_schedule_publish(*, booking: Booking, reason: str) -> Effect:
    page = guest_page_ensure(booking=booking)
    return effect_schedule(
        kind=Effect.Kind.PUBLISH_GUEST_PAGE, target_id=page.booking_id, booking_id=booking.pk, reason=reason
    )


def guest_page_context(page: GuestPage) -> dict:
    booking = page.booking
    tenant = booking.tenant
    start = timezone.localtime(booking.start, tenant.zone)
    end = timezone.localtime(booking.end, tenant.zone)
    # In UTC: two datetimes sharing one zone subtract as wall-clock times, wrong across DST.
    minutes = int((booking.end.astimezone(UTC) - booking.start.astimezone(UTC)).total_seconds() // 60)
    first_name = (booking.guest_name.split() or [""])[0]
    upload_url = f"{settings.CHARTEROPS_BASE_URL}/g/{page.slug}/uploads"
    waiver = waiver_current(tenant)
    return {
        "page": page,
        "tenant": tenant,
        "boat": booking.boat,
        "first_name": first_name,
        "start": start,
        "end": end,
        "ends_next_day": end.date() != start.date(),
        "duration_hours": minutes // 60,
        "duration_minutes": minutes % 60,
        "meeting_point": booking.effective_meeting_point,
        "guest_notes": booking.guest_notes,
        "party_size": booking.party_size,
        "cancelled": booking.is_cancelled,
        "upload_url_json": json.dumps(upload_url),
        # Who's coming: the brand's waiver as of publishing (a new version republishes upcoming pages).
        "waiver": waiver,
        "passenger_rows": range(1, booking.party_size + 1),
        "passengers_url_json": json.dumps(f"{settings.CHARTEROPS_BASE_URL}/g/{page.slug}/passengers"),
        "waiver_version_json": json.dumps(waiver.version if waiver else None),
    }


def guest_page_render(page: GuestPage) -> bytes:
    """The page as static HTML. Deterministic: the same booking renders the same bytes."""
    template = "guestpages/cancelled.html" if page.booking.is_cancelled else "guestpages/guest_page.html"
    with timezone.override(page.booking.tenant.zone):  # the boat's local time, whatever the server's zone
        return render_to_string(template, guest_page_context(page)).encode("utf-8")


@dataclass(frozen=True)
class PublishResult:
    uploaded: bool
    invalidation_id: str
    sha256: str


def _load(booking_id: int) -> GuestPage:
    page = GuestPage.objects.select_related("booking__tenant", "booking__boat").filter(booking_id=booking_id).first()
    if page is None:
        raise PermanentError(f"No guest page for booking {booking_id}.")
    return page


def _render_if_changed(page: GuestPage) -> tuple[bytes | None, str]:
    """The page's HTML and hash; HTML is None when the bucket already has this content."""
    html = guest_page_render(page)
    sha = content_hash(html)
    return (None if page.published_hash == sha else html), sha


def _put_once(page: GuestPage, html: bytes, sha: str, *, maybe_there: bool) -> bool:
    """Upload, unless an earlier interrupted run (``maybe_there``: it recorded this hash as pending) did."""
    publisher = publisher_for(page.booking.tenant)
    if maybe_there and publisher.current_hash(page.key) == sha:
        return False
    publisher.put(page.key, html, sha)
    return True


def guest_page_upload(page: GuestPage) -> tuple[bool, str]:
    """Put the page in the bucket if its content changed. Returns (uploaded, sha256).

    Safe to repeat: unchanged content uploads nothing; the intent to upload is
    committed first (``pending_hash``), so after a crash between the upload and
    the bookkeeping the bucket's own hash says the page is already there.
    """
    html, sha = _render_if_changed(page)
    if html is None:
        return False, sha
    maybe_there = page.pending_hash == sha
    if not maybe_there:
        GuestPage.objects.filter(pk=page.pk).update(pending_hash=sha)
    uploaded = _put_once(page, html, sha, maybe_there=maybe_there)
    now = timezone.now()
    GuestPage.objects.filter(pk=page.pk).update(published_hash=sha, pending_hash="", published_at=now)
    page.published_hash, page.pending_hash, page.published_at = sha, "", now
    return uploaded, sha


def caller_reference(page: GuestPage, sha: str) -> str:
    """Same page, same content: same reference, so CloudFront treats a repeat as the same request."""
    return f"guestpage-{page.pk}-{sha[:32]}"


def guest_page_publish(*, booking_id: int) -> PublishResult:
    """Publish one booking's guest page and invalidate its two public paths once per change."""
    page = _load(booking_id)
    uploaded, sha = guest_page_upload(page)
    invalidation_id = ""
    if page.invalidated_hash != sha:
        invalidation_id = publisher_for(page.booking.tenant).invalidate(page.public_paths, caller_reference(page, sha))
        GuestPage.objects.filter(pk=page.pk).update(invalidated_hash=sha, invalidation_id=invalidation_id)
    return PublishResult(uploaded=uploaded, invalidation_id=invalidation_id, sha256=sha)


def guest_page_publish_effect(effect: Effect) -> str:
    """Outbox handler; the provider id it records is the CloudFront invalidation id.

    Once the page is in the bucket and its paths invalidated, ``guest_page_published``
    tells the apps above (messaging sends the guest their confirmation: the link works now).
    """
    result = guest_page_publish(booking_id=effect.target_id)
    guest_page_published.send(sender=GuestPage, booking_id=effect.target_id)
    return result.invalidation_id or ("uploaded" if result.uploaded else "unchanged")


def guest_pages_publish_many(*, pages: Iterable[GuestPage], chunk_size: int = 200) -> dict[str, int]:
    """Publish many pages, then invalidate in batches of up to 1,000 paths per distribution.

    The same guarantees as :func:`guest_page_upload`, with the bookkeeping written
    once per chunk of pages instead of twice per page.
    """
    counts = {"pages": 0, "uploaded": 0, "unchanged": 0, "invalidation_requests": 0}
    to_invalidate: dict[int, tuple[object, list[tuple[GuestPage, str]]]] = {}
    for chunk in _chunks(pages, chunk_size):
        changed: list[tuple[GuestPage, bytes, str]] = []
        for page in chunk:
            counts["pages"] += 1
            html, sha = _render_if_changed(page)
            if html is not None:
                changed.append((page, html, sha))
            if page.invalidated_hash != sha:
                tenant = page.booking.tenant
                to_invalidate.setdefault(tenant.pk, (tenant, []))[1].append((page, sha))
        counts["unchanged"] += len(chunk) - len(changed)
        interrupted = {page.pk for page, _, sha in changed if page.pending_hash == sha}
        for page, _, sha in changed:
            page.pending_hash = sha
        with transaction.atomic():
            GuestPage.objects.bulk_update([p for p, _, _ in changed if p.pk not in interrupted], ["pending_hash"])
        now = timezone.now()
        done: list[GuestPage] = []
        try:
            for page, html, sha in changed:
                counts["uploaded"] += 1 if _put_once(page, html, sha, maybe_there=page.pk in interrupted) else 0
                page.published_hash, page.pending_hash, page.published_at = sha, "", now
                done.append(page)
        finally:
            with transaction.atomic():
                GuestPage.objects.bulk_update(done, ["published_hash", "pending_hash", "published_at"])
    per_batch = INVALIDATION_BATCH_PATHS // 2
    for tenant, items in to_invalidate.values():
        publisher = publisher_for(tenant)
        for i in range(0, len(items), per_batch):
            batch = items[i : i + per_batch]
            paths = [p for page, _ in batch for p in page.public_paths]
            reference = "batch-" + content_hash("".join(f"{page.pk}:{sha};" for page, sha in batch).encode())[:32]
            invalidation_id = publisher.invalidate(paths, reference)
            counts["invalidation_requests"] += 1 if invalidation_id else 0
            for page, sha in batch:
                page.invalidated_hash, page.invalidation_id = sha, invalidation_id
            with transaction.atomic():
                GuestPage.objects.bulk_update([p for p, _ in batch], ["invalidated_hash", "invalidation_id"])
    return counts


def _chunks(items: Iterable[GuestPage], size: int):
    chunk: list[GuestPage] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- Guest photo uploads -------------------------------------------------------
# (Added with the guest pages issue; the publish functions above are unchanged.)

# Content-Type -> extension of the key. Only these; the policy pins the exact one granted.
PHOTO_CONTENT_TYPES: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/heic": "heic",
    "image/webp": "webp",
}
CONSENT_MAX_CHARS = 1000
# S3 caps user metadata at 2 KB per object (keys and values together).
CONSENT_METADATA_MAX_BYTES = 1800


@dataclass(frozen=True)
class UploadWindow:
    """When a booking's guests may upload, as aware datetimes in the boat's zone."""

    opens: datetime
    closes: datetime

    def contains(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes


class UploadRefused(Exception):
    """A grant the server will not give; ``reason`` is shown to the guest as is."""

    def __init__(self, *, status: int, code: str, reason: str, extra: dict | None = None):
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason
        self.extra = extra or {}


@dataclass(frozen=True)
class UploadGrant:
    upload: PhotoUpload
    url: str
    fields: dict[str, str]


def upload_window(booking: Booking) -> UploadWindow:
    """From the charter's start until ``upload_window_hours_after_end`` hours after its end.

    The hours are added to the end's wall-clock time in the boat's zone (aware
    ``datetime + timedelta`` keeps the zone): a charter ending at 8 PM closes
    for uploads at 8 PM the next day, even across a DST change.
    """
    zone = booking.tenant.zone
    opens = timezone.localtime(booking.start, zone)
    closes_wall = timezone.localtime(booking.end, zone) + timedelta(hours=booking.tenant.upload_window_hours_after_end)
    # Normalise through UTC so the offset is right on the new side of a DST change.
    closes = closes_wall.astimezone(UTC).astimezone(zone)
    return UploadWindow(opens=opens, closes=closes)


def date_label(moment: datetime) -> str:
    """ "Saturday, December 5, 2026", as guests read a date (pass a local time)."""
    return dateformat.format(moment, "l, F j, Y")


def time_label(moment: datetime) -> str:
    return dateformat.format(moment, "g:i A T")


def photo_consent_metadata(consent: str) -> str:
    """The consent text as an S3 metadata value: printable ASCII as is, anything else percent-encoded."""
    return quote(consent, safe="".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%"))


def client_ip_hash(ip: str) -> str:
    """Enough to tell uploads from one device apart, without storing the address."""
    if not ip:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


def photo_upload_grant(
    *,
    page: GuestPage,
    filename: str,
    content_type: str,
    size: int,
    consent: str,
    client_ip: str = "",
    now: datetime | None = None,
) -> UploadGrant:
    """Record an upload grant and presign the POST for it, or raise ``UploadRefused``.

    The per-booking cap is counted with the guest page row locked, so two
    phones asking at once cannot both take the last grant.
    """
    booking = page.booking
    tenant = booking.tenant
    if booking.is_cancelled:
        raise UploadRefused(status=404, code="not_found", reason="This guest page does not exist.")
    if content_type not in PHOTO_CONTENT_TYPES:
        raise UploadRefused(
            status=400,
            code="invalid",
            reason="Send a JPEG, PNG, HEIC or WebP photo.",
            extra={"errors": {"content_type": ["Only image/jpeg, image/png, image/heic and image/webp."]}},
        )
    max_bytes = settings.GUEST_UPLOAD_MAX_BYTES
    if not 1 <= size <= max_bytes:
        raise UploadRefused(
            status=400,
            code="invalid",
            reason=f"Photos can be up to {max_bytes // (1024 * 1024)} MB.",
            extra={"errors": {"size": [f"Between 1 and {max_bytes} bytes."]}},
        )
    consent = " ".join(consent.split())  # one line: it travels as an HTTP header value
    metadata = photo_consent_metadata(consent)
    if not consent or len(consent) > CONSENT_MAX_CHARS or len(metadata) > CONSENT_METADATA_MAX_BYTES:
        raise UploadRefused(
            status=400,
            code="invalid",
            reason="Please accept the photo consent.",
            extra={"errors": {"consent": [f"Required, at most {CONSENT_MAX_CHARS} characters."]}},
        )

    now = now or timezone.now()
    window = upload_window(booking)
    if now < window.opens:
        raise UploadRefused(
            status=403,
            code="not_open",
            reason=f"Uploads open at {time_label(window.opens)} on {date_label(window.opens)}.",
            extra={"opens_at": window.opens.isoformat(), "closes_at": window.closes.isoformat()},
        )
    expires_at = min(now + timedelta(seconds=settings.GUEST_UPLOAD_GRANT_TTL_SECONDS), window.closes)
    expires_in = int((expires_at - now).total_seconds())  # floor: the policy never outlives the window
    if now >= window.closes or expires_in < 1:
        raise UploadRefused(
            status=403,
            code="closed",
            reason=f"Uploads closed on {date_label(window.closes)} at {time_label(window.closes)}.",
            extra={"opens_at": window.opens.isoformat(), "closes_at": window.closes.isoformat()},
        )

    ext = PHOTO_CONTENT_TYPES[content_type]
    key = f"photos/{booking.pk}/{uuid.uuid4().hex}.{ext}"
    with transaction.atomic():
        GuestPage.objects.select_for_update().filter(pk=page.pk).first()
        used = PhotoUpload.objects.filter(booking_id=booking.pk).count()
        if used >= settings.GUEST_UPLOAD_MAX_GRANTS:
            raise UploadRefused(
                status=403,
                code="limit_reached",
                reason="This charter has reached its photo limit. Thank you for sharing so many!",
            )
        post = uploads.presign_post(
            bucket=tenant.s3_bucket,
            key=key,
            content_type=content_type,
            max_bytes=max_bytes,
            consent=metadata,
            expires_in=expires_in,
        )
        upload = PhotoUpload.objects.create(
            booking=booking,
            key=key,
            content_type=content_type,
            declared_size=size,
            original_filename=filename[:255],
            consent=consent,
            ip_hash=client_ip_hash(client_ip),
            expires_at=now + timedelta(seconds=expires_in),
        )
    return UploadGrant(upload=upload, url=post.url, fields=post.fields)
