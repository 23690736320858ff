"""Syncing a boat's marketplace feed into holds, and the feed's health.

One feed, one sync: fetch (outside any transaction), read the events, work out the changes
against the feed's holds, and write them with the feed's health in one transaction under the
boat's lock (``boats_lock``), as every other calendar writer does. Holds are not checked for
clashes: a hold records what the marketplace already sold; the clashes it makes are shown as
conflicts needing attention.

A broken feed changes no hold: an HTTP error, a timeout, a refused address, an oversize body, a
body that is not a calendar, or a calendar that suddenly lacks more than half of the feed's
active future holds (when it had at least :data:`DROP_GUARD_MIN_HOLDS`) marks the feed failing.
Staff are emailed once when a streak of failures starts and once when it ends.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from bookings.availability import boats_lock
from bookings.models import Booking, CalendarEntry, MarketplaceFeed
from charterops.audit import acting_as
from marketplaces.fetch import FeedFetchError, fetch_feed, url_label
from marketplaces.parse import FeedEvent, FeedParseError, parse_feed
from outbox.models import Effect
from outbox.services import effect_schedule

logger = logging.getLogger(__name__)

SERVICE = "marketplace sync"
# A feed that suddenly lacks more than half of its active future holds is taken as broken,
# not as a wave of cancellations, once it had at least this many (a tiny feed may empty).
DROP_GUARD_MIN_HOLDS = 4
_HOLD_FIELDS = ["title", "start", "end", "status", "external_reference", "claimed_by", "sequence", "updated_at"]


@dataclass
class SyncResult:
    feed_id: int
    label: str
    ok: bool
    status: str
    error: str = ""
    not_modified: bool = False
    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.ok:
            return f"{self.label}: FAILING ({self.status}) {self.error}"
        if self.not_modified:
            return f"{self.label}: unchanged (304 Not Modified)"
        parts = ", ".join(f"{n} {what}" for what, n in self.counts.items())
        return f"{self.label}: {'would make ' if self.dry_run else ''}{parts}"


@dataclass
class Plan:
    """What a sync would write: new holds, changed holds (with what changed), and counts."""

    creates: list[CalendarEntry] = field(default_factory=list)
    updates: list[CalendarEntry] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    active_future: int = 0
    vanished: int = 0
    events_seen: int = 0

    @property
    def empty(self) -> bool:
        return not self.creates and not self.updates

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    @property
    def drop_too_large(self) -> bool:
        return self.active_future >= DROP_GUARD_MIN_HOLDS and self.vanished * 2 > self.active_future


def feed_label(feed: MarketplaceFeed) -> str:
    return f"{feed.get_source_display()} feed of {feed.boat.name} ({feed.boat.tenant.name}, #{feed.pk})"


def hold_title(feed: MarketplaceFeed) -> str:
    return f"{feed.get_source_display()} booking"


def marketplace_feed_sync(
    *, feed_id: int, dry_run: bool = False, accept_drop: bool = False, now: dt.datetime | None = None
) -> SyncResult:
    """Fetch one feed and bring its holds in step; record how it went on the feed.

    ``dry_run`` fetches and compares but writes nothing (health included). ``accept_drop``
    applies a sync the drop guard would refuse (staff confirmed the cancellations are real).
    """
    feed = MarketplaceFeed.objects.select_related("boat__tenant").get(pk=feed_id)
    now = now or timezone.now()
    label = feed_label(feed)
    try:
        fetched = fetch_feed(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        events = None if fetched.not_modified else parse_feed(fetched.body, zone=feed.boat.tenant.zone, now=now)
    except (FeedFetchError, FeedParseError) as exc:
        logger.warning("marketplace feed %s (%s): %s", feed.pk, url_label(feed.url), exc.status)
        if not dry_run:
            _record_failure(feed_id=feed.pk, status=exc.status, error=exc.message, now=now)
        return SyncResult(feed.pk, label, ok=False, status=exc.status, error=exc.message, dry_run=dry_run)
    if events is None:
        if not dry_run:
            _record_success(feed_id=feed.pk, status=fetched.status, now=now, changed=False)
        return SyncResult(feed.pk, label, ok=True, status=fetched.status, not_modified=True, dry_run=dry_run)

    plan = plan_sync(feed=feed, events=events, now=now)
    refused = plan.drop_too_large and not accept_drop
    if dry_run or (plan.empty and not refused):
        if not dry_run:
            _record_success(feed_id=feed.pk, status=fetched.status, now=now, changed=False, fetched=fetched, plan=plan)
        return _result(feed, label, plan, fetched.status, refused=refused, dry_run=dry_run)
    with transaction.atomic(), acting_as(f"service:{SERVICE}"):
        boats_lock([feed.boat_id])
        plan = plan_sync(feed=feed, events=events, now=now)  # again, under the lock
        refused = plan.drop_too_large and not accept_drop
        if refused:
            _record_failure(feed_id=feed.pk, status="too many events gone", error=_drop_message(plan), now=now)
        else:
            _apply(plan)
            _record_success(
                feed_id=feed.pk, status=fetched.status, now=now, changed=not plan.empty, fetched=fetched, plan=plan
            )
    return _result(feed, label, plan, fetched.status, refused=refused, dry_run=False)


def _result(feed, label, plan: Plan, status: str, *, refused: bool, dry_run: bool) -> SyncResult:
    if refused:
        return SyncResult(
            feed.pk, label, ok=False, status="too many events gone", error=_drop_message(plan), dry_run=dry_run
        )
    counts = plan.counts or {"unchanged": 0}
    return SyncResult(feed.pk, label, ok=True, status=status, counts=counts, dry_run=dry_run)


def _drop_message(plan: Plan) -> str:
    return (
        f"The feed no longer lists {plan.vanished} of its {plan.active_future} upcoming holds; "
        "taken as a broken feed, so no hold was changed. If the marketplace really cancelled them, "
        "sync again accepting the drop."
    )


def plan_sync(*, feed: MarketplaceFeed, events: list[FeedEvent], now: dt.datetime) -> Plan:
    """Compare the feed's events with its holds; nothing is written."""
    plan = Plan()
    keys = {e.key for e in events}
    uids = {e.uid for e in events}
    holds = {
        (h.external_uid, h.recurrence_id): h
        for h in CalendarEntry.objects.filter(feed_id=feed.pk).filter(Q(end__gt=now) | Q(external_uid__in=uids))
    }
    bookings: list[Booking] | None = None
    title = hold_title(feed)
    for event in events:
        if event.end <= now:
            continue  # in the past: its hold, if any, stays as it was
        hold = holds.get(event.key)
        if event.cancelled:
            if hold is not None and hold.status == CalendarEntry.Status.ACTIVE and hold.end > now:
                _change(hold, status=CalendarEntry.Status.CANCELLED, now=now)
                plan.updates.append(hold)
                plan.count("cancelled")
            continue
        plan.events_seen += 1
        if hold is None:
            hold = CalendarEntry(
                tenant_id=feed.boat.tenant_id,
                boat_id=feed.boat_id,
                kind=CalendarEntry.Kind.MARKETPLACE,
                status=CalendarEntry.Status.ACTIVE,
                feed_id=feed.pk,
                external_uid=event.uid,
                recurrence_id=event.recurrence_id,
                external_reference=event.reference,
                title=title,
                start=event.start,
                end=event.end,
                created_by_service=SERVICE,
            )
            bookings = _claim(hold, feed, bookings, now)
            plan.creates.append(hold)
            plan.count("created")
            continue
        reactivated = hold.status == CalendarEntry.Status.CANCELLED
        moved = (hold.start, hold.end) != (event.start, event.end)
        if not reactivated and not moved and (hold.external_reference, hold.title) == (event.reference, title):
            plan.count("unchanged")
            continue
        hold.external_reference, hold.title = event.reference, title
        if reactivated or moved:
            _change(hold, status=CalendarEntry.Status.ACTIVE, start=event.start, end=event.end, now=now)
            bookings = _claim(hold, feed, bookings, now)
        else:
            hold.updated_at = now
        plan.updates.append(hold)
        plan.count("reactivated" if reactivated else "moved" if moved else "updated")
    for key, hold in holds.items():
        if hold.status != CalendarEntry.Status.ACTIVE or hold.end <= now:
            continue
        plan.active_future += 1
        if key not in keys:
            plan.vanished += 1
            _change(hold, status=CalendarEntry.Status.CANCELLED, now=now)
            plan.updates.append(hold)
            plan.count("cancelled")
    return plan


def _change(hold: CalendarEntry, *, status: str, now: dt.datetime, start=None, end=None) -> None:
    """A change the boat's export feed shows: bump the hold's SEQUENCE."""
    hold.status = status
    if start is not None:
        hold.start, hold.end = start, end
    hold.sequence += 1
    hold.updated_at = now


def _claim(hold: CalendarEntry, feed: MarketplaceFeed, bookings: list[Booking] | None, now) -> list[Booking]:
    """Link a new or moved hold to the confirmed booking of the same marketplace it lies on, if any
    (the same reference first, then the one it overlaps most, as ``bookings.holds`` chooses when a
    booking is saved). Loads the feed's upcoming bookings once per sync."""
    if bookings is None:
        bookings = list(
            Booking.objects.filter(
                boat_id=feed.boat_id, source=feed.source, status=Booking.Status.CONFIRMED, end__gt=now
            ).order_by("start", "pk")
        )
    overlapping = [b for b in bookings if b.start < hold.end and hold.start < b.end]
    same_reference = [
        b for b in overlapping if hold.external_reference and b.external_reference == hold.external_reference
    ]

    def overlap(b: Booking) -> dt.timedelta:
        return min(b.end, hold.end) - max(b.start, hold.start)

    chosen = max(same_reference or overlapping, key=overlap, default=None)
    hold.claimed_by = chosen
    return bookings


def _apply(plan: Plan) -> None:
    actor = {"history_actor": f"service:{SERVICE}"}
    if plan.creates:
        bulk_create_with_history(plan.creates, CalendarEntry, batch_size=500, custom_historical_attrs=actor)
    if plan.updates:
        bulk_update_with_history(
            plan.updates, CalendarEntry, _HOLD_FIELDS, batch_size=500, custom_historical_attrs=actor
        )


def _record_success(
    *, feed_id: int, status: str, now: dt.datetime, changed: bool, fetched=None, plan: Plan | None = None
) -> None:
    """Write only what changed on the feed row: an unchanged sync is one UPDATE of ``last_fetched_at``."""
    with transaction.atomic():
        feed = MarketplaceFeed.objects.select_for_update().get(pk=feed_id)
        values = {
            "health": MarketplaceFeed.Health.OK,
            "last_status": status[:120],
            "last_error": "",
            "failing_since": None,
        }
        if fetched is not None:
            values.update(etag=fetched.etag, last_modified=fetched.last_modified)
        if plan is not None:
            values["events_seen"] = plan.events_seen
        if changed:
            values["last_changed_at"] = now
        if feed.failure_notified_at is not None:
            values["failure_notified_at"] = None
            effect_schedule(
                kind=Effect.Kind.NOTIFY_FEED_RECOVERED, target_id=feed.pk, booking_id=None, reason="works again"
            )
        updates = {k: v for k, v in values.items() if getattr(feed, k) != v}
        MarketplaceFeed.objects.filter(pk=feed_id).update(last_fetched_at=now, **updates)


def _record_failure(*, feed_id: int, status: str, error: str, now: dt.datetime) -> None:
    """Mark the feed failing; the first failure of a streak tells staff (in the same transaction)."""
    with transaction.atomic():
        feed = MarketplaceFeed.objects.select_for_update().get(pk=feed_id)
        values = {
            "health": MarketplaceFeed.Health.FAILING,
            "last_status": status[:120],
            "last_error": error,
            "last_fetched_at": now,
            "failing_since": feed.failing_since or now,
        }
        if feed.failure_notified_at is None:
            values["failure_notified_at"] = now
            effect_schedule(
                kind=Effect.Kind.NOTIFY_FEED_FAILING, target_id=feed.pk, booking_id=None, reason=status[:120]
            )
        MarketplaceFeed.objects.filter(pk=feed_id).update(**values)


def marketplace_feed_save(*, feed: MarketplaceFeed) -> MarketplaceFeed:
    """Save a feed typed by staff. A new URL is fetched afresh (no conditional request) and starts as new."""
    if feed.source == Booking.Source.DIRECT:
        raise ValidationError({"source": "A marketplace feed cannot be of direct bookings."})
    feed.full_clean()
    if feed.pk is not None:
        old_url = MarketplaceFeed.objects.filter(pk=feed.pk).values_list("url", flat=True).first()
        if old_url is not None and old_url != feed.url:
            feed.etag, feed.last_modified = "", ""
    feed.save()
    return feed


def active_feed_ids() -> list[int]:
    return list(MarketplaceFeed.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))
