"""Crew members, the crew event of each booking, assignments and checklists."""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from bookings.models import MONEY, ZERO, Boat, Booking, Tenant
from charterops.audit import AuditActor
from charterops.phones import phone_e164_or_none, validate_phone_number
from crew.storage import CredentialScanStorage


class CredentialKind(models.Model):
    """A kind of licence or certificate: USCG license, medical certificate, CPR/first aid..."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A job aboard. The role with slug ``captain`` is paid as the captain fee."""

    CAPTAIN = "captain"

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    required_credential_kinds = models.ManyToManyField(
        CredentialKind,
        blank=True,
        related_name="required_by_roles",
        verbose_name="required credentials",
        help_text="Crew in this role need each of these, valid on the charter's date.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_captain(self) -> bool:
        return self.slug == self.CAPTAIN


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CrewMember(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)
    # Stored in E.164 (+16195550100): clean() normalises what staff type; texts need that form.
    phone = models.CharField(
        max_length=40,
        blank=True,
        validators=[validate_phone_number],
        help_text="Mobile number. Numbers outside the US start with + and the country code.",
    )
    sms_opt_in = models.BooleanField(
        "text me invitations",
        default=False,
        help_text="Also send invitations and changes to the mobile number by text message.",
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="crew_members")
    default_hourly_rate = models.DecimalField(**MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    active = models.BooleanField(default=True)
    tenants = models.ManyToManyField(
        Tenant, related_name="crew_members", verbose_name="brands", help_text="Brands this person works for."
    )
    # Secret part of the private iCal feed URL; replace it to cut off a leaked feed.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The field's validator reports a number that does not parse; one that does is kept as E.164.
        self.phone = phone_e164_or_none(self.phone) or self.phone


class CrewIdentityChange(models.Model):
    """A crew member's email or phone was changed: who did it, and the address told about it.

    The old address is kept here because the outbox handler that tells it runs after
    the change, when the crew member row holds only the new one.
    """

    crew_member = models.ForeignKey(CrewMember, on_delete=models.CASCADE, related_name="identity_changes")
    changed_fields = models.CharField(max_length=40, help_text="email, phone or both.")
    old_email = models.EmailField()
    new_email = models.EmailField()
    changed_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "crew identity change"

    def __str__(self) -> str:
        return f"{self.crew_member}: {self.changed_fields} changed"


class CrewEvent(models.Model):
    """The crew's side of one booking: briefing, logistics and who is aboard."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="crew_event")
    weather_briefing = models.TextField(blank=True)
    logistics = models.TextField(blank=True, help_text="Parking, provisioning, fuel: what crew need to know.")
    gate_code = models.CharField(
        max_length=60, blank=True, help_text="Shown to crew only from 24 hours before the start until the end."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[AuditActor])

    class Meta:
        ordering = ["-booking__start"]

    def __str__(self) -> str:
        return f"Crew for {self.booking}"


class Assignment(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    event = models.ForeignKey(CrewEvent, on_delete=models.CASCADE, related_name="assignments")
    crew_member = models.ForeignKey(CrewMember, on_delete=models.PROTECT, related_name="assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    hourly_rate = models.DecimalField(**MONEY, validators=[MinValueValidator(ZERO)])
    paid_hours = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("72"))]
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVITED)
    decline_reason = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # Bumped to revoke every magic link issued for this assignment so far.
    link_version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[AuditActor])

    class Meta:
        ordering = ["event", "role__name", "crew_member__name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "crew_member"], name="assignment_unique_crew_per_event"),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="assignment_rate_not_negative"),
            models.CheckConstraint(condition=Q(paid_hours__gte=0), name="assignment_hours_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.crew_member} as {self.role}"


class ChecklistTemplate(models.Model):
    boat = models.OneToOneField(Boat, on_delete=models.CASCADE, related_name="checklist_template")
    name = models.CharField(max_length=120, default="Pre-departure checklist")

    class Meta:
        ordering = ["boat__name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.boat})"


class ChecklistTemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=255)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class ChecklistItem(models.Model):
    """One line of an event's checklist, copied from the boat's template."""

    event = models.ForeignKey(CrewEvent, on_delete=models.CASCADE, related_name="checklist_items")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=255)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(CrewMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class TimeOff(models.Model):
    """A crew member is away: no assignment may overlap it."""

    crew_member = models.ForeignKey(CrewMember, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True, help_text="Only staff and the crew member see this.")
    entered_by = models.CharField(max_length=120, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[AuditActor])

    class Meta:
        ordering = ["start"]
        verbose_name = "time off"
        verbose_name_plural = "time off"
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="time_off_end_after_start")]
        indexes = [models.Index(fields=["crew_member", "end"], name="time_off_member_end")]

    def __str__(self) -> str:
        return f"{self.crew_member} away"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "Time off must end after it starts."})

    def validate_constraints(self, exclude=None) -> None:
        """The check constraint is the database's backstop; :meth:`clean` reports it on the field."""


SCAN_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "heic", "webp"]
SCAN_MAX_BYTES = 10 * 1024 * 1024


def credential_scan_path(instance: Credential, filename: str) -> str:
    # A random name: the scan's key says nothing about whose licence it is.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"credentials/{uuid.uuid4().hex}{suffix}"


def validate_scan_size(file) -> None:
    if file.size > SCAN_MAX_BYTES:
        raise ValidationError(
            f"The scan is {file.size // 1024 // 1024} MB; keep it under {SCAN_MAX_BYTES // 1024 // 1024} MB."
        )


class Credential(models.Model):
    """A licence or certificate a crew member holds. The scan is private (never a public URL)."""

    crew_member = models.ForeignKey(CrewMember, on_delete=models.CASCADE, related_name="credentials")
    kind = models.ForeignKey(CredentialKind, on_delete=models.PROTECT, related_name="credentials")
    number = models.CharField(max_length=80, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Leave blank if it does not expire.")
    scan = models.FileField(
        storage=CredentialScanStorage(),
        upload_to=credential_scan_path,
        blank=True,
        max_length=200,
        validators=[FileExtensionValidator(SCAN_EXTENSIONS), validate_scan_size],
        help_text="PDF or photo, up to 10 MB. Stored privately; staff download it from this page.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[AuditActor])

    class Meta:
        ordering = ["crew_member__name", "kind__name", "-expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gte=models.F("issued_on")),
                name="credential_expires_after_issue",
            )
        ]
        indexes = [models.Index(fields=["expires_on"], name="credential_expires_on")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.crew_member}"

    def clean(self) -> None:
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise ValidationError({"expires_on": "It cannot expire before it was issued."})

    def validate_constraints(self, exclude=None) -> None:
        """The check constraint is the database's backstop; :meth:`clean` reports it on the field."""

    def valid_between(self, first_day, last_day) -> bool:
        """Valid on every day from ``first_day`` to ``last_day`` (local dates of a charter)."""
        return (self.issued_on is None or self.issued_on <= first_day) and (
            self.expires_on is None or self.expires_on >= last_day
        )


class CredentialExpiryNotice(models.Model):
    """Staff were told (through the outbox) that a credential expires within ``threshold_days``.

    The unique row is the send's key: two schedulers running at once, or one
    running twice, tell staff once per credential, expiry date and threshold.
    """

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="expiry_notices")
    expires_on = models.DateField()
    threshold_days = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "expires_on", "threshold_days"], name="credential_expiry_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.credential} expires {self.expires_on} (told {self.threshold_days} days ahead)"
