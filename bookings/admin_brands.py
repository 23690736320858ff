"""Admin of brands and their boats."""

from __future__ import annotations

from django.contrib import admin

from bookings.forms import BoatAdminForm
from bookings.models import Boat, Tenant
from bookings.services import boat_save
from charterops.tenancy import (
    TenantScopedAdmin,
)

# Where a brand's pages and mail go: only superusers see or change these.
INFRASTRUCTURE_FIELDS = ("guest_domain", "s3_bucket", "cloudfront_distribution_id", "sender_email")


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin):
    tenant_path = "id"
    list_display = ("name", "timezone", "guest_domain", "s3_bucket", "cloudfront_distribution_id", "sender_email")
    search_fields = ("name", "slug", "guest_domain")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("staff",)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_list_display(self, request):
        if request.user.is_superuser:
            return self.list_display
        return tuple(f for f in self.list_display if f not in INFRASTRUCTURE_FIELDS)

    def get_exclude(self, request, obj=None):
        # Staff of a brand could otherwise point its pages and mail at another brand's bucket and sender.
        return () if request.user.is_superuser else INFRASTRUCTURE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return () if request.user.is_superuser else ("staff",)


@admin.register(Boat)
class BoatAdmin(TenantScopedAdmin):
    form = BoatAdminForm
    list_display = ("name", "tenant", "capacity", "turnaround_minutes", "default_meeting_point")
    list_filter = ("tenant",)
    list_select_related = ("tenant",)
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        boat_save(boat=obj, validate=False)
