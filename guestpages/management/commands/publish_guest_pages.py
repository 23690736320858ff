"""Republish guest pages through guest_pages_publish_many (one CloudFront request per up to 1,000 paths)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from bookings.management.commands._helpers import date_or_datetime, in_chunks, progress
from bookings.models import Tenant
from charterops.audit import acting_as
from guestpages import services
from guestpages.models import GuestPage
from guestpages.publishing import content_hash


def pages_per_call() -> int:
    # One publish call per this many pages of one brand: its invalidations fit one request.
    return max(services.INVALIDATION_BATCH_PATHS // 2, 1)


class Command(BaseCommand):
    help = (
        "Republish guest pages: by default those of charters not yet over; --since DATE those of bookings "
        "changed since then; --all every page. Unchanged pages are neither uploaded nor invalidated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this brand (slug).")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--since", type=date_or_datetime, help="Bookings changed on or after DATE (UTC midnight).")
        which.add_argument("--all", action="store_true", help="Every page, past charters included.")
        parser.add_argument("--dry-run", action="store_true", help="Render and compare only; upload nothing.")

    def handle(self, *args, tenant: str | None, since, all: bool, dry_run: bool, **options):
        pages = GuestPage.objects.select_related("booking__tenant", "booking__boat")
        if tenant:
            if not Tenant.objects.filter(slug=tenant).exists():
                raise CommandError(f"No brand with slug {tenant!r}.")
            pages = pages.filter(booking__tenant__slug=tenant)
        if since is not None:
            pages = pages.filter(booking__updated_at__gte=since)
        elif not all:
            pages = pages.filter(Q(booking__end__gte=timezone.now()))
        total = pages.count()
        counts = {"pages": 0, "uploaded": 0, "unchanged": 0, "invalidation_requests": 0}
        bar = progress(range(total), stdout=self.stdout, total=total, desc="guest pages", unit="page")
        ticks = iter(bar)
        with acting_as("command:publish_guest_pages"):
            for tenant_id in pages.values_list("booking__tenant_id", flat=True).distinct().order_by():
                for chunk in in_chunks(pages.filter(booking__tenant_id=tenant_id), size=pages_per_call()):
                    if dry_run:
                        changed = sum(
                            1 for p in chunk if p.published_hash != content_hash(services.guest_page_render(p))
                        )
                        result = {"pages": len(chunk), "uploaded": changed, "unchanged": len(chunk) - changed}
                    else:
                        result = services.guest_pages_publish_many(pages=chunk)
                    for key, value in result.items():
                        counts[key] = counts.get(key, 0) + value
                    for _ in chunk:
                        next(ticks, None)
        if hasattr(bar, "close"):
            bar.close()
        prefix = "Dry run: would upload " if dry_run else "Uploaded "
        self.stdout.write(
            f"{prefix}{counts['uploaded']} of {counts['pages']} page(s); {counts['unchanged']} unchanged; "
            f"{counts['invalidation_requests']} CloudFront invalidation request(s)."
        )
