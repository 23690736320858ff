"""Fetch every active marketplace feed (or the ones named) and bring its holds in step."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bookings.models import MarketplaceFeed
from charterops.audit import acting_as
from marketplaces.services import active_feed_ids, marketplace_feed_sync


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--feed", type=int, action="append", dest="feeds", metavar="ID", help="only this feed (repeatable)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="fetch and compare, print what would change, write nothing"
        )
        parser.add_argument(
            "--accept-drop",
            action="store_true",
            help="apply a sync even if the feed lost more than half of its upcoming holds (they were really cancelled)",
        )

    def handle(self, *args, feeds=None, dry_run=False, accept_drop=False, **options):
        if feeds:
            found = dict(MarketplaceFeed.objects.filter(pk__in=feeds).values_list("pk", "active"))
            missing = [str(i) for i in feeds if i not in found]
            if missing:
                raise CommandError(f"No marketplace feed with id {', '.join(missing)}.")
            inactive = [str(i) for i in feeds if not found[i]]
            if inactive:
                raise CommandError(
                    f"Marketplace feed {', '.join(inactive)} is not active: tick “active” in the admin first."
                )
            ids = list(dict.fromkeys(feeds))
        else:
            ids = active_feed_ids()
        failed = 0
        with acting_as("command:sync_marketplace_feeds"):
            for feed_id in ids:
                result = marketplace_feed_sync(feed_id=feed_id, dry_run=dry_run, accept_drop=accept_drop)
                failed += not result.ok
                self.stdout.write(("[dry run] " if dry_run else "") + result.summary())
        if not ids:
            self.stdout.write("No active marketplace feeds.")
        if failed:
            raise CommandError(f"{failed} of {len(ids)} marketplace feeds failed (see above).")
