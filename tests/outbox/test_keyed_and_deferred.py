"""Effects that happen once per key, ever; and effects that wait (quiet hours) without using an attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outbox import services
from outbox.errors import Deferred
from outbox.models import Effect
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

HANDLER = None  # the outbox imports handlers by dotted path; the deferral test puts its own here


def test_a_key_schedules_one_effect_whatever_its_status(tenant):
    booking = BookingFactory(tenant=tenant)
    first = services.effect_schedule(
        kind=Effect.Kind.SEND_MESSAGE, target_id=1, booking_id=booking.pk, unique_key="confirmation:1:email"
    )
    Effect.objects.filter(pk=first.pk).update(status=Effect.Status.SENT)
    again = services.effect_schedule(
        kind=Effect.Kind.SEND_MESSAGE, target_id=1, booking_id=booking.pk, unique_key="confirmation:1:email"
    )
    assert again.pk == first.pk
    assert Effect.objects.filter(unique_key="confirmation:1:email").count() == 1
    other = services.effect_schedule(
        kind=Effect.Kind.SEND_MESSAGE, target_id=1, booking_id=booking.pk, unique_key="confirmation:1:sms"
    )
    assert other.pk != first.pk


def test_a_key_taken_by_a_racing_transaction_returns_its_row(tenant, monkeypatch):
    booking = BookingFactory(tenant=tenant)
    theirs = Effect.objects.create(
        kind=Effect.Kind.SEND_MESSAGE, target_id=7, booking_id=booking.pk, unique_key="reminder:7:email:x"
    )
    real_filter = Effect.objects.filter
    # The first look finds nothing (the other transaction had not committed yet); the insert then collides.
    monkeypatch.setattr(
        Effect.objects,
        "filter",
        lambda *a, **k: real_filter(pk=-1) if k == {"unique_key": theirs.unique_key} else real_filter(*a, **k),
    )
    got = services.effect_schedule(
        kind=Effect.Kind.SEND_MESSAGE, target_id=7, booking_id=booking.pk, unique_key="reminder:7:email:x"
    )
    assert got.pk == theirs.pk


def test_a_deferred_effect_waits_unenqueued_and_keeps_its_attempts(tenant, monkeypatch):
    booking = BookingFactory(tenant=tenant)
    until = timezone.now() + timedelta(hours=9)
    calls = []

    def handler(effect):
        calls.append(effect.pk)
        if len(calls) == 1:
            raise Deferred(until, "quiet hours")
        return "sent-id"

    monkeypatch.setitem(services.HANDLERS, Effect.Kind.SEND_MESSAGE, "tests.outbox.test_keyed_and_deferred.HANDLER")
    monkeypatch.setattr(
        __import__("tests.outbox.test_keyed_and_deferred", fromlist=["x"]), "HANDLER", handler, raising=False
    )
    effect = Effect.objects.create(kind=Effect.Kind.SEND_MESSAGE, target_id=1, booking_id=booking.pk, unique_key="k")
    outcome, countdown = services.effect_run(effect_id=effect.pk)
    effect.refresh_from_db()
    assert outcome == services.RunOutcome.DEFERRED and countdown is None
    assert effect.status == Effect.Status.QUEUED and effect.attempts == 0
    assert effect.next_attempt_at == until and effect.enqueued_at is None
    assert "quiet hours" in effect.last_error
    # Not handed to the broker before it is due, and an early duplicate delivery does nothing.
    assert effect.pk not in set(services.pending_for_relay().values_list("pk", flat=True))
    assert services.effect_run(effect_id=effect.pk)[0] == services.RunOutcome.SKIPPED
    later = until + timedelta(seconds=1)
    assert effect.pk in set(services.pending_for_relay(now=later).values_list("pk", flat=True))
    Effect.objects.filter(pk=effect.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert services.effect_run(effect_id=effect.pk)[0] == services.RunOutcome.DONE
    effect.refresh_from_db()
    assert effect.status == Effect.Status.SENT and effect.attempts == 1 and effect.provider_message_id == "sent-id"
    assert calls == [effect.pk, effect.pk]
