"""Rendering and publishing guest pages."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from bookings.models import Booking
from guestpages.models import GuestPage, slug_for
from guestpages.publishing import content_hash, publisher_for
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
    minutes = int((booking.end - booking.start).total_seconds() // 60)
    first_name = (booking.guest_name.split() or [""])[0]
    upload_url = f"{settings.CHARTEROPS_BASE_URL}/g/{page.slug}/uploads"
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
    """Outbox handler; the provider id it records is the CloudFront invalidation id."""
    result = guest_page_publish(booking_id=effect.target_id)
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
