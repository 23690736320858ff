"""Admin of the calendar entries: blocks (maintenance, blackouts) and the bookings' own entries."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

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
    list_display = ("title", "tenant", "boat", "kind", "local_start", "local_end", "status", "created_by", "clash_flag")
    list_filter = ("tenant", "kind", "status", OverrideFilter, ("start", admin.DateFieldListFilter))
    list_select_related = ("tenant", "created_by_user", "booking", "boat")
    search_fields = ("title", "booking__guest_name", "booking__external_reference")
    date_hierarchy = "start"
    autocomplete_fields = ("booking", "boat")
    readonly_fields = ("created_by_user", "created_by_service", "created_at", "updated_at", "conflict_override_reason")
    fieldsets = (
        (None, {"fields": ("tenant", "kind", "boat", "title", "start", "end", "status", "booking")}),
        ("Availability", {"fields": ("conflict_override_reason", "override_reason")}),
        ("Record", {"fields": ("created_by_user", "created_by_service", "created_at", "updated_at")}),
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
