# Availability, second step: fill in each booking's occupancy and mark the clashes the data holds.
# Data only, in a migration of its own: on PostgreSQL the rows it updates leave deferred
# foreign-key checks pending until its transaction commits, and DDL refuses to run before that.

import datetime as dt

from django.db import migrations

LEGACY_OVERRIDE = (
    "Already clashing when availability checks arrived (migration 0003). "
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
    rows = Booking.objects.order_by("boat_id", "start", "pk").values_list("pk", "boat_id", "start", "end", "status")
    last_boat, busy_until, batch, legacy = None, None, [], []
    for pk, boat_id, start, end, status in rows.iterator(chunk_size=2000):
        until = end.astimezone(dt.UTC) + turnaround
        batch.append(Booking(pk=pk, occupied_until=until))
        if status != "confirmed":
            continue
        if boat_id == last_boat and busy_until is not None and start < busy_until:
            legacy.append(pk)
        if boat_id != last_boat or busy_until is None or until > busy_until:
            busy_until = until
        last_boat = boat_id
        if len(batch) >= 2000:
            Booking.objects.bulk_update(batch, ["occupied_until"])
            batch = []
    Booking.objects.bulk_update(batch, ["occupied_until"])
    Booking.objects.filter(pk__in=legacy).update(conflict_override_reason=LEGACY_OVERRIDE)
    for history in HistoricalBooking.objects.filter(occupied_until__isnull=True).only("pk", "end").iterator():
        HistoricalBooking.objects.filter(pk=history.pk).update(occupied_until=history.end + turnaround)


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0003_availability'),
    ]

    operations = [
        migrations.RunPython(fill_occupancy, migrations.RunPython.noop),
    ]
