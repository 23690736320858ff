"""Importing a marketplace's booking export: rows parsed, matched by reference, saved through booking_save.

The work per row stays the same however many bookings the tables hold:

- Rows are written in chunks, one transaction per chunk (one commit, one lookup of the
  chunk's references through the ``booking_reference_lookup`` index). Each row is still
  all or nothing: ``booking_save`` runs in its own savepoint, so a refused or failing row
  is rolled back alone, reported by its row number, and the rest of the chunk commits.
  If the chunk as a whole cannot commit, its rows are written again one transaction each.
- Brands and boats are read once per chunk, not per row.
- A charter that ended before the import started gets its booking, history and calendar
  entry only: no crew event, no crew invitations, no guest page (``publish_past`` asks for
  them anyway). An upcoming one gets all of them, the guest page through the outbox, whose
  effects are enqueued once its chunk commits.

Every row still goes through the availability check against what is already saved,
earlier rows of the same file included.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from bookings.models import Boat, Booking, Tenant
from bookings.selectors import bookings_by_reference
from bookings.services import booking_availability_check, booking_save
from charterops.phones import phone_e164_or_none
from charterops.timezones import make_aware_local

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
# Rows per transaction. On SQLite a chunk holds the database's write lock for its duration
# (~1 s at 200 rows): short enough for the admin to wait it out (the lock timeout is 20 s).
CHUNK_ROWS = 200
# Checked by the import itself: the brand and boat were just read, the reference just looked up.
CLEAN_EXCLUDE = ["tenant", "boat"]
SERVICE = "import_bookings"


class RowError(Exception):
    pass


class ChunkAborted(Exception):
    """A database error outside a row's savepoint: the chunk's transaction may be unusable."""


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


@dataclass
class ParsedRow:
    number: int
    tenant: Tenant
    boat: Boat
    reference: str
    values: dict


@dataclass(frozen=True)
class RowResult:
    number: int
    outcome: str  # created | updated | unchanged | skipped
    message: str = ""


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


def describe(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def missing_columns(reader: csv.DictReader, *, default_tenant: Tenant | None) -> list[str]:
    columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
    missing = [c for c in REQUIRED if c not in columns]
    if "tenant" not in columns and default_tenant is None:
        missing.append("tenant (or --tenant)")
    return missing


class BookingImport:
    """One run of the import. ``report(number, message)`` is told about each bad row, in row order."""

    def __init__(
        self,
        *,
        source: str,
        default_tenant: Tenant | None,
        dry_run: bool = False,
        publish_past: bool = False,
        report: Callable[[int, str], None],
        chunk_rows: int = CHUNK_ROWS,
    ):
        self.source = source
        self.default_tenant = default_tenant
        self.dry_run = dry_run
        self.publish_past = publish_past
        self.report = report
        self.chunk_rows = chunk_rows
        self.started = timezone.now()
        self.summary = Summary()
        self.tenants: dict[str, Tenant | None] = {}
        self.boats: dict[tuple[int, str], Boat | None] = {}

    def run(self, rows: Iterable[tuple[int, dict]]) -> Summary:
        """Import ``(row number, csv.DictReader row)`` pairs, streamed a chunk at a time."""
        for chunk in _chunks(rows, self.chunk_rows):
            # Read again per chunk: a boat's turnaround or a brand's zone edited meanwhile counts.
            self.tenants.clear()
            self.boats.clear()
            parsed = [self.parse(number, raw) for number, raw in chunk]
            for result in self.write(parsed):
                if result.outcome == "skipped":
                    self.summary.skip(result.number)
                    self.report(result.number, result.message)
                else:
                    setattr(self.summary, result.outcome, getattr(self.summary, result.outcome) + 1)
        return self.summary

    # --- reading a row (no writes) ---------------------------------------------------
    def tenant_for(self, slug: str) -> Tenant | None:
        if slug not in self.tenants:
            self.tenants[slug] = Tenant.objects.filter(slug=slug).first()
        return self.tenants[slug]

    def boat_for(self, tenant: Tenant, name: str) -> Boat | None:
        key = (tenant.pk, name.casefold())
        if key not in self.boats:
            self.boats[key] = Boat.objects.filter(tenant=tenant, name__iexact=name).first()
        return self.boats[key]

    def parse(self, number: int, raw: dict) -> ParsedRow | RowResult:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        try:
            if None in raw:
                raise RowError("more fields than the header has columns (an unquoted comma?)")
            return self.parse_row(number, row)
        except RowError as exc:
            return RowResult(number, "skipped", str(exc))
        except ValidationError as exc:
            return RowResult(number, "skipped", describe(exc))

    def parse_row(self, number: int, row: dict[str, str]) -> ParsedRow:
        slug = row.get("tenant", "")
        tenant = self.tenant_for(slug) if slug else self.default_tenant
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
            # As booking.clean() stores it, so an unchanged row compares equal; a bad one is reported by full_clean.
            "guest_phone": phone_e164_or_none(row.get("guest_phone", "")) or row.get("guest_phone", ""),
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
        return ParsedRow(number=number, tenant=tenant, boat=boat, reference=reference, values=values)

    # --- writing ---------------------------------------------------------------------
    def write(self, parsed: list[ParsedRow | RowResult]) -> list[RowResult]:
        """One transaction for the chunk, a savepoint per row; row by row if the chunk cannot commit."""
        try:
            with transaction.atomic():
                results = self.write_rows(parsed, existing=self.existing(parsed), in_chunk=True)
                if self.dry_run:
                    transaction.set_rollback(True)
            return results
        except (DatabaseError, ChunkAborted):
            # Nothing of the chunk was kept (nor its outbox enqueues): each row in its own transaction.
            results = []
            for item in parsed:
                try:
                    with transaction.atomic():
                        results += self.write_rows([item], existing=self.existing([item]), in_chunk=False)
                        if self.dry_run:
                            transaction.set_rollback(True)
                except DatabaseError as exc:  # a concurrent writer; this row only
                    results.append(RowResult(item.number, "skipped", str(exc)))
            return results

    def existing(self, parsed: list[ParsedRow | RowResult]) -> dict[tuple[int, str], Booking]:
        """The chunk's bookings already saved, by (brand, reference): one query per brand in the chunk.

        Locked until the chunk commits (PostgreSQL), so an admin edit meanwhile waits instead of being lost.
        """
        references: dict[int, set[str]] = {}
        for item in parsed:
            if isinstance(item, ParsedRow):
                references.setdefault(item.tenant.pk, set()).add(item.reference)
        found: dict[tuple[int, str], Booking] = {}
        for tenant_id, refs in references.items():
            qs = bookings_by_reference(tenant_id=tenant_id, source=self.source, references=refs)
            for booking in qs.select_for_update(of=("self",)):
                found[(tenant_id, booking.external_reference)] = booking
        return found

    def write_rows(
        self, parsed: list[ParsedRow | RowResult], *, existing: dict[tuple[int, str], Booking], in_chunk: bool
    ) -> list[RowResult]:
        results = []
        for item in parsed:
            if isinstance(item, RowResult):
                results.append(item)
                continue
            key = (item.tenant.pk, item.reference)
            try:
                outcome, saved = self.write_row(item, existing.get(key), in_chunk=in_chunk)
            except RowError as exc:
                results.append(RowResult(item.number, "skipped", str(exc)))
            except ValidationError as exc:  # refused by booking_save: its savepoint is rolled back
                results.append(RowResult(item.number, "skipped", describe(exc)))
            except DatabaseError as exc:
                if not in_chunk:
                    raise
                results.append(RowResult(item.number, "skipped", str(exc)))
            else:
                if saved is not None:
                    existing[key] = saved  # a later row of the file with the same reference updates it
                results.append(RowResult(item.number, outcome))
        return results

    def write_row(self, item: ParsedRow, old: Booking | None, *, in_chunk: bool) -> tuple[str, Booking | None]:
        """Save one row. Returns the outcome and the booking as saved (None when nothing was written)."""
        created = old is None
        if created:
            booking = Booking(tenant=item.tenant, source=self.source, external_reference=item.reference)
        elif all(getattr(old, k) == v for k, v in item.values.items()):
            return "unchanged", None
        else:
            booking = copy.copy(old)  # ``old`` stays as saved until this row's savepoint is released
        for name, value in item.values.items():
            setattr(booking, name, value)
        booking.tenant = item.tenant
        booking.boat = item.boat
        outcome = "created" if created else "updated"
        try:
            # Field rules and the boat's capacity (with the crew assigned: one read for an update).
            booking.full_clean(exclude=CLEAN_EXCLUDE)
        except DatabaseError as exc:
            if in_chunk:  # outside any savepoint: the chunk's transaction cannot be trusted any more
                raise ChunkAborted from exc
            raise
        if self.dry_run:
            self.check_only(booking, created=created)
            return outcome, None
        past = booking.end < self.started
        booking_save(booking=booking, service=SERVICE, validate=False, side_effects=self.publish_past or not past)
        return outcome, booking

    @staticmethod
    def check_only(booking: Booking, *, created: bool) -> None:
        """The availability rules of booking_save, without writing (they only read and lock)."""
        from crew.availability import booking_crew_check

        with transaction.atomic():
            change = booking_availability_check(booking=booking)
            if change.occupancy_changed and not created:
                booking_crew_check(booking=booking)


def _chunks(rows: Iterable[tuple[int, dict]], size: int) -> Iterator[list[tuple[int, dict]]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
