"""Import a marketplace's booking export (CSV), creating or updating bookings through booking_save.

Columns (header row required; names are case-insensitive, order free):

    tenant             brand slug (may be left out when --tenant is given)
    external_reference the marketplace's booking id              required
    boat               boat name, as in the admin                 required
    guest_name                                                    required
    guest_email, guest_phone                                      optional
    party_size         guests, not crew                           required
    service_date       YYYY-MM-DD or MM/DD/YYYY                   required
    start_time         HH:MM, HH:MM:SS or 1:30 PM (brand's local time)  required
    end_time           same; at or before start_time means the next day  required
    gross_amount       e.g. 840.75, $1,200.00                     required
    platform_fee, port_tax_rate (percent)                         optional, default 0
    status             confirmed | cancelled | weather_owed       optional (new: confirmed)
    meeting_point, guest_notes                                    optional

Rows are numbered as in a spreadsheet: the header is row 1. Each row is all or
nothing (its own savepoint, in a transaction per chunk of rows); a bad row is
reported and skipped, and the command then exits non-zero listing the bad rows
(the good rows stay imported). Running the same file again changes nothing.

A charter that ended before the import gets its booking and calendar entry only:
no crew event, crew invitations or guest page, unless --publish-past is given.
The file is streamed: memory does not grow with its length. See bookings/importing.py.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bookings.importing import CHUNK_ROWS, BookingImport, missing_columns
from bookings.management.commands._helpers import progress, row_list
from bookings.models import Booking, Tenant
from charterops.audit import acting_as


class Command(BaseCommand):
    help = "Create or update bookings from a marketplace CSV export, matched by (brand, source, external reference)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file (UTF-8, header row).")
        parser.add_argument("--source", required=True, choices=list(Booking.Source.values))
        parser.add_argument("--tenant", help="Brand slug for rows without a tenant column.")
        parser.add_argument("--dry-run", action="store_true", help="Validate every row; save nothing.")
        parser.add_argument(
            "--publish-past",
            action="store_true",
            help="Also give charters that already ended a crew event and a guest page (default: upcoming ones only).",
        )
        parser.add_argument(
            "--chunk-size", type=int, default=CHUNK_ROWS, help=f"Rows per transaction (default {CHUNK_ROWS})."
        )

    def handle(self, *args, file: Path, source: str, tenant: str | None, dry_run: bool, **options):
        default_tenant = None
        if tenant:
            default_tenant = Tenant.objects.filter(slug=tenant).first()
            if default_tenant is None:
                raise CommandError(f"No brand with slug {tenant!r}.")
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        try:
            handle = file.open(newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        with handle, acting_as("command:import_bookings"):
            reader = csv.DictReader(handle)
            missing = missing_columns(reader, default_tenant=default_tenant)
            if missing:
                raise CommandError(f"{file}: missing column(s): {', '.join(missing)}.")
            run = BookingImport(
                source=source,
                default_tenant=default_tenant,
                dry_run=dry_run,
                publish_past=options["publish_past"],
                chunk_rows=options["chunk_size"],
                report=lambda number, message: self.stderr.write(f"row {number}: {message}"),
            )
            summary = run.run(progress(enumerate(reader, start=2), stdout=self.stdout, desc="import", unit="row"))
        verb = "would be " if dry_run else ""
        self.stdout.write(
            f"{'Dry run: ' if dry_run else ''}{summary.created} {verb}created, {summary.updated} {verb}updated, "
            f"{summary.unchanged} unchanged, {summary.skipped} skipped."
        )
        if summary.skipped:
            raise CommandError(
                f"Skipped {summary.skipped} bad row(s): rows {row_list(summary.bad_rows, summary.skipped)}. "
                "The other rows were imported; fix these and run the same file again."
            )
