"""Delete Idempotency-Key records past their retention (celery beat also does this hourly)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from api.idempotency import idempotency_records_purge


class Command(BaseCommand):
    help = "Delete API idempotency records older than API_IDEMPOTENCY_RETENTION_HOURS."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=None, help="Override the retention period.")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, hours: int | None = None, dry_run: bool = False, **options):
        count = idempotency_records_purge(older_than_hours=hours, dry_run=dry_run)
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{count} idempotency record(s) {verb}.")
