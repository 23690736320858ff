"""Celery tasks of the marketplace feeds. They take ids and call services."""

from __future__ import annotations

from celery import shared_task

from marketplaces.services import active_feed_ids, marketplace_feed_sync


@shared_task(name="marketplaces.sync_feeds", acks_late=True)
def sync_feeds() -> int:
    """Beat, every 15 minutes: one task per active feed, so a slow marketplace delays only its own feed."""
    ids = active_feed_ids()
    for feed_id in ids:
        sync_feed.delay(feed_id)
    return len(ids)


@shared_task(name="marketplaces.sync_feed", acks_late=True)
def sync_feed(feed_id: int) -> str:
    """Sync one feed. Running it twice is harmless: the second run finds the holds in step."""
    from bookings.models import MarketplaceFeed

    if not MarketplaceFeed.objects.filter(pk=feed_id, active=True).exists():
        return "skipped"
    result = marketplace_feed_sync(feed_id=feed_id)
    return "ok" if result.ok else result.status
