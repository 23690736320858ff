"""What guest pages give the captain's check-in on the crew page: the listed names, in one query.

Registered with :func:`crew.checkin.passenger_names_provider_register` from ``GuestpagesConfig.ready``,
because crew stands below guest pages and never imports them.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from crew.checkin import ListedPassenger
from guestpages.models import Passenger, Waiver


def listed_passengers(booking_id: int) -> list[ListedPassenger]:
    """The booking's passenger list, in the guest's order; ``[]`` when the guest gave none."""
    current = (
        Waiver.objects.filter(tenant_id=OuterRef("passenger_list__booking__tenant_id"))
        .order_by("-version")
        .values("pk")[:1]
    )
    rows = (
        Passenger.objects.filter(passenger_list__booking_id=booking_id)
        # The brand's current waiver rides along in the same query: "no waiver yet" only means
        # something if the brand has one, and an older text accepted is not the current one.
        .annotate(current_waiver_id=Subquery(current))
        .order_by("position")
        .values_list("full_name", "is_adult", "waiver_id", "current_waiver_id")
    )
    return [
        ListedPassenger(name=name, is_adult=adult, waiver=_waiver_state(adult, accepted, current_id))
        for name, adult, accepted, current_id in rows
    ]


def _waiver_state(is_adult: bool, accepted_id: int | None, current_id: int | None) -> str:
    if not is_adult or current_id is None:
        return ""  # children sign nothing; a brand without a waiver asks nobody
    if accepted_id == current_id:
        return "accepted"
    # The guest page asks again for an older version (README, Who's coming); until then it is not the current text.
    return "older" if accepted_id else "missing"
