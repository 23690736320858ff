"""Marketplace holds that need staff: bookings to enter, and bookings the marketplace stopped listing.

One query for every brand and every hold: the unclaimed active holds that have not ended, and
the cancelled holds still claimed by a confirmed booking that has not ended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse

from bookings.admin_booking_form import booking_add_url_for_hold
from bookings.availability import booking_label
from bookings.models import Booking, CalendarEntry
from charterops.timezones import local_range


def holds_needing_staff(
    *, tenant_ids: Iterable[int], now: dt.datetime
) -> dict[int, list[tuple[str, str, str, dt.datetime | None, str]]]:
    """Per brand id: (label, message, url, start, severity), soonest first."""
    unclaimed = Q(status=CalendarEntry.Status.ACTIVE, claimed_by__isnull=True, boat__isnull=False, end__gt=now)
    dropped = Q(
        status=CalendarEntry.Status.CANCELLED,
        claimed_by__status=Booking.Status.CONFIRMED,
        claimed_by__end__gt=now,
    )
    holds = (
        CalendarEntry.objects.filter(kind=CalendarEntry.Kind.MARKETPLACE, tenant_id__in=list(tenant_ids))
        .filter(unclaimed | dropped)
        .select_related("tenant", "boat", "feed", "claimed_by__boat")
        .order_by("start", "pk")
    )
    found: dict[int, list] = {}
    for hold in holds:
        source = hold.feed.get_source_display() if hold.feed_id else "The marketplace"
        zone = hold.tenant.zone
        items = found.setdefault(hold.tenant_id, [])
        if hold.claimed_by_id is None:
            items.append(
                (
                    "Marketplace booking to enter",
                    f"{source} booking on {hold.boat.name}, {local_range(hold.start, hold.end, zone)}: enter details",
                    booking_add_url_for_hold(hold),
                    hold.start,
                    "warning",
                )
            )
            continue
        booking = hold.claimed_by
        items.append(
            (
                "Marketplace dropped a booking",
                f"{source} no longer lists this booking: {booking.boat.name}, {booking_label(booking)}, "
                f"{local_range(booking.start, booking.end, zone)}. Check with {source}, then cancel the booking "
                "or clear the flag on its page",
                reverse("admin:bookings_booking_change", args=[booking.pk]),
                booking.start,
                "error",
            )
        )
    return found
