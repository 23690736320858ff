"""The booking page's marketplace part: the hold a booking stands for, and the flag when the
marketplace stops listing it (with the button that clears it)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from bookings.admin_booking_form import wall_clock_initial
from bookings.availability import hold_label
from bookings.holds import hold_detach
from bookings.models import Booking, CalendarEntry
from charterops.timezones import local_range


class MarketplaceHoldAdminMixin:
    """For BookingAdmin: ``marketplace_panel`` (read-only field), the detach URL, and start/end
    prefilled from the add form's query string (the "enter details" link of a hold)."""

    def get_changeform_initial_data(self, request):
        return wall_clock_initial(super().get_changeform_initial_data(request))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/detach-hold/<int:hold_id>/",
                self.admin_site.admin_view(self.detach_hold_view),
                name="bookings_booking_detach_hold",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="marketplace")
    def marketplace_panel(self, obj: Booking):
        if obj is None or obj.pk is None:
            return "Saving a booking of a marketplace over that marketplace's hold links the two."
        holds = list(obj.claimed_holds.select_related("feed", "boat", "tenant").order_by("start", "pk"))
        if not holds:
            return "—"
        lines = []
        for hold in holds:
            when = local_range(hold.start, hold.end, hold.tenant.zone)
            if hold.status == CalendarEntry.Status.ACTIVE:
                lines.append(format_html("Stands for the {}, {}.", hold_label(hold), when))
                continue
            source = hold.feed.get_source_display() if hold.feed_id else "The marketplace"
            url = reverse("admin:bookings_booking_detach_hold", args=[obj.pk, hold.pk])
            since = timezone.localtime(hold.updated_at, hold.tenant.zone).strftime("%b %-d %H:%M")
            lines.append(
                format_html(
                    '<strong style="color:#ba2121">{} no longer lists this booking</strong> (its hold, {}, '
                    "was dropped from the feed on {}). Check with {}: cancel the booking if it is off; "
                    "if it stands, clear the flag. "
                    '<button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate>'
                    "Clear the flag (keep the booking)</button>",
                    source,
                    when,
                    since,
                    source,
                    url,
                )
            )
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    def detach_hold_view(self, request, object_id: str, hold_id: int):
        """POST only (the button submits the page's form here, CSRF token included)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        booking = self.get_object(request, object_id)  # scoped to the user's brands
        if booking is None:
            raise Http404("No such booking.")
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        try:
            hold_detach(booking=booking, hold_id=hold_id, actor=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                "Flag cleared: the booking stands, and the dropped marketplace hold is no longer linked to it.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
