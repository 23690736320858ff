"""The outbox: every side effect a change needs, recorded in the same transaction as the change."""

from __future__ import annotations

from django.db import models


class Effect(models.Model):
    class Kind(models.TextChoices):
        PUBLISH_GUEST_PAGE = "publish_guest_page", "Publish guest page"
        SEND_INVITATION = "send_invitation", "Send crew invitation"
        NOTIFY_DECLINE = "notify_decline", "Tell staff about a decline"
        NOTIFY_CREDENTIAL_EXPIRY = "notify_credential_expiry", "Tell staff a credential expires"
        NOTIFY_CREW_IDENTITY = "notify_crew_identity", "Tell crew their email or phone changed"
        NOTIFY_FEED_FAILING = "notify_feed_failing", "Tell staff a marketplace feed fails"
        NOTIFY_FEED_RECOVERED = "notify_feed_recovered", "Tell staff a marketplace feed works again"
        SEND_MESSAGE = "send_message", "Send a guest or crew message"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SENT = "sent", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    target_id = models.PositiveBigIntegerField(
        help_text="Id of the guest page's booking, of the assignment, of the credential or of the message."
    )
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, null=True, blank=True, related_name="effects"
    )
    reason = models.CharField(max_length=120, blank=True)
    # Effects that must happen once per key whatever happens (a guest message: booking, kind and,
    # for a reminder, its moment): a second schedule with the same key finds this row.
    unique_key = models.CharField(max_length=200, null=True, blank=True, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(
        max_length=255, blank=True, help_text="SES message id, or the CloudFront invalidation id."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="When the broker last accepted it.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["kind", "target_id", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.target_id} ({self.get_status_display()})"
