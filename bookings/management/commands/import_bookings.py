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

Rows are numbered as in a spreadsheet: the header is row 1. Each row is saved in
its own transaction; a bad row is reported and skipped, and the command then
exits non-zero listing the bad rows (the good rows stay imported). Running the
same file again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from bookings.management.commands._helpers import progress, row_list
from bookings.models import Boat, Booking, Tenant
from bookings.services import booking_availability_check, booking_save
from charterops.audit import acting_as
from charterops.timezones import make_aware_local
from crew.availability import booking_crew_check

REQUIRED = (
    "external_reference",
    "boat",
    "guest_name",
    "party_size",
    "service_date",
    "start_time",
    "end_time",
    "gross_amount",
)
OPTIONAL = (
    "tenant",
    "guest_email",
    "guest_phone",
    "platform_fee",
    "port_tax_rate",
    "status",
    "meeting_point",
    "guest_notes",
)
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p")
STATUS_ALIASES = {"canceled": Booking.Status.CANCELLED, "weather-owed": Booking.Status.WEATHER_OWED}
MAX_REPORTED = 1000  # bad rows listed in full; beyond that only counted (memory stays flat)


class RowError(Exception):
    pass


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    bad_rows: list[int] = field(default_factory=list)

    def skip(self, row: int) -> None:
        self.skipped += 1
        if len(self.bad_rows) < MAX_REPORTED:
            self.bad_rows.append(row)


def parse_amount(value: str, name: str) -> Decimal:
    text = value.strip().replace("$", "").replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RowError(f"{name} “{value}” is not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise RowError(f"{name} “{value}” is not an amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise RowError(f"{name} “{value}” has more than two decimal places")
    return amount


def _parse(value: str, formats: tuple[str, ...]) -> dt.datetime | None:
    for fmt in formats:
        try:
            return dt.datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
    return None


class Command(BaseCommand):
    help = "Create or update bookings from a marketplace CSV export, matched by (brand, source, external reference)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file (UTF-8, header row).")
        parser.add_argument("--source", required=True, choices=list(Booking.Source.values))
        parser.add_argument("--tenant", help="Brand slug for rows without a tenant column.")
        parser.add_argument("--dry-run", action="store_true", help="Validate every row; save nothing.")

    def handle(self, *args, file: Path, source: str, tenant: str | None, dry_run: bool, **options):
        default_tenant = None
        if tenant:
            default_tenant = Tenant.objects.filter(slug=tenant).first()
            if default_tenant is None:
                raise CommandError(f"No brand with slug {tenant!r}.")
        try:
            handle = file.open(newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        self.tenants: dict[str, Tenant | None] = {}
        self.boats: dict[tuple[int, str], Boat | None] = {}
        summary = Summary()
        with handle, acting_as("command:import_bookings"):
            reader = csv.DictReader(handle)
            columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
            missing = [c for c in REQUIRED if c not in columns]
            if "tenant" not in columns and default_tenant is None:
                missing.append("tenant (or --tenant)")
            if missing:
                raise CommandError(f"{file}: missing column(s): {', '.join(missing)}.")
            rows = progress(enumerate(reader, start=2), stdout=self.stdout, desc="import", unit="row")
            for number, raw in rows:
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
                try:
                    if None in raw:
                        raise RowError("more fields than the header has columns (an unquoted comma?)")
                    outcome = self.import_row(row, source=source, default_tenant=default_tenant, dry_run=dry_run)
                except RowError as exc:
                    summary.skip(number)
                    self.stderr.write(f"row {number}: {exc}")
                    continue
                except ValidationError as exc:
                    summary.skip(number)
                    self.stderr.write(f"row {number}: {self.describe(exc)}")
                    continue
                except DatabaseError as exc:  # a concurrent writer; this row only
                    summary.skip(number)
                    self.stderr.write(f"row {number}: {exc}")
                    continue
                setattr(summary, outcome, getattr(summary, outcome) + 1)
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

    @staticmethod
    def describe(exc: ValidationError) -> str:
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)

    # --- one row ------------------------------------------------------------------
    def tenant_for(self, slug: str) -> Tenant | None:
        if slug not in self.tenants:
            self.tenants[slug] = Tenant.objects.filter(slug=slug).first()
        return self.tenants[slug]

    def boat_for(self, tenant: Tenant, name: str) -> Boat | None:
        key = (tenant.pk, name.casefold())
        if key not in self.boats:
            self.boats[key] = Boat.objects.filter(tenant=tenant, name__iexact=name).first()
        return self.boats[key]

    def import_row(self, row: dict[str, str], *, source: str, default_tenant: Tenant | None, dry_run: bool) -> str:
        slug = row.get("tenant", "")
        tenant = self.tenant_for(slug) if slug else default_tenant
        if tenant is None:
            raise RowError(f"unknown brand “{slug}”")
        reference = row.get("external_reference", "")
        if not reference:
            raise RowError("no external_reference")
        boat = self.boat_for(tenant, row.get("boat", ""))
        if boat is None:
            raise RowError(f"unknown boat “{row.get('boat', '')}” for {tenant.slug}")
        if not row.get("service_date"):
            raise RowError("no service date")
        day = _parse(row["service_date"], DATE_FORMATS)
        if day is None:
            raise RowError(f"service_date “{row['service_date']}” is not a date (YYYY-MM-DD)")
        start_t, end_t = _parse(row.get("start_time", ""), TIME_FORMATS), _parse(row.get("end_time", ""), TIME_FORMATS)
        if start_t is None or end_t is None:
            raise RowError("start_time and end_time must be times such as 10:00 or 1:30 PM")
        start_naive = dt.datetime.combine(day.date(), start_t.time())
        end_naive = dt.datetime.combine(day.date(), end_t.time())
        if end_naive <= start_naive:
            end_naive += dt.timedelta(days=1)  # an evening charter that ends after midnight
        try:
            party_size = int(row.get("party_size", ""))
        except ValueError:
            raise RowError(f"party_size “{row.get('party_size', '')}” is not a whole number") from None
        status = row.get("status", "").lower()
        status = STATUS_ALIASES.get(status, status)
        if status and status not in Booking.Status.values:
            raise RowError(f"status “{status}” is not one of {', '.join(Booking.Status.values)}")
        values = {
            "boat_id": boat.pk,
            "guest_name": row.get("guest_name", ""),
            "guest_email": row.get("guest_email", ""),
            "guest_phone": row.get("guest_phone", ""),
            "party_size": party_size,
            # The export's times are the brand's wall clock; DST gaps and repeats are refused.
            "start": make_aware_local(start_naive, tenant.zone),
            "end": make_aware_local(end_naive, tenant.zone),
            "gross_amount": parse_amount(row.get("gross_amount", ""), "gross_amount"),
            "platform_fee": parse_amount(row.get("platform_fee") or "0", "platform_fee"),
            "port_tax_rate": parse_amount(row.get("port_tax_rate") or "0", "port_tax_rate"),
            "meeting_point": row.get("meeting_point", ""),
            "guest_notes": row.get("guest_notes", ""),
        }
        if status:
            values["status"] = status
        booking = (
            Booking.objects.select_related("boat", "tenant")
            .filter(tenant=tenant, source=source, external_reference=reference)
            .first()
        )
        created = booking is None
        if created:
            booking = Booking(tenant=tenant, source=source, external_reference=reference)
        elif all(getattr(booking, k) == v for k, v in values.items()):
            return "unchanged"
        for name, value in values.items():
            setattr(booking, name, value)
        booking.boat = boat
        if dry_run:
            booking.full_clean()
            with transaction.atomic():  # the availability rules too (they only read and lock)
                booking_availability_check(booking=booking)
                if not created:
                    booking_crew_check(booking=booking)
        else:
            booking_save(booking=booking, service="import_bookings")
        return "created" if created else "updated"
