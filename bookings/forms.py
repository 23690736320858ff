"""Admin forms: times are typed and shown in the brand's own zone."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from bookings import availability
from bookings.availability import Clash, ConflictError
from bookings.models import Boat, Booking, CalendarEntry
from charterops.timezones import make_aware_local

_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h]?(\d{2}))?(?::(\d{2}))?\s*([ap])?\.?\s*m?\.?\s*$", re.IGNORECASE)


class FlexibleTimeField(forms.TimeField):
    """A time as people type it: ``9:00 AM``, ``9am``, ``9.30pm``, ``21:00``, ``0930``, ``21:00:00``."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if hasattr(value, "hour"):
            return value
        match = _TIME.match(str(value))
        if match:
            hour, minute, second = int(match[1]), int(match[2] or 0), int(match[3] or 0)
            meridiem = (match[4] or "").lower()
            if meridiem and not 1 <= hour <= 12:
                hour = -1
            elif meridiem == "p" and hour != 12:
                hour += 12
            elif meridiem == "a" and hour == 12:
                hour = 0
            if 0 <= hour <= 23 and minute <= 59 and second <= 59:
                return dt.time(hour, minute, second)
        raise ValidationError("Enter a time such as 9:00 AM, 9am or 21:00.", code="invalid")


class WallClockDateTimeField(forms.SplitDateTimeField):
    """A date and a time as typed, without a zone; the form attaches the tenant's zone."""

    widget = AdminSplitDateTime

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        date_field, time_field = self.fields
        self.fields = (date_field, FlexibleTimeField(error_messages=time_field.error_messages, required=False))

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
            if name not in self.fields:
                continue  # read-only on this page (a marketplace hold, a view-only user)
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


def clash_message(clash: Clash):
    """A clash for the admin page: its text, with a link to the booking in the way."""
    if clash.booking_id is not None:
        url = reverse("admin:bookings_booking_change", args=[clash.booking_id])
        return format_html('{} <a href="{}">Open that booking</a>', clash.message, url)
    if clash.entry_id is not None:
        url = reverse("admin:bookings_calendarentry_change", args=[clash.entry_id])
        what = "that hold" if clash.kind == "hold" else "that block"
        return format_html('{} <a href="{}">Open {}</a>', clash.message, url, what)
    return clash.message


def add_conflict_errors(form: forms.BaseForm, exc: ConflictError, *, field: str | None = None) -> None:
    name = field if field is not None else (None if exc.field == NON_FIELD_ERRORS else exc.field)
    if name is not None and name not in form.fields:
        name = None
    form.add_error(name, ValidationError([clash_message(c) for c in exc.clashes], code="conflict"))


class ClashCheckedForm(TenantLocalTimesForm):
    """An admin form that refuses a clash on the page, before anything is saved.

    The check locks the boats it looks at, inside the admin's own transaction, so
    nothing can slip in between the check and the save. Staff with the
    ``bookings.override_conflict`` permission see an extra field: a reason there
    saves over the clash (and stays in the object's history).
    """

    # Set by the ModelAdmin's get_form: who is saving.
    actor = None

    override_reason = forms.CharField(
        label="Save over a clash because",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only if you mean it (a boat swap being arranged). Leave empty and a clash is refused.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not availability.can_override(self.actor):
            self.fields.pop("override_reason", None)

    def clash_check(self, override_reason: str) -> None:
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()
        if self._errors:
            return
        override = self.cleaned_data.get("override_reason", "")
        try:
            self.clash_check(override)
        except ConflictError as exc:
            add_conflict_errors(self, exc)
            if "override_reason" in self.fields:
                self.add_error(
                    "override_reason",
                    "To save anyway, say why here (it is kept in the history and flagged in the list).",
                )
        except ValidationError as exc:
            self.add_error(None, exc)


class BookingAdminForm(ClashCheckedForm):
    def clash_check(self, override_reason: str) -> None:
        from bookings.services import booking_availability_check

        booking_availability_check(booking=self.instance, actor=self.actor, override_reason=override_reason)

    def clean_rebooking_of(self):
        original = self.cleaned_data.get("rebooking_of")
        if original is not None and original.status != Booking.Status.WEATHER_OWED:
            raise ValidationError("A rebooking makes good a weather-owed charter; that one is not weather-owed.")
        return original

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
            "rebooking_of",
        )


class CalendarEntryAdminForm(ClashCheckedForm):
    def clash_check(self, override_reason: str) -> None:
        from bookings.services import calendar_entry_check

        calendar_entry_check(entry=self.instance, actor=self.actor, override_reason=override_reason)

    class Meta:
        model = CalendarEntry
        fields = ("tenant", "boat", "booking", "title", "start", "end", "kind", "status")


class BoatAdminForm(forms.ModelForm):
    def _post_clean(self):
        super()._post_clean()
        if self._errors or self.instance.pk is None:
            return
        from bookings.services import turnaround_clashes

        clashes, _ = turnaround_clashes(boat=self.instance)
        if clashes:
            add_conflict_errors(self, ConflictError(clashes, field="turnaround_minutes"))

    class Meta:
        model = Boat
        fields = ("tenant", "name", "capacity", "default_meeting_point", "turnaround_minutes")
