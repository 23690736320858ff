"""Crew members, the crew event of each booking, assignments and checklists."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from bookings.models import MONEY, ZERO, Boat, Booking, Tenant
from charterops.audit import AuditActor


class Role(models.Model):
    """A job aboard. The role with slug ``captain`` is paid as the captain fee."""

    CAPTAIN = "captain"

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

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
    phone = models.CharField(max_length=40, blank=True)
    roles = models.ManyToManyField(Role, blank=True, related_name="crew_members")
    default_hourly_rate = models.DecimalField(**MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    active = models.BooleanField(default=True)
    tenants = models.ManyToManyField(Tenant, related_name="crew_members", help_text="Brands this person works for.")
    # Secret part of the private iCal feed URL; replace it to cut off a leaked feed.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
