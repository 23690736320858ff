"""Idempotency records of the service API."""

from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    """The first successful response to a request made with an ``Idempotency-Key``.

    The unique constraint makes two concurrent requests with the same key
    serialize in the database: the second waits for the first to commit, then
    replays its response.
    """

    identity = models.CharField(max_length=80, help_text="Who sent it: dashboard, or service:<key id>.")
    endpoint = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity", "endpoint", "key"], name="api_idempotency_unique_key"),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.identity} {self.endpoint} {self.key}"
