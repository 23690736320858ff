"""A booking's money breakdown. The only place money is computed.

Every figure is a ``Decimal`` rounded half up to cents. The parts of the
breakdown always add up to the gross: platform fee + crew pay + captain fee
(when the owner pays it) + port/tax + net to owner == gross.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def to_cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class PayLine(Protocol):
    hourly_rate: Decimal
    paid_hours: Decimal


@dataclass(frozen=True)
class Pay:
    hourly_rate: Decimal
    paid_hours: Decimal
    is_captain: bool

    @property
    def amount(self) -> Decimal:
        return line_pay(self.hourly_rate, self.paid_hours)


@dataclass(frozen=True)
class Breakdown:
    gross: Decimal
    platform_fee: Decimal
    crew_pay: Decimal
    captain_fee: Decimal
    platform_pays_captain: bool
    port_tax: Decimal
    net_to_owner: Decimal

    @property
    def captain_cost_to_owner(self) -> Decimal:
        return Decimal("0.00") if self.platform_pays_captain else self.captain_fee

    def parts(self) -> list[Decimal]:
        """The owner's side of the gross; they sum to ``gross`` exactly."""
        return [self.platform_fee, self.crew_pay, self.captain_cost_to_owner, self.port_tax, self.net_to_owner]


def line_pay(hourly_rate: Decimal, paid_hours: Decimal) -> Decimal:
    return to_cents(Decimal(hourly_rate) * Decimal(paid_hours))


def compute(
    *,
    gross: Decimal,
    platform_fee: Decimal,
    port_tax_rate: Decimal,
    platform_pays_captain: bool,
    pay: Iterable[Pay],
) -> Breakdown:
    gross = to_cents(gross)
    platform_fee = to_cents(platform_fee)
    crew_pay = Decimal("0.00")
    captain_fee = Decimal("0.00")
    for line in pay:
        if line.is_captain:
            captain_fee += line.amount
        else:
            crew_pay += line.amount
    port_tax = to_cents(gross * Decimal(port_tax_rate) / HUNDRED)
    captain_cost = Decimal("0.00") if platform_pays_captain else captain_fee
    net = gross - platform_fee - crew_pay - captain_cost - port_tax
    return Breakdown(
        gross=gross,
        platform_fee=platform_fee,
        crew_pay=crew_pay,
        captain_fee=captain_fee,
        platform_pays_captain=platform_pays_captain,
        port_tax=port_tax,
        net_to_owner=net,
    )


def booking_breakdown(booking) -> Breakdown:
    """Breakdown of a saved booking. Declined crew are not paid.

    Reads ``booking.crew_event.assignments.all()``, so a list that prefetches
    ``crew_event__assignments__role`` computes every row without more queries.
    """
    from crew.models import Assignment

    lines: list[Pay] = []
    event = getattr(booking, "crew_event", None) if booking.pk else None
    if event is not None:
        for a in event.assignments.all():
            if a.status != Assignment.Status.DECLINED:
                lines.append(Pay(a.hourly_rate, a.paid_hours, a.role.is_captain))
    return compute(
        gross=booking.gross_amount,
        platform_fee=booking.platform_fee,
        port_tax_rate=booking.port_tax_rate,
        platform_pays_captain=booking.platform_pays_captain,
        pay=lines,
    )
