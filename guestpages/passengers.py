"""Who's coming: the lead guest's passenger list, the emergency contact and each adult's waiver.

Each submission is the whole list and replaces the one before, in one transaction. An adult
who accepted the current waiver under the same name keeps that acceptance (time, typed name,
address hash) when the list is sent again without a new one, so fixing a typo in someone
else's name does not ask everyone to sign again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from bookings.models import Booking, Tenant
from guestpages.models import GuestPage, Passenger, PassengerList, Waiver

NAME_MAX = 120
PHONE_MAX = 40
WAIVER_CHANGED = "The waiver changed: please read it again and accept the new version."


class PassengersRefused(Exception):
    """A list the server will not store; ``reason`` is shown to the guest as is."""

    def __init__(self, *, status: int, code: str, reason: str, errors: dict[str, list[str]] | None = None, **extra):
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason
        self.errors = errors or {}
        self.extra = extra


@dataclass(frozen=True)
class PassengerEntry:
    """One row as the guest sent it."""

    name: str
    is_adult: bool
    accepted_name: str = ""


def waiver_current(tenant: Tenant) -> Waiver | None:
    """The brand's newest waiver version, or ``None`` when the brand has none."""
    return Waiver.objects.filter(tenant=tenant).order_by("-version").first()


def waiver_publish(*, tenant: Tenant, text: str) -> Waiver:
    """Save ``text`` as the brand's next waiver version and republish the guest pages of its upcoming bookings."""
    from guestpages.services import guest_page_schedule_publish

    with transaction.atomic():
        # Lock the brand row: two staff saving at once still get versions n and n+1.
        Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
        last = Waiver.objects.filter(tenant=tenant).order_by("-version").values_list("version", flat=True).first()
        waiver = Waiver.objects.create(tenant=tenant, version=(last or 0) + 1, text=text)
        upcoming = Booking.objects.filter(tenant=tenant, start__gt=timezone.now()).exclude(
            status=Booking.Status.CANCELLED
        )
        for booking in upcoming.select_related("tenant", "boat"):
            guest_page_schedule_publish(booking=booking, reason=f"waiver v{waiver.version}")
    return waiver


def ip_hash(ip: str) -> str:
    """A keyed hash of the client address (SECRET_KEY-derived key): tells devices apart, never stores the address."""
    if not ip:
        return ""
    return salted_hmac("guestpages.passengers.ip", ip, algorithm="sha256").hexdigest()


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _check(
    *, entries: list[PassengerEntry], emergency_name: str, emergency_phone: str, party_size: int
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not entries:
        errors["passengers"] = ["Give at least one name."]
    elif len(entries) > party_size:
        errors["passengers"] = [f"This booking is for {party_size}: give at most {party_size} names."]
    for i, entry in enumerate(entries):
        if not 1 <= len(entry.name) <= NAME_MAX:
            errors[f"passengers[{i}].name"] = [f"A name is 1 to {NAME_MAX} characters."]
    if not 1 <= len(emergency_name) <= NAME_MAX:
        errors["emergency_name"] = [f"Required: who we call in an emergency (1 to {NAME_MAX} characters)."]
    digits = sum(c.isdigit() for c in emergency_phone)
    if len(emergency_phone) > PHONE_MAX or digits < 6:
        errors["emergency_phone"] = ["Required: a phone number we can call."]
    return errors


def passenger_list_save(
    *,
    page: GuestPage,
    entries: list[PassengerEntry],
    emergency_name: str,
    emergency_phone: str,
    waiver_version: int | None,
    client_ip: str = "",
    now: datetime | None = None,
) -> PassengerList:
    """Replace the booking's passenger list, or raise ``PassengersRefused`` having written nothing.

    Open until the charter's start. ``waiver_version`` is the version the page showed; when the
    brand has published another since, the guest must read the new text (409).
    """
    booking = page.booking
    now = now or timezone.now()
    if booking.is_cancelled:
        raise PassengersRefused(status=404, code="not_found", reason="This guest page does not exist.")
    if now >= booking.start:
        raise PassengersRefused(
            status=403,
            code="closed",
            reason="The passenger list closed when your charter started. Please give the names to your captain.",
        )
    emergency_name, emergency_phone = " ".join(emergency_name.split()), emergency_phone.strip()
    entries = [PassengerEntry(" ".join(e.name.split()), e.is_adult, " ".join(e.accepted_name.split())) for e in entries]
    waiver = waiver_current(booking.tenant)
    errors = _check(
        entries=entries,
        emergency_name=emergency_name,
        emergency_phone=emergency_phone,
        party_size=booking.party_size,
    )
    if errors:
        raise PassengersRefused(
            status=400, code="invalid", reason="Please check the names and try again.", errors=errors
        )
    if (waiver.version if waiver else None) != waiver_version:
        raise PassengersRefused(
            status=409, code="waiver_changed", reason=WAIVER_CHANGED, waiver_version=waiver.version if waiver else None
        )

    with transaction.atomic():
        # One list per booking: two phones sending at once are applied one after the other.
        GuestPage.objects.select_for_update().filter(pk=page.pk).first()
        existing = PassengerList.objects.filter(booking=booking).first()
        earlier: list[Passenger] = []
        if existing is not None and waiver is not None:
            earlier = [p for p in existing.passengers.all() if p.is_adult and p.waiver_id == waiver.pk]
        rows: list[Passenger] = []
        for i, entry in enumerate(entries):
            row = Passenger(position=i + 1, full_name=entry.name, is_adult=entry.is_adult)
            if waiver is not None and entry.is_adult:
                kept = next((p for p in earlier if _same_name(p.full_name, entry.name)), None)
                if entry.accepted_name:
                    if not _same_name(entry.accepted_name, entry.name):
                        errors[f"passengers[{i}].accepted_name"] = [f"Type the full name exactly: {entry.name}."]
                    row.waiver, row.accepted_name, row.accepted_at = waiver, entry.accepted_name, now
                    row.ip_hash = ip_hash(client_ip)
                elif kept is not None:
                    row.waiver, row.accepted_name = waiver, kept.accepted_name
                    row.accepted_at, row.ip_hash = kept.accepted_at, kept.ip_hash
                else:
                    errors[f"passengers[{i}].accepted_name"] = ["Each adult accepts the waiver: type the full name."]
            rows.append(row)
        if errors:
            raise PassengersRefused(
                status=400, code="invalid", reason="Each adult must accept the waiver.", errors=errors
            )
        if existing is None:
            existing = PassengerList(booking=booking)
        existing.emergency_name, existing.emergency_phone = emergency_name, emergency_phone
        existing.save()
        existing.passengers.all().delete()
        for row in rows:
            row.passenger_list = existing
        Passenger.objects.bulk_create(rows)
    return existing


def masked_phone(phone: str) -> str:
    """The last digits only: the guest page is readable by anyone holding its link."""
    digits = [c for c in phone if c.isdigit()]
    return "•••• " + "".join(digits[-3:]) if digits else ""


def passenger_list_public(booking: Booking) -> dict:
    """What the guest page shows back: names, who accepted which waiver version, the emergency contact's name."""
    plist = PassengerList.objects.filter(booking=booking).first()
    if plist is None:
        return {"given": False, "passengers": [], "emergency_name": "", "emergency_phone": ""}
    rows = plist.passengers.select_related("waiver").order_by("position")
    return {
        "given": True,
        "passengers": [
            {
                "name": p.full_name,
                "is_adult": p.is_adult,
                "accepted": p.waiver_id is not None,
                "waiver_version": p.waiver.version if p.waiver_id else None,
            }
            for p in rows
        ],
        "emergency_name": plist.emergency_name,
        "emergency_phone": masked_phone(plist.emergency_phone),
        "updated_at": plist.updated_at.isoformat(),
    }
