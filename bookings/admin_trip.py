"""The booking page's trip log: staff read scheduled against actual times and edit the check-in.

The check-in fields are part of the booking form (so errors show on their fields), checked by
the same rules as the captain's crew page (:func:`bookings.trip.trip_values_clean`), and written
only by :func:`bookings.services.booking_trip_record`: ``booking_save`` never writes them, and a
save that changes nothing but the trip log does not call it (no crew re-invitation, no guest
page publish). Nothing here changes paid hours or money.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from bookings.forms import BookingAdminForm, WallClockDateTimeField
from bookings.models import Booking
from bookings.services import booking_trip_record
from bookings.trip import TRIP_FIELDS, trip_summary, trip_values_clean

# The fields staff edit on the page (names checked in come from the passenger list, not typed here).
TRIP_FORM_FIELDS = ("guests_boarded", "no_show", "departed_at", "returned_at", "incident_note")

TRIP_LOG_FIELDSET = (
    "Trip log",
    {
        "fields": ("trip_log_panel", *TRIP_FORM_FIELDS),
        "description": "Recorded by the captain on the crew page, or here; the crew of this charter see it. "
        "It never changes the money: compare the times and adjust paid hours on the crew rows if needed.",
    },
)


class BookingTripLogForm(BookingAdminForm):
    """The booking form with the trip log: its times typed in the brand's zone, its rules checked on the page."""

    local_time_fields = (*BookingAdminForm.local_time_fields, "departed_at", "returned_at")

    departed_at = WallClockDateTimeField(label="Departed at", required=False)
    returned_at = WallClockDateTimeField(label="Returned at", required=False)

    def trip_changes(self) -> dict:
        """The trip log fields staff changed, with their new values."""
        return {name: self.cleaned_data.get(name) for name in self.changed_data if name in TRIP_FORM_FIELDS}

    def _post_clean(self):
        super()._post_clean()
        if {"tenant", "boat", "start", "end"} & set(self._errors or ()):
            return  # the charter itself is not valid yet: nothing to compare the trip with
        changes = self.trip_changes()
        if not changes:
            return
        try:
            trip_values_clean(self.instance, changes, now=timezone.now())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)


def trip_log_split(obj: Booking, form: BookingTripLogForm) -> dict:
    """Take the trip log changes off ``obj`` (back to what is recorded) and return them.

    ``booking_save`` then saves the rest of the booking and leaves the trip log as it was.
    """
    changes = form.trip_changes()
    recorded = Booking.objects.filter(pk=obj.pk).values(*TRIP_FIELDS).first() if obj.pk else None
    for name in TRIP_FIELDS:
        setattr(obj, name, recorded[name] if recorded else Booking._meta.get_field(name).get_default())
    return changes


def trip_log_save(modeladmin: admin.ModelAdmin, request, obj: Booking, changes: dict) -> None:
    """Record the staff's trip log changes (after the booking is saved), as the request's user."""
    if not changes:
        return
    try:
        booking_trip_record(booking=obj, actor=request.user, **changes)
    except ValidationError as exc:  # changed meanwhile (the form checked the same rules)
        modeladmin.message_user(request, "Trip log not saved: " + " ".join(exc.messages), messages.ERROR)


def trip_log_only(form: BookingTripLogForm, changes: dict, change: bool) -> bool:
    """Staff changed the trip log and nothing else of the booking: ``booking_save`` has nothing to do."""
    return change and bool(changes) and not set(form.changed_data) - set(changes)


class TripLogAdminMixin:
    """The read-only "scheduled against actual" panel of the trip log fieldset."""

    @admin.display(description="scheduled and actual")
    def trip_log_panel(self, obj: Booking):
        if obj is None or obj.pk is None:
            return "Shown after saving."
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in trip_summary(obj)))
