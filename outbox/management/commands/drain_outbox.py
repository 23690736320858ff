"""Enqueue every side effect the broker never got (or whose worker died)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from outbox.models import Effect
from outbox.services import outbox_relay, pending_for_relay


class Command(BaseCommand):
    help = "Re-enqueue QUEUED side effects the broker never confirmed, and RUNNING ones whose worker died."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be enqueued.")
        parser.add_argument("--limit", type=int, default=10000)

    def handle(self, *args, dry_run: bool = False, limit: int = 10000, **options):
        if dry_run:
            count = pending_for_relay().count()
            self.stdout.write(f"{count} side effect(s) would be enqueued.")
            return
        enqueued, pending = outbox_relay(limit=limit)
        failed = Effect.objects.filter(status=Effect.Status.FAILED).count()
        self.stdout.write(f"Enqueued {enqueued} of {pending} pending side effect(s). {failed} failed (see the admin).")
        if enqueued < pending:
            raise CommandError("The broker refused the rest; is it running? Nothing was lost: run this again.")
