# Availability: turnaround, occupancy, blocks on boats, overrides, and PostgreSQL's
# exclusion constraint against double-booked boats.

import datetime as dt

import bookings.models
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

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
        ('bookings', '0002_booking_reference_lookup'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='booking',
            options={'ordering': ['-start'], 'permissions': [('override_conflict', 'Can save a booking that clashes with another or with a block')]},
        ),
        migrations.AddField(
            model_name='boat',
            name='turnaround_minutes',
            field=models.PositiveSmallIntegerField(default=30, help_text='Cleaning and provisioning after each charter: the boat cannot start another one sooner.', validators=[django.core.validators.MaxValueValidator(1440)], verbose_name='turnaround (minutes)'),
        ),
        migrations.AddField(
            model_name='booking',
            name='conflict_override_reason',
            field=models.TextField(blank=True, help_text='Why this booking was saved although its boat is already taken then (a boat swap being arranged).', verbose_name='clash override reason'),
        ),
        migrations.AddField(
            model_name='booking',
            name='occupied_until',
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='booking',
            name='rebooking_of',
            field=models.ForeignKey(blank=True, help_text='The weather-owed charter this booking makes good.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='rebookings', to='bookings.booking'),
        ),
        migrations.AddField(
            model_name='calendarentry',
            name='boat',
            field=models.ForeignKey(blank=True, help_text='Maintenance or a blackout on this boat blocks it. A blackout without a boat blocks every boat.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='calendar_entries', to='bookings.boat'),
        ),
        migrations.AddField(
            model_name='calendarentry',
            name='conflict_override_reason',
            field=models.TextField(blank=True, help_text='Why this block was saved although a confirmed charter is on the boat then.', verbose_name='clash override reason'),
        ),
        migrations.AddField(
            model_name='historicalbooking',
            name='conflict_override_reason',
            field=models.TextField(blank=True, help_text='Why this booking was saved although its boat is already taken then (a boat swap being arranged).', verbose_name='clash override reason'),
        ),
        migrations.AddField(
            model_name='historicalbooking',
            name='occupied_until',
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='historicalbooking',
            name='rebooking_of',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The weather-owed charter this booking makes good.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='bookings.booking'),
        ),
        migrations.AddField(
            model_name='historicalcalendarentry',
            name='boat',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='Maintenance or a blackout on this boat blocks it. A blackout without a boat blocks every boat.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='bookings.boat'),
        ),
        migrations.AddField(
            model_name='historicalcalendarentry',
            name='conflict_override_reason',
            field=models.TextField(blank=True, help_text='Why this block was saved although a confirmed charter is on the boat then.', verbose_name='clash override reason'),
        ),
        migrations.RunPython(fill_occupancy, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='booking',
            name='occupied_until',
            field=models.DateTimeField(editable=False),
        ),
        migrations.AlterField(
            model_name='historicalbooking',
            name='occupied_until',
            field=models.DateTimeField(editable=False),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(fields=['boat', 'occupied_until'], name='booking_boat_occupancy'),
        ),
        migrations.AddIndex(
            model_name='calendarentry',
            index=models.Index(fields=['tenant', 'end'], name='entry_tenant_end'),
        ),
        BtreeGistExtension(),  # "boat WITH =" in a GiST index (PostgreSQL only; nothing elsewhere)
        migrations.AddConstraint(
            model_name='booking',
            constraint=bookings.models.PostgresOnlyExclusionConstraint(condition=models.Q(('conflict_override_reason', ''), ('status', 'confirmed')), expressions=[('boat', '='), (bookings.models.TsTzRange('start', 'occupied_until'), '&&')], name='booking_no_overlap_per_boat', violation_error_code='boat_taken', violation_error_message='The boat is already booked then.'),
        ),
    ]
