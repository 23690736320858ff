# Availability, second step: fill in each booking's occupancy and mark the clashes the data holds.
# Data only, in a migration of its own: on PostgreSQL the rows it updates leave deferred
# foreign-key checks pending until its transaction commits, and DDL refuses to run before that.

import datetime as dt

from django.db import migrations
from django.db.models import F

LEGACY_OVERRIDE = (
    "Already clashing when availability checks arrived (migration 0004). "
    "Move or cancel one of the two, or keep this note if it is intended."
)


def fill_occupancy(apps, schema_editor):
    """Record each booking's occupancy, and mark the clashes the data already holds.

    The exclusion constraint cannot be added over overlapping rows, and deleting or
    moving a booking is not a migration's call: the later booking of each clashing
    pair is marked with an override note, so it shows in the booking list,
    in "needs attention" and in ``find_conflicts`` until staff resolve it.
    """
    Booking = apps.get_model("bookings", "Booking")
    HistoricalBooking = apps.get_model("bookings", "HistoricalBooking")
    turnaround = dt.timedelta(minutes=30)  # every boat starts with the default
    # One UPDATE each: end + turnaround, in the database's own datetime arithmetic (UTC).
    Booking.objects.update(occupied_until=F("end") + turnaround)
    HistoricalBooking.objects.filter(occupied_until__isnull=True).update(occupied_until=F("end") + turnaround)
    confirmed = (
        Booking.objects.filter(status="confirmed")
        .order_by("boat_id", "start", "pk")
        .values_list("pk", "boat_id", "start", "occupied_until")
    )
    last_boat, busy_until, legacy = None, None, []
    for pk, boat_id, start, until in confirmed.iterator(chunk_size=2000):
        if boat_id == last_boat and start < busy_until:
            legacy.append(pk)
        if boat_id != last_boat or until > busy_until:
            busy_until = until
        last_boat = boat_id
    for i in range(0, len(legacy), 500):
        Booking.objects.filter(pk__in=legacy[i : i + 500]).update(conflict_override_reason=LEGACY_OVERRIDE)


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0003_availability'),
    ]

    operations = [
        migrations.RunPython(fill_occupancy, migrations.RunPython.noop),
    ]
