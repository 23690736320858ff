"""Give every booking its calendar entry and put drifted entries back in step (calendar_entry_sync)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bookings.management.commands._helpers import CHUNK_SIZE, each, progress
from bookings.models import Booking, CalendarEntry, Tenant
from bookings.services import calendar_entry_sync
from charterops.audit import acting_as

SYNCED = ("tenant_id", "title", "start", "end", "kind", "status")


def _state(entry: CalendarEntry | None) -> tuple | None:
    return None if entry is None else tuple(getattr(entry, f) for f in SYNCED)


class Command(BaseCommand):
    help = "Create missing calendar entries for bookings and fix entries that drifted from their booking."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this brand (slug).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; save nothing.")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)

    def handle(self, *args, tenant: str | None, dry_run: bool, chunk_size: int, **options):
        bookings = Booking.objects.select_related("boat", "calendar_entry")
        if tenant:
            if not Tenant.objects.filter(slug=tenant).exists():
                raise CommandError(f"No brand with slug {tenant!r}.")
            bookings = bookings.filter(tenant__slug=tenant)
        counts = {"created": 0, "fixed": 0, "in step": 0}
        total = bookings.count()
        with acting_as("command:backfill_calendar"):
            for booking in progress(each(bookings, size=chunk_size), stdout=self.stdout, total=total, desc="calendar"):
                before = _state(getattr(booking, "calendar_entry", None))
                with transaction.atomic():
                    entry = calendar_entry_sync(booking=booking, service="backfill_calendar")
                    after = _state(entry)
                    if dry_run:
                        transaction.set_rollback(True)
                if before is None:
                    counts["created"] += 1
                elif before != after:
                    counts["fixed"] += 1
                else:
                    counts["in step"] += 1
        prefix = "Dry run: would have " if dry_run else ""
        self.stdout.write(
            f"{prefix}{counts['created']} created, {counts['fixed']} fixed, {counts['in step']} already in step "
            f"({total} bookings)."
        )
