"""A booking's guest page: its private slug and what has been published."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.text import slugify

SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG_MAX_LENGTH = 100
_RANDOM_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: readable over the phone


def random_part(length: int = 8) -> str:
    """About 40 bits: guessing a date and boat does not find someone else's page."""
    return "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(length))


def slug_for(booking) -> str:
    """``<source>-<mon>-<day>-<boat>-<8 random chars>``: readable, and not guessable from the booking."""
    local = booking.local_start()
    words = [booking.source, local.strftime("%b").lower(), str(local.day), slugify(booking.boat.name)]
    readable = "-".join(w for w in (slugify(x) for x in words) if w)[: SLUG_MAX_LENGTH - 9]
    return f"{readable.strip('-')}-{random_part()}"


class GuestPage(models.Model):
    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE, related_name="guest_page")
    slug = models.CharField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        editable=False,
        validators=[RegexValidator(rf"^{SLUG_PATTERN}\Z")],  # \Z: "$" would accept a trailing newline
    )
    # sha256 of the HTML in the bucket, of the HTML being uploaded, and of the last invalidated HTML.
    published_hash = models.CharField(max_length=64, blank=True, editable=False)
    pending_hash = models.CharField(max_length=64, blank=True, editable=False)
    invalidated_hash = models.CharField(max_length=64, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    invalidation_id = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.slug

    @property
    def key(self) -> str:
        """The object key: flat at the bucket root."""
        return f"{self.slug}.html"

    @property
    def public_paths(self) -> list[str]:
        return [f"/g/{self.slug}", f"/g/{self.slug}.html"]

    @property
    def public_url(self) -> str:
        if settings.GUESTPAGES_BACKEND == "s3":
            return f"https://{self.booking.tenant.guest_domain}/g/{self.slug}"
        return f"{settings.CHARTEROPS_BASE_URL}/g/{self.slug}"


class PhotoUpload(models.Model):
    """One upload grant a guest asked for: the key the server chose and the consent they accepted.

    A row means a presigned POST was handed out, not that a file arrived; the
    bucket listing says which keys exist.
    """

    booking = models.ForeignKey("bookings.Booking", on_delete=models.CASCADE, related_name="photo_uploads")
    key = models.CharField(max_length=255, unique=True, editable=False)
    content_type = models.CharField(max_length=40, editable=False)
    declared_size = models.PositiveBigIntegerField(editable=False, help_text="Size the browser declared, in bytes.")
    original_filename = models.CharField(max_length=255, blank=True, editable=False)
    consent = models.TextField("consent text accepted", editable=False)
    ip_hash = models.CharField(
        max_length=64, blank=True, editable=False, help_text="Keyed hash of the client address (not the address)."
    )
    expires_at = models.DateTimeField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["booking", "created_at"])]

    def __str__(self) -> str:
        return self.key
