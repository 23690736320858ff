"""Email staff about credentials that expire within 60 and within 14 days (once each; beat runs it hourly)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from charterops.audit import acting_as
from crew.services import credential_expiry_notices_schedule


class Command(BaseCommand):
    help = "Tell staff, once per credential and threshold, about credentials that expire soon."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send nothing.")

    def handle(self, *args, dry_run: bool, **options):
        with acting_as("command:notify_expiring_credentials"):
            told = credential_expiry_notices_schedule(dry_run=dry_run)
        for credential, threshold in told:
            self.stdout.write(
                f"{credential.crew_member.name}: {credential.kind.name} expires {credential.expires_on:%Y-%m-%d} "
                f"(within {threshold} days)"
            )
        verb = "would be sent" if dry_run else "queued"
        self.stdout.write(f"{'Dry run: ' if dry_run else ''}{len(told)} notice(s) {verb}.")
