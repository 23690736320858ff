from django.contrib import admin
from django.utils.html import format_html

from charterops.tenancy import TenantScopedAdmin
from guestpages.models import GuestPage


@admin.register(GuestPage)
class GuestPageAdmin(TenantScopedAdmin):
    tenant_path = "booking__tenant"
    list_display = ("slug", "booking", "published_at", "link")
    list_select_related = ("booking__tenant",)
    search_fields = ("slug", "booking__guest_name", "booking__external_reference")
    readonly_fields = ("booking", "slug", "published_hash", "published_at", "invalidation_id", "link")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    @admin.display(description="public URL")
    def link(self, obj: GuestPage):
        return format_html('<a href="{0}" target="_blank" rel="noopener">{0}</a>', obj.public_url)
