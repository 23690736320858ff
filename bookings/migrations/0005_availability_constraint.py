# Availability, third step: occupancy required, the index the clash check uses, and PostgreSQL's
# exclusion constraint against double-booked boats (nothing on SQLite).

import bookings.constraints
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models


class BtreeGistOnPostgres(BtreeGistExtension):
    """Django's operation queries pg_extension even on SQLite when unapplied; skip it there."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0004_availability_fill'),
    ]

    operations = [
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
        BtreeGistOnPostgres(),  # "boat WITH =" in a GiST index (PostgreSQL only; nothing elsewhere)
        migrations.AddConstraint(
            model_name='booking',
            constraint=bookings.constraints.PostgresOnlyExclusionConstraint(condition=models.Q(('conflict_override_reason', ''), ('status', 'confirmed')), expressions=[('boat', '='), (bookings.constraints.TsTzRange('start', 'occupied_until'), '&&')], name='booking_no_overlap_per_boat', violation_error_code='boat_taken', violation_error_message='The boat is already booked then.'),
        ),
    ]
