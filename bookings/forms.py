"""Admin forms: times are typed and shown in the brand's own zone."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import Booking, CalendarEntry
from charterops.timezones import make_aware_local


class WallClockDateTimeField(forms.SplitDateTimeField):
    """A date and a time as typed, without a zone; the form attaches the tenant's zone."""

    widget = AdminSplitDateTime

    def compress(self, data_list):
        if not data_list:
            return None
        if data_list[0] in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if data_list[1] in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return dt.datetime.combine(*data_list)


class TenantLocalTimesForm(forms.ModelForm):
    """Shows ``start``/``end`` in the tenant's zone and reads them back in it."""

    local_time_fields = ("start", "end")

    start = WallClockDateTimeField()
    end = WallClockDateTimeField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tenant = self._tenant_from_instance()
        zone_name = tenant.timezone if tenant else "the brand's time zone"
        for name in self.local_time_fields:
            self.fields[name].help_text = f"Local time in {zone_name}."
            value = getattr(self.instance, name, None)
            if tenant and value is not None and timezone.is_aware(value):
                self.initial[name] = timezone.localtime(value, tenant.zone).replace(tzinfo=None)

    def _tenant_from_instance(self):
        if getattr(self.instance, "tenant_id", None):
            return self.instance.tenant
        return None

    def clean(self):
        cleaned = super().clean()
        tenant = cleaned.get("tenant") or self._tenant_from_instance()
        if tenant is None:
            return cleaned
        for name in self.local_time_fields:
            value = cleaned.get(name)
            if value is None:
                continue
            try:
                cleaned[name] = make_aware_local(value, tenant.zone)
            except ValidationError as exc:
                self.add_error(name, exc)
        return cleaned


class BookingAdminForm(TenantLocalTimesForm):
    class Meta:
        model = Booking
        fields = (
            "tenant",
            "boat",
            "source",
            "external_reference",
            "status",
            "guest_name",
            "guest_email",
            "guest_phone",
            "party_size",
            "start",
            "end",
            "meeting_point",
            "gross_amount",
            "platform_fee",
            "platform_pays_captain",
            "port_tax_rate",
            "internal_notes",
            "crew_notes",
            "guest_notes",
        )


class CalendarEntryAdminForm(TenantLocalTimesForm):
    class Meta:
        model = CalendarEntry
        fields = ("tenant", "booking", "title", "start", "end", "kind", "status")
