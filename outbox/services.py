"""Scheduling, running and relaying side effects.

A change records an :class:`Effect` row in its own transaction and asks for it
to be enqueued once that transaction commits. If the broker is unreachable the
row simply stays QUEUED: the relay (a beat task, or ``manage.py drain_outbox``)
enqueues it later. Running an effect claims the row first, so a duplicate
delivery of the same task does nothing.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from outbox.errors import Deferred, is_transient
from outbox.models import Effect

logger = logging.getLogger(__name__)

# kind -> dotted path of ``handler(effect) -> provider message id``. Handlers are
# idempotent: running one twice for the same state changes the world once.
HANDLERS: dict[str, str] = {
    Effect.Kind.PUBLISH_GUEST_PAGE: "guestpages.services.guest_page_publish_effect",
    Effect.Kind.SEND_INVITATION: "messaging.services.deliverability.crew_invite_send_effect",
    Effect.Kind.NOTIFY_DECLINE: "crew.services.crew_decline_notify_effect",
    Effect.Kind.NOTIFY_CREDENTIAL_EXPIRY: "crew.services.credential_expiry_notify_effect",
    Effect.Kind.NOTIFY_CREW_IDENTITY: "crew.services.crew_identity_notify_effect",
    Effect.Kind.NOTIFY_FEED_FAILING: "marketplaces.notices.feed_failing_notify_effect",
    Effect.Kind.NOTIFY_FEED_RECOVERED: "marketplaces.notices.feed_recovered_notify_effect",
    Effect.Kind.SEND_MESSAGE: "messaging.services.message_send_effect",
}

# After the broker refused one enqueue, later ones in this process skip it for a
# while instead of each waiting for their own timeout; the relay catches up.
_BROKER_DOWN_FOR_SECONDS = 30.0
_broker_down_until = 0.0
_broker_lock = threading.Lock()


def effect_schedule(
    *, kind: str, target_id: int, booking_id: int | None, reason: str = "", unique_key: str = ""
) -> Effect:
    """Record that ``kind`` must happen for ``target_id`` once the current transaction commits.

    A QUEUED effect of the same kind and target that no worker has started yet
    already covers the new change (handlers read the state when they run), so it
    is reused instead of doubled.

    With ``unique_key`` the effect happens once per key, ever: scheduling the same
    key again (a second beat, a rerun, a booking saved twice) returns the first row,
    whatever its status, and the database's unique index settles a race.
    """
    if unique_key:
        return _effect_schedule_once(
            kind=kind, target_id=target_id, booking_id=booking_id, reason=reason, unique_key=unique_key
        )
    with transaction.atomic():
        effect = (
            Effect.objects.select_for_update()
            .filter(kind=kind, target_id=target_id, status=Effect.Status.QUEUED, attempts=0)
            .order_by("id")
            .first()
        )
        if effect is None:
            # outbox.signals enqueues a new row once this transaction commits.
            effect = Effect.objects.create(kind=kind, target_id=target_id, booking_id=booking_id, reason=reason)
    return effect


def _effect_schedule_once(*, kind: str, target_id: int, booking_id: int | None, reason: str, unique_key: str) -> Effect:
    existing = Effect.objects.filter(unique_key=unique_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Effect.objects.create(
                kind=kind, target_id=target_id, booking_id=booking_id, reason=reason, unique_key=unique_key
            )
    except IntegrityError:
        # Another transaction scheduled the same key first.
        return Effect.objects.get(unique_key=unique_key)


def effect_enqueue(*, effect_id: int, countdown: float | None = None) -> bool:
    """Hand the effect to the broker. Never raises: an effect left QUEUED is the relay's."""
    global _broker_down_until
    from outbox.tasks import run_effect

    if time.monotonic() < _broker_down_until:
        return False
    try:
        run_effect.apply_async(args=[effect_id], countdown=countdown)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the effect for the relay
        with _broker_lock:
            _broker_down_until = time.monotonic() + _BROKER_DOWN_FOR_SECONDS
        logger.warning("outbox: could not enqueue effect %s (%s); the relay will retry", effect_id, exc)
        return False
    Effect.objects.filter(pk=effect_id, status=Effect.Status.QUEUED).update(enqueued_at=timezone.now())
    return True


def broker_reset() -> None:
    """Forget an earlier broker failure (the relay calls this before it tries again)."""
    global _broker_down_until
    with _broker_lock:
        _broker_down_until = 0.0


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with full jitter, capped below the broker's visibility timeout."""
    cap = min(settings.OUTBOX_BACKOFF_MAX_SECONDS, settings.CELERY_BROKER_VISIBILITY_TIMEOUT * 0.5)
    ceiling = min(cap, settings.OUTBOX_BACKOFF_BASE_SECONDS * (2 ** max(attempt - 1, 0)))
    return random.uniform(ceiling / 2, ceiling)


class RunOutcome:
    DONE = "done"
    DEFERRED = "deferred"
    SKIPPED = "skipped"
    RETRY = "retry"
    FAILED = "failed"


def _claim(effect_id: int) -> Effect | None:
    now = timezone.now()
    with transaction.atomic():
        effect = Effect.objects.select_for_update().filter(pk=effect_id).first()
        if effect is None or effect.status in (Effect.Status.SENT, Effect.Status.FAILED):
            return None
        if effect.status == Effect.Status.RUNNING and effect.claimed_until and effect.claimed_until > now:
            return None  # another worker holds it
        if effect.next_attempt_at and effect.next_attempt_at > now + timedelta(seconds=1):
            return None  # early duplicate; the scheduled retry or the relay will bring it back
        effect.status = Effect.Status.RUNNING
        effect.attempts += 1
        effect.claimed_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        effect.save(update_fields=["status", "attempts", "claimed_until", "updated_at"])
        return effect


def effect_run(*, effect_id: int) -> tuple[str, float | None]:
    """Run one effect. Returns the outcome and, for a retry, the countdown in seconds."""
    effect = _claim(effect_id)
    if effect is None:
        return RunOutcome.SKIPPED, None
    handler: Callable[[Effect], str] = import_string(HANDLERS[effect.kind])
    try:
        provider_id = handler(effect) or ""
    except Deferred as later:
        # Not an attempt: the row waits, unenqueued, and the relay hands it over once ``until`` passes.
        Effect.objects.filter(pk=effect.pk, status=Effect.Status.RUNNING).update(
            status=Effect.Status.QUEUED,
            attempts=effect.attempts - 1,
            last_error=f"Waiting until {later.until.isoformat()}: {later.reason}"[:4000],
            next_attempt_at=later.until,
            enqueued_at=None,
            claimed_until=None,
            updated_at=timezone.now(),
        )
        return RunOutcome.DEFERRED, None
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        error = f"{type(exc).__name__}: {exc}"[:4000]
        if is_transient(exc) and effect.attempts < settings.OUTBOX_MAX_ATTEMPTS:
            countdown = backoff_seconds(effect.attempts)
            Effect.objects.filter(pk=effect.pk, status=Effect.Status.RUNNING).update(
                status=Effect.Status.QUEUED,
                last_error=error,
                next_attempt_at=timezone.now() + timedelta(seconds=countdown),
                enqueued_at=timezone.now(),
                claimed_until=None,
                updated_at=timezone.now(),
            )
            logger.warning("outbox: effect %s failed (%s); retrying in %.0fs", effect.pk, error, countdown)
            return RunOutcome.RETRY, countdown
        Effect.objects.filter(pk=effect.pk, status=Effect.Status.RUNNING).update(
            status=Effect.Status.FAILED, last_error=error, claimed_until=None, updated_at=timezone.now()
        )
        logger.error("outbox: effect %s failed for good: %s", effect.pk, error)
        return RunOutcome.FAILED, None
    Effect.objects.filter(pk=effect.pk, status=Effect.Status.RUNNING).update(
        status=Effect.Status.SENT,
        provider_message_id=provider_id[:255],
        last_error="",
        done_at=timezone.now(),
        claimed_until=None,
        next_attempt_at=None,
        updated_at=timezone.now(),
    )
    return RunOutcome.DONE, None


def effect_retry(*, effect_ids: list[int]) -> int:
    """Staff asked to try failed effects again. Returns how many were re-queued."""
    with transaction.atomic():
        ids = list(
            Effect.objects.select_for_update()
            .filter(pk__in=effect_ids, status=Effect.Status.FAILED)
            .values_list("pk", flat=True)
        )
        Effect.objects.filter(pk__in=ids).update(
            status=Effect.Status.QUEUED, attempts=0, next_attempt_at=None, enqueued_at=None, updated_at=timezone.now()
        )
        for effect_id in ids:
            transaction.on_commit(lambda effect_id=effect_id: effect_enqueue(effect_id=effect_id))
    return len(ids)


def pending_for_relay(now=None):
    """Effects that should be in the broker but may not be."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_RELAY_STALE_SECONDS)
    queued = (
        Q(status=Effect.Status.QUEUED)
        & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=stale))
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )
    abandoned = Q(status=Effect.Status.RUNNING) & Q(claimed_until__lte=now)
    return Effect.objects.filter(queued | abandoned).order_by("id")


def outbox_relay(*, limit: int = 1000) -> tuple[int, int]:
    """Enqueue effects the broker never got (or whose worker died). Returns (enqueued, pending)."""
    broker_reset()
    ids = list(pending_for_relay().values_list("pk", flat=True)[:limit])
    enqueued = 0
    for effect_id in ids:
        if not effect_enqueue(effect_id=effect_id):
            break
        enqueued += 1
    return enqueued, len(ids)
