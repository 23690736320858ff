"""What a day sheet holds: plain, frozen data, so a template can print only what was put in it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from bookings.models import Booking
from crew.models import Assignment

ZERO = Decimal("0.00")


# --- What the sheet holds ------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """A charter's breakdown (``bookings.finance``). Staff sheet only."""

    gross: Decimal
    platform_fee: Decimal
    crew_pay: Decimal
    captain_fee: Decimal
    platform_pays_captain: bool
    port_tax_rate: Decimal
    port_tax: Decimal
    net_to_owner: Decimal

    @property
    def captain_cost_to_owner(self) -> Decimal:
        return ZERO if self.platform_pays_captain else self.captain_fee


@dataclass(frozen=True)
class DayTotals:
    """The charters that sail that day (confirmed ones); the parts add up to the gross."""

    charters: int
    guests: int
    gross: Decimal = ZERO
    platform_fee: Decimal = ZERO
    crew_pay: Decimal = ZERO
    captain_fee: Decimal = ZERO  # what the owner pays: fees the platform pays are left out
    port_tax: Decimal = ZERO
    net_to_owner: Decimal = ZERO
    platform_paid_captain_fees: Decimal = ZERO


@dataclass(frozen=True)
class CrewLine:
    name: str
    role: str
    is_captain: bool
    phone: str
    status: str  # invited | accepted | declined
    status_label: str
    paid_hours: Decimal | None = None  # staff sheet only
    pay: Decimal | None = None  # staff sheet only; None for declined crew (not paid)


@dataclass(frozen=True)
class ChecklistLine:
    text: str
    done: bool
    done_by: str  # the crew member who ticked it ("" when staff ticked it in the admin)
    done_at: dt.datetime | None


@dataclass(frozen=True)
class Passenger:
    """A name on the guest's passenger list and the state of their waiver."""

    name: str
    waiver: str  # "waiver accepted v3", "waiver not accepted", "not an adult", "no waiver (the brand has none)"


@dataclass(frozen=True)
class CheckIn:
    """What the captain logged about the trip (Booking's check-in fields). Staff sheet only."""

    guests_boarded: int | None
    no_show: bool
    departed_at: dt.datetime | None
    returned_at: dt.datetime | None
    incident_note: str

    @property
    def recorded(self) -> bool:
        return bool(
            self.guests_boarded is not None
            or self.no_show
            or self.departed_at
            or self.returned_at
            or self.incident_note
        )


@dataclass(frozen=True)
class Charter:
    booking_id: int
    event_id: int | None
    status: str
    status_label: str
    boat: str
    start: dt.datetime
    end: dt.datetime
    source: str
    reference: str
    meeting_point: str
    map_url: str
    gate_code: str
    guest_name: str
    guest_phone: str
    party_size: int
    crew: tuple[CrewLine, ...]
    checklist: tuple[ChecklistLine, ...]
    weather_briefing: str
    logistics: str
    crew_notes: str
    # The passenger list the guest gave on the guest page, with waiver states; ``None`` until given.
    passengers: tuple[Passenger, ...] | None = None
    emergency_contact: str = ""  # "name · phone" from the passenger list; "" until given
    # Staff sheet only: empty / None on the captain's copy.
    staff_notes: str = ""
    money: Money | None = None
    check_in: CheckIn | None = None

    @property
    def sails(self) -> bool:
        return self.status == Booking.Status.CONFIRMED

    @property
    def checklist_done(self) -> int:
        return sum(1 for item in self.checklist if item.done)

    @property
    def crew_accepted(self) -> int:
        return sum(1 for c in self.crew if c.status == Assignment.Status.ACCEPTED)

    @property
    def crew_invited(self) -> int:
        """Crew asked and not declined."""
        return sum(1 for c in self.crew if c.status != Assignment.Status.DECLINED)

    @property
    def crew_declined(self) -> int:
        return sum(1 for c in self.crew if c.status == Assignment.Status.DECLINED)

    @property
    def has_captain(self) -> bool:
        return any(c.is_captain and c.status != Assignment.Status.DECLINED for c in self.crew)


@dataclass(frozen=True)
class Block:
    """Maintenance or a blackout touching the day."""

    kind: str
    kind_label: str
    title: str
    boat: str  # "" for a blackout of the whole brand
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Hold:
    """A marketplace event on the day that no booking stands for yet: unconfirmed, no guest known."""

    source: str  # "Boatsetter"
    boat: str
    start: dt.datetime
    end: dt.datetime
    reference: str = ""
    enter_url: str = ""  # the booking form, prefilled from the hold


@dataclass(frozen=True)
class DaySheet:
    tenant_id: int
    tenant_name: str
    zone: str
    day: dt.date
    for_staff: bool
    charters: tuple[Charter, ...]
    blocks: tuple[Block, ...] = ()
    boat_id: int | None = None
    boat_name: str = ""
    totals: DayTotals | None = None  # staff sheet only
    not_sailing: int = field(default=0)
    holds: tuple[Hold, ...] = ()  # staff sheet only

    @property
    def sailing(self) -> tuple[Charter, ...]:
        return tuple(c for c in self.charters if c.sails)
