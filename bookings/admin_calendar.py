"""Admin of the calendar entries: blocks (maintenance, blackouts), the bookings' own entries, and
marketplace holds (read-only: the marketplace sync owns them; staff turn them into bookings)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from bookings.admin_booking_form import booking_add_url_for_hold
from bookings.admin_clash import ClashCheckedAdmin, OverrideFilter
from bookings.forms import CalendarEntryAdminForm
from bookings.models import CalendarEntry
from bookings.services import calendar_entry_save
from charterops.tenancy import (
    BrandZoneAdmin,
    TenantScopedAdmin,
    TenantScopedHistoryMixin,
)


@admin.register(CalendarEntry)
class CalendarEntryAdmin(
    BrandZoneAdmin, ClashCheckedAdmin, TenantScopedHistoryMixin, TenantScopedAdmin, SimpleHistoryAdmin
):
    form = CalendarEntryAdminForm
    list_display = (
        "title",
        "tenant",
        "boat",
        "kind",
        "local_start",
        "local_end",
        "status",
        "created_by",
        "marketplace",
        "clash_flag",
    )
    # Brand and boat list only the user's own (TenantScopedAdmin scopes related-field filters).
    list_filter = ("tenant", "boat", "kind", "status", OverrideFilter, ("start", admin.DateFieldListFilter))
    list_select_related = ("tenant", "created_by_user", "booking", "boat", "feed", "claimed_by")
    search_fields = ("title", "booking__guest_name", "booking__external_reference")
    date_hierarchy = "start"
    autocomplete_fields = ("booking", "boat")
    readonly_fields = ("created_by_user", "created_by_service", "created_at", "updated_at", "conflict_override_reason")
    fieldsets = (
        (None, {"fields": ("tenant", "kind", "boat", "title", "start", "end", "status", "booking")}),
        ("Availability", {"fields": ("conflict_override_reason", "override_reason")}),
        ("Record", {"fields": ("created_by_user", "created_by_service", "created_at", "updated_at")}),
    )
    hold_fieldsets = (
        (None, {"fields": ("tenant", "kind", "boat", "title", "start", "end", "status")}),
        (
            "Marketplace",
            {
                "fields": ("feed", "external_uid", "recurrence_id", "external_reference", "claim", "sequence"),
                "description": "Kept in step with the marketplace's feed by the sync: staff enter the booking instead.",
            },
        ),
        ("Record", {"fields": ("created_by_service", "created_at", "updated_at")}),
    )

    # --- marketplace holds: read-only ---------------------------------------------------
    @staticmethod
    def _is_hold(obj) -> bool:
        return obj is not None and obj.kind == CalendarEntry.Kind.MARKETPLACE

    def has_change_permission(self, request, obj=None):
        return not self._is_hold(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._is_hold(obj) and super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        if self._is_hold(obj):
            return self.hold_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if self._is_hold(obj):
            return [f for _, opts in self.hold_fieldsets for f in opts["fields"]]
        return super().get_readonly_fields(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            # Holds come from a boat's marketplace feed only.
            kwargs["choices"] = [c for c in CalendarEntry.Kind.choices if c[0] != CalendarEntry.Kind.MARKETPLACE]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    @admin.display(description="marketplace")
    def marketplace(self, obj: CalendarEntry):
        if not self._is_hold(obj):
            return ""
        source = obj.feed.get_source_display() if obj.feed_id else "—"
        if obj.claimed_by_id:
            url = reverse("admin:bookings_booking_change", args=[obj.claimed_by_id])
            return format_html('{} · <a href="{}">{}</a>', source, url, obj.claimed_by)
        return f"{source} · not entered yet"

    @admin.display(description="booking")
    def claim(self, obj: CalendarEntry):
        if obj.claimed_by_id:
            url = reverse("admin:bookings_booking_change", args=[obj.claimed_by_id])
            return format_html('<a href="{}">{}</a>', url, obj.claimed_by)
        if obj.status != CalendarEntry.Status.ACTIVE:
            return "None (the marketplace no longer lists this event)."
        return format_html(
            'None yet: it blocks the boat. <a class="button" href="{}">Enter the booking</a>',
            booking_add_url_for_hold(obj),
        )

    @admin.display(description="start (local)", ordering="start")
    def local_start(self, obj: CalendarEntry) -> str:
        return f"{timezone.localtime(obj.start, obj.tenant.zone):%Y-%m-%d %H:%M}"

    @admin.display(description="end (local)", ordering="end")
    def local_end(self, obj: CalendarEntry) -> str:
        return f"{timezone.localtime(obj.end, obj.tenant.zone):%Y-%m-%d %H:%M}"

    def save_model(self, request, obj, form, change):
        calendar_entry_save(
            entry=obj, actor=request.user, validate=False, override_reason=form.cleaned_data.get("override_reason", "")
        )
