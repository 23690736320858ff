"""Tenants (brands), their boats, bookings and the internal operations calendar."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from bookings.constraints import PostgresOnlyExclusionConstraint, TsTzRange
from charterops.audit import AuditActor
from charterops.phones import phone_e164_or_none, validate_phone_number

MONEY = {"max_digits": 10, "decimal_places": 2}
ZERO = Decimal("0.00")


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"“{value}” is not an IANA time zone (e.g. America/Los_Angeles).") from exc


def parse_reminder_offsets(value: str) -> list[int]:
    """ "48,2" -> [48, 2]: hours before the start, largest first."""
    hours = sorted({int(part) for part in value.replace(" ", "").split(",") if part}, reverse=True)
    return hours


def validate_reminder_offsets(value: str) -> None:
    try:
        hours = parse_reminder_offsets(value)
    except ValueError as exc:
        raise ValidationError("Give whole hours separated by commas, e.g. 48,2.") from exc
    if any(h < 1 or h > 24 * 30 for h in hours):
        raise ValidationError("Each reminder is between 1 and 720 hours before the start.")
    if len(hours) > 5:
        raise ValidationError("At most 5 reminders.")


class Tenant(models.Model):
    """A yacht brand: its own public domain, bucket, CDN and email sender."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    guest_domain = models.CharField(
        "guest-site domain",
        max_length=253,
        help_text="Public domain guests open, e.g. queenofsandiego.com (no scheme).",
        validators=[
            RegexValidator(
                r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
                "Enter a bare lowercase domain such as queenofsandiego.com.",
            )
        ],
    )
    s3_bucket = models.CharField("S3 bucket", max_length=63, help_text="Bucket that holds the guest pages.")
    cloudfront_distribution_id = models.CharField("CloudFront distribution id", max_length=32, blank=True)
    sender_email = models.EmailField(help_text="From address for crew and guest email (verified in SES).")
    timezone = models.CharField(
        "time zone",
        max_length=64,
        default="America/Los_Angeles",
        validators=[validate_timezone],
        help_text="IANA zone; bookings are entered and shown in it.",
    )
    upload_window_hours_after_end = models.PositiveSmallIntegerField(
        default=24, help_text="Guests may upload photos from the start until this many hours after the end."
    )
    # --- How guest messages look and when reminders go (messaging app) ---
    reply_to_email = models.EmailField(
        "reply-to address", blank=True, help_text="Where guests' replies go. Blank: the sender address."
    )
    logo_url = models.URLField(
        "logo URL", blank=True, help_text="An https address of the logo shown at the top of guest email."
    )
    brand_colour = models.CharField(
        "brand colour",
        max_length=7,
        default="#0b4f6c",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Give a colour as #RRGGBB.")],
        help_text="Header and button colour of guest email, as #RRGGBB.",
    )
    email_signature = models.TextField(
        blank=True, help_text="Closes every guest email, e.g. the captain's name and the office phone."
    )
    sms_sender_id = models.CharField(
        "SMS sender id",
        max_length=11,
        blank=True,
        validators=[
            RegexValidator(
                r"^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$", "1 to 11 letters and digits, at least one letter, no spaces."
            )
        ],
        help_text="Shown as the sender of texts in countries that allow it (not the US or Canada).",
    )
    reminder_offsets_hours = models.CharField(
        "reminders (hours before the start)",
        max_length=40,
        default="48,2",
        validators=[validate_reminder_offsets],
        help_text="Guests are reminded this many hours before the start, e.g. 48,2.",
    )
    what_to_bring = models.TextField(
        blank=True, help_text="Listed in every reminder, e.g. sunscreen, a light jacket, soft-soled shoes."
    )
    rebooking_instructions = models.TextField(
        blank=True, help_text="Told to guests whose charter is weather-owed: how to choose a new date."
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="tenants",
        help_text="Staff users who manage this brand. Superusers see every brand.",
    )

    class Meta:
        ordering = ["name"]
        # Staff say "brand"; the code says tenant (one operator, several brands).
        verbose_name = "brand"
        # A brand's public infrastructure is its own: sharing one would publish one brand's
        # pages into another's bucket, or invalidate another's CDN.
        constraints = [
            models.UniqueConstraint(fields=["guest_domain"], name="brand_unique_guest_domain"),
            models.UniqueConstraint(fields=["s3_bucket"], name="brand_unique_s3_bucket"),
            models.UniqueConstraint(
                fields=["cloudfront_distribution_id"],
                condition=~Q(cloudfront_distribution_id=""),
                name="brand_unique_cloudfront_distribution",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def reminder_offsets(self) -> list[int]:
        return parse_reminder_offsets(self.reminder_offsets_hours)


def new_export_token() -> str:
    return secrets.token_urlsafe(32)


class Boat(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="boats", verbose_name="brand")
    name = models.CharField(max_length=120)
    capacity = models.PositiveSmallIntegerField(
        "passenger capacity",
        validators=[MinValueValidator(1)],
        help_text="Legal limit of people aboard, crew included.",
    )
    default_meeting_point = models.CharField(max_length=255, blank=True)
    turnaround_minutes = models.PositiveSmallIntegerField(
        "turnaround (minutes)",
        default=30,
        validators=[MaxValueValidator(24 * 60)],
        help_text="Cleaning and provisioning after each charter: the boat cannot start another one sooner.",
    )
    # The secret in the boat's own iCal export URL; regenerating it revokes the old URL.
    export_token = models.CharField(max_length=64, unique=True, default=new_export_token, editable=False)

    class Meta:
        ordering = ["tenant__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="boat_unique_name_per_tenant"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="boat_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def turnaround(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.turnaround_minutes)


class Booking(models.Model):
    class Source(models.TextChoices):
        BOATSETTER = "boatsetter", "Boatsetter"
        GETMYBOAT = "getmyboat", "GetMyBoat"
        CLICKANDBOAT = "clickandboat", "Click&Boat"
        SAMBOAT = "samboat", "SamBoat"
        DIRECT = "direct", "Direct"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        WEATHER_OWED = "weather_owed", "Weather-owed"

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="bookings", verbose_name="brand")
    boat = models.ForeignKey(Boat, on_delete=models.PROTECT, related_name="bookings")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.BOATSETTER)
    external_reference = models.CharField(
        max_length=80, blank=True, help_text="The marketplace's booking id. Unique per brand and source."
    )
    guest_name = models.CharField(max_length=200)
    guest_email = models.EmailField(blank=True)
    # Stored in E.164 (+18585550142): clean() normalises what staff type; texts need that form.
    guest_phone = models.CharField(
        max_length=40,
        blank=True,
        validators=[validate_phone_number],
        help_text="A mobile number for texts. Numbers outside the US start with + and the country code.",
    )
    party_size = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    meeting_point = models.CharField(
        max_length=255, blank=True, help_text="Leave blank to use the boat's default meeting point."
    )
    gross_amount = models.DecimalField(**MONEY, validators=[MinValueValidator(ZERO)])
    platform_fee = models.DecimalField(**MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    platform_pays_captain = models.BooleanField(
        "platform pays the captain fee",
        default=False,
        help_text="When ticked, the captain's pay is not the owner's cost.",
    )
    port_tax_rate = models.DecimalField(
        "port/tax rate (%)",
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
        help_text="Percent of the gross, e.g. 18.00.",
    )
    # The end plus the boat's turnaround, in UTC: what the boat is unavailable for.
    # Kept on the row so PostgreSQL's exclusion constraint and the conflict index can use it.
    occupied_until = models.DateTimeField(editable=False)
    rebooking_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rebookings",
        help_text="The weather-owed charter this booking makes good.",
    )
    conflict_override_reason = models.TextField(
        "clash override reason",
        blank=True,
        help_text="Why this booking was saved although its boat is already taken then (a boat swap being arranged).",
    )
    internal_notes = models.TextField("staff-only notes", blank=True)
    crew_notes = models.TextField("crew-visible notes", blank=True)
    guest_notes = models.TextField("guest-visible notes", blank=True)
    # The trip log: what happened on the day, recorded by the captain (crew page) or staff (admin)
    # through bookings.services.booking_trip_record only. It never changes the money by itself.
    guests_boarded = models.PositiveSmallIntegerField(
        "guests boarded", null=True, blank=True, help_text="How many guests came aboard (crew not counted)."
    )
    no_show = models.BooleanField("no-show", default=False, help_text="The party did not come.")
    departed_at = models.DateTimeField("departed at", null=True, blank=True)
    returned_at = models.DateTimeField("returned at", null=True, blank=True)
    incident_note = models.TextField(
        blank=True, help_text="Anything that happened aboard the office should know: injury, damage, complaint."
    )
    # Names ticked off the guest's passenger list at the dock, as given there (a list of strings).
    checked_in_names = models.JSONField("names checked in", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[AuditActor])

    class Meta:
        ordering = ["-start"]
        permissions = [("override_conflict", "Can save a booking that clashes with another or with a block")]
        constraints = [
            # The last word on double bookings: two confirmed, non-overridden bookings of one
            # boat never overlap, whichever code path (or psql session) writes them.
            PostgresOnlyExclusionConstraint(
                name="booking_no_overlap_per_boat",
                expressions=[
                    ("boat", RangeOperators.EQUAL),
                    (TsTzRange("start", "occupied_until"), RangeOperators.OVERLAPS),
                ],
                condition=Q(status="confirmed", conflict_override_reason=""),
                violation_error_code="boat_taken",
                violation_error_message="The boat is already booked then.",
            ),
            models.UniqueConstraint(
                fields=["tenant", "source", "external_reference"],
                condition=~Q(external_reference=""),
                name="booking_unique_reference_per_tenant_source",
                violation_error_code="duplicate_reference",
                violation_error_message="A booking with this source and external reference already exists for this brand.",
            ),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="booking_end_after_start"),
            models.CheckConstraint(condition=Q(gross_amount__gte=0), name="booking_gross_not_negative"),
            models.CheckConstraint(condition=Q(platform_fee__gte=0), name="booking_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(port_tax_rate__gte=0) & Q(port_tax_rate__lte=100), name="booking_port_tax_rate_percent"
            ),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="booking_party_size_positive"),
            # The trip log's backstops; booking_trip_record reports each on its field first.
            models.CheckConstraint(
                condition=Q(no_show=False) | Q(guests_boarded__isnull=True) | Q(guests_boarded=0),
                name="booking_no_show_boarded_nobody",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True)
                | (Q(departed_at__isnull=False) & Q(returned_at__gt=models.F("departed_at"))),
                name="booking_returned_after_departed",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "start"]),
            # The unique constraint's index is partial; SQLite cannot use it for a plain
            # lookup by reference, which turned each import row into a table scan.
            models.Index(fields=["tenant", "source", "external_reference"], name="booking_reference_lookup"),
            # Serves the clash check: the boat's bookings that end after a given start.
            models.Index(fields=["boat", "occupied_until"], name="booking_boat_occupancy"),
            # Serve send_due_messages every 5 minutes: charters starting, or ending, near now,
            # whatever the years of bookings behind them (bench/due_messages.py).
            models.Index(fields=["start"], name="booking_start"),
            models.Index(fields=["end"], name="booking_end"),
        ]

    def __str__(self) -> str:
        ref = self.external_reference or f"#{self.pk}"
        return f"{self.guest_name} · {ref}"

    def save(self, *args, **kwargs):
        if self.end is not None and self.boat_id is not None:
            self.occupied_until = occupancy_end(self.end, self.boat.turnaround_minutes)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and {"end", "boat"} & set(update_fields):
                kwargs["update_fields"] = {*update_fields, "occupied_until"}
        super().save(*args, **kwargs)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def occupies_boat(self) -> bool:
        """Only a confirmed charter takes the boat; a weather-owed one is owed a new date, not this slot."""
        return self.status == self.Status.CONFIRMED

    @property
    def effective_meeting_point(self) -> str:
        return self.meeting_point or (self.boat.default_meeting_point if self.boat_id else "")

    def local_start(self):
        return timezone.localtime(self.start, self.tenant.zone)

    def local_end(self):
        return timezone.localtime(self.end, self.tenant.zone)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        # The field's validator reports a number that does not parse; one that does is kept as E.164.
        self.guest_phone = phone_e164_or_none(self.guest_phone) or self.guest_phone
        for field in ("start", "end"):
            value = getattr(self, field)
            if value is not None and timezone.is_naive(value):
                errors.setdefault(field, []).append(
                    "Give a time zone with this time (times without one are ambiguous)."
                )
        if self.start and self.end and not errors and self.end <= self.start:
            errors.setdefault("end", []).append("The charter must end after it starts.")
        if self.gross_amount is not None and self.platform_fee is not None and self.platform_fee > self.gross_amount:
            errors.setdefault("platform_fee", []).append("The platform fee cannot exceed the gross amount.")
        if self.boat_id and self.tenant_id and self.boat.tenant_id != self.tenant_id:
            errors.setdefault("boat", []).append("This boat belongs to another brand.")
        if self.boat_id and self.party_size:
            crew = self.assigned_crew_count()
            room = self.boat.capacity - crew
            if self.party_size > room:
                errors.setdefault("party_size", []).append(
                    f"{self.boat.name} carries {self.boat.capacity} people including crew; "
                    f"with {crew} crew assigned the party can be at most {max(room, 0)}."
                )
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None) -> None:
        """Check the unique reference, reported on its field.

        The check constraints are the database's backstop; field validators and
        :meth:`clean` already report those cases with a message on the field.
        """
        exclude = set(exclude or ())
        if {"tenant", "source", "external_reference"} & exclude or not self.external_reference:
            return
        clash = Booking.objects.filter(
            tenant_id=self.tenant_id, source=self.source, external_reference=self.external_reference
        ).exclude(pk=self.pk)
        if clash.exists():
            raise ValidationError(
                {
                    "external_reference": ValidationError(
                        "A booking with this source and external reference already exists for this brand.",
                        code="duplicate_reference",
                    )
                }
            )

    def assigned_crew_count(self) -> int:
        """Crew who count against the boat's legal limit (everyone not declined)."""
        if not self.pk:
            return 0
        from crew.models import Assignment

        return Assignment.objects.filter(event__booking_id=self.pk).exclude(status=Assignment.Status.DECLINED).count()


def occupancy_end(end: dt.datetime, turnaround_minutes: int) -> dt.datetime:
    """``end`` plus the turnaround in elapsed time (UTC), so a daylight-saving night counts real minutes."""
    return end.astimezone(dt.UTC) + dt.timedelta(minutes=turnaround_minutes)


class CalendarEntry(models.Model):
    """The internal operations calendar. Bookings keep exactly one entry in step."""

    class Kind(models.TextChoices):
        CHARTER = "charter", "Charter"
        MAINTENANCE = "maintenance", "Maintenance"
        BLACKOUT = "blackout", "Blackout"
        # A marketplace hold: an event of a boat's marketplace feed, not yet entered as a booking.
        MARKETPLACE = "marketplace", "Marketplace hold"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CANCELLED = "cancelled", "Cancelled"

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="calendar_entries", verbose_name="brand")
    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_entry"
    )
    boat = models.ForeignKey(
        Boat,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calendar_entries",
        help_text="Maintenance or a blackout on this boat blocks it. A blackout without a boat blocks every boat.",
    )
    title = models.CharField(max_length=200)
    start = models.DateTimeField()
    end = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    conflict_override_reason = models.TextField(
        "clash override reason",
        blank=True,
        help_text="Why this block was saved although a confirmed charter is on the boat then.",
    )
    # Marketplace holds only: which feed event this is, and the booking staff entered for it.
    feed = models.ForeignKey("MarketplaceFeed", on_delete=models.PROTECT, null=True, blank=True, related_name="holds")
    external_uid = models.CharField("event UID", max_length=255, blank=True)
    recurrence_id = models.CharField(
        max_length=40, blank=True, help_text="UTC start of this occurrence of a recurring event (ISO 8601)."
    )
    external_reference = models.CharField(
        max_length=80, blank=True, help_text="The marketplace's booking id, when the event carries one."
    )
    claimed_by = models.ForeignKey(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_holds",
        help_text="The booking staff entered for this marketplace hold.",
    )
    # Bumped on every change the boat's export feed shows (iCal SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_service = models.CharField(
        max_length=80, blank=True, help_text="Name of the service that created the entry, if not a person."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[AuditActor])

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "calendar entries"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="calendar_entry_end_after_start"),
            # One hold per feed event (and occurrence): syncing twice finds the same row.
            models.UniqueConstraint(
                fields=["feed", "external_uid", "recurrence_id"],
                condition=Q(feed__isnull=False),
                name="calendar_entry_one_hold_per_feed_event",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "start"]),
            models.Index(fields=["tenant", "end"], name="entry_tenant_end"),
        ]

    def __str__(self) -> str:
        return self.title

    BLOCKING_KINDS = (Kind.MAINTENANCE, Kind.BLACKOUT)

    @property
    def is_block(self) -> bool:
        """Maintenance on a boat, or a blackout (of a boat or of the whole brand), while active."""
        if self.status != self.Status.ACTIVE or self.booking_id:
            return False
        return self.kind == self.Kind.BLACKOUT or (self.kind == self.Kind.MAINTENANCE and self.boat_id is not None)

    @property
    def created_by(self) -> str:
        if self.created_by_user_id:
            return str(self.created_by_user)
        return self.created_by_service or "—"

    def clean(self) -> None:
        if self.start and self.end:
            if timezone.is_naive(self.start) or timezone.is_naive(self.end):
                raise ValidationError("Give a time zone with start and end.")
            if self.end <= self.start:
                raise ValidationError({"end": "The entry must end after it starts."})
        if self.booking_id and self.tenant_id and self.booking.tenant_id != self.tenant_id:
            raise ValidationError({"booking": "This booking belongs to another brand."})
        if self.boat_id and self.tenant_id and self.boat.tenant_id != self.tenant_id:
            raise ValidationError({"boat": "This boat belongs to another brand."})

    def validate_constraints(self, exclude=None) -> None:
        """The check constraint is the database's backstop; :meth:`clean` reports it on the field."""


class MarketplaceFeed(models.Model):
    """A boat's calendar as one marketplace exports it (an iCal URL), and how its last sync went."""

    class Health(models.TextChoices):
        NEW = "new", "Not fetched yet"
        OK = "ok", "OK"
        FAILING = "failing", "Failing"

    boat = models.ForeignKey(Boat, on_delete=models.PROTECT, related_name="marketplace_feeds")
    source = models.CharField(max_length=20, choices=Booking.Source.choices)
    # A secret: marketplaces put a token in it. Never logged in full, never shown to crew.
    url = models.TextField("feed URL", help_text="The marketplace's iCal export URL for this boat (https).")
    active = models.BooleanField(default=True)
    health = models.CharField(max_length=10, choices=Health.choices, default=Health.NEW, editable=False)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_status = models.CharField(
        max_length=120, blank=True, editable=False, help_text="HTTP status or outcome of the last fetch."
    )
    last_error = models.TextField(blank=True, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    # Staff are emailed once per failure streak and once when it ends.
    failure_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    etag = models.CharField(max_length=255, blank=True, editable=False)
    last_modified = models.CharField(max_length=64, blank=True, editable=False)
    events_seen = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["boat__tenant__name", "boat__name", "source"]
        verbose_name = "marketplace feed"
        constraints = [
            models.UniqueConstraint(fields=["boat", "source"], name="marketplace_feed_one_per_boat_and_source"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} feed of {self.boat}"

    @property
    def tenant(self) -> Tenant:
        return self.boat.tenant
