# Availability, first step: turnaround, occupancy (filled in by 0004), blocks on boats, overrides.

import bookings.models
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

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
    ]
