"""Every message charterops sends a guest (and the texts it sends crew), and the addresses it must not use."""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class Message(models.Model):
    """One message to one recipient on one channel. Its outbox effect sends it once (same key)."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Confirmation"
        REMINDER = "reminder", "Reminder"
        CHANGE = "change", "Change notice"
        CANCELLATION = "cancellation", "Cancellation notice"
        WEATHER_OWED = "weather_owed", "Weather-owed notice"
        THANK_YOU = "thank_you", "Thank-you"
        PHOTOS = "photos", "Photos"
        # Crew get their invitation email from crew's own effect; this is its text message.
        CREW_INVITATION = "crew_invitation", "Crew invitation"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        DELAYED = "delayed", "Delayed (quiet hours)"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    booking = models.ForeignKey("bookings.Booking", on_delete=models.CASCADE, related_name="messages")
    assignment = models.ForeignKey(
        "crew.Assignment", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254, help_text="Email address, or mobile number in E.164.")
    # booking, kind, channel and, for a reminder, its moment: the same key is one message, ever.
    key = models.CharField(max_length=200, unique=True)
    scheduled_for = models.DateTimeField(
        null=True, blank=True, help_text="A reminder's moment: it is sent from then until 30 minutes after."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    detail = models.CharField(max_length=255, blank=True, help_text="Why it was skipped, failed or bounced.")
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    effect = models.OneToOneField(
        "outbox.Effect", on_delete=models.SET_NULL, null=True, blank=True, related_name="message"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["booking", "kind"], name="message_booking_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_channel_display().lower()} to {self.recipient}"


class Suppression(models.Model):
    """An address or number not to use: a hard bounce, a complaint, or a number opted out of texts."""

    class Reason(models.TextChoices):
        BOUNCE = "bounce", "Hard bounce"
        COMPLAINT = "complaint", "Complaint (marked as spam)"
        OPTED_OUT = "opted_out", "Opted out of text messages"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Email addresses lowercased; numbers in E.164.
    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "undeliverable address"
        verbose_name_plural = "undeliverable addresses"
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="suppression_one_per_address"),
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.get_reason_display()}"
