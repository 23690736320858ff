"""List the clashes the data already holds, and exit 1 if there are any.

Bookings written before the availability rules (or around them: an override, a
direct database write) can still overlap. This lists every overlapping pair of
bookings on a boat (turnaround included), booking inside a block, crew member on
two charters closer than the travel buffer, crew member on a charter during their
time off, and assignment without a credential its role requires. Overrides are
listed with their reason. By default it looks at charters that have not ended;
``--since`` looks further back.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bookings.conflicts import find_conflicts
from bookings.management.commands._helpers import date_or_datetime
from bookings.models import Tenant


class Command(BaseCommand):
    help = "List double-booked boats and crew, bookings in blocks and missing credentials; exit 1 if any."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this brand (slug).")
        parser.add_argument(
            "--since",
            type=date_or_datetime,
            help="Charters ending after this date (YYYY-MM-DD) or time; default: now.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Accepted for symmetry: this command writes nothing."
        )

    def handle(self, *args, tenant: str | None, since: dt.datetime | None, **options):
        tenant_ids = None
        if tenant:
            brand = Tenant.objects.filter(slug=tenant).first()
            if brand is None:
                raise CommandError(f"No brand with slug {tenant!r}.")
            tenant_ids = [brand.pk]
        since = since or timezone.now()
        findings = find_conflicts(since=since, tenant_ids=tenant_ids)
        for finding in findings:
            line = f"{finding.label}: {finding.message}"
            if finding.booking_ids:
                line += f" [booking {', '.join(f'#{pk}' for pk in finding.booking_ids)}]"
            if finding.entry_ids:
                line += f" [hold {', '.join(f'#{pk}' for pk in finding.entry_ids)}]"
            if finding.overridden:
                line += f" (overridden: {finding.overridden})"
            self.stdout.write(line)
        summary = f"{len(findings)} conflict(s) in charters ending after {since:%Y-%m-%d %H:%M %Z}."
        if findings:
            raise CommandError(summary + " Fix them in the admin (each line names the bookings).")
        self.stdout.write(self.style.SUCCESS(summary))
