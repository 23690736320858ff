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


# --- Who's coming: the passenger list and the brand's waiver ------------------------------------


class Waiver(models.Model):
    """One version of a brand's waiver text. Never edited once saved: a new text is a new version,
    so every acceptance points at the exact words the guest read."""

    tenant = models.ForeignKey(
        "bookings.Tenant", on_delete=models.PROTECT, related_name="waivers", verbose_name="brand"
    )
    version = models.PositiveIntegerField(editable=False)
    text = models.TextField(help_text="Shown on the guest page; each adult guest accepts it by typing their name.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant", "-version"]
        constraints = [models.UniqueConstraint(fields=["tenant", "version"], name="waiver_unique_version")]

    def __str__(self) -> str:
        return f"{self.tenant} waiver v{self.version}"


class PassengerList(models.Model):
    """What the lead guest gave on the guest page: the emergency contact; the names are ``passengers``."""

    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE, related_name="passenger_list")
    emergency_name = models.CharField("emergency contact", max_length=120)
    emergency_phone = models.CharField("emergency contact phone", max_length=40)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"passengers of booking {self.booking_id}"


class Passenger(models.Model):
    """One name on a passenger list; an adult's waiver acceptance is kept with the name."""

    passenger_list = models.ForeignKey(PassengerList, on_delete=models.CASCADE, related_name="passengers")
    position = models.PositiveSmallIntegerField()
    full_name = models.CharField(max_length=120)
    is_adult = models.BooleanField(default=True)
    waiver = models.ForeignKey(Waiver, on_delete=models.PROTECT, null=True, blank=True, related_name="acceptances")
    accepted_name = models.CharField("typed full name", max_length=120, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ip_hash = models.CharField(
        max_length=64, blank=True, help_text="Keyed hash of the client address (not the address)."
    )

    class Meta:
        ordering = ["passenger_list", "position"]
        constraints = [models.UniqueConstraint(fields=["passenger_list", "position"], name="passenger_unique_position")]

    def __str__(self) -> str:
        return self.full_name
