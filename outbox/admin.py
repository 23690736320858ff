from django.contrib import admin, messages

from charterops.tenancy import BrandZoneAdmin, TenantScopedAdmin
from outbox.models import Effect
from outbox.services import effect_retry


@admin.register(Effect)
class EffectAdmin(BrandZoneAdmin, TenantScopedAdmin):
    tenant_path = "booking__tenant"
    list_display = ("id", "kind", "target_id", "booking", "reason", "status", "attempts", "short_error", "updated_at")
    list_filter = ("status", "kind")
    list_select_related = ("booking",)
    search_fields = ("=target_id", "provider_message_id", "last_error")
    date_hierarchy = "created_at"
    actions = ("retry",)
    readonly_fields = [f.name for f in Effect._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="last error")
    def short_error(self, obj: Effect) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description="Retry the selected failed side effects", permissions=["view"])
    def retry(self, request, queryset):
        count = effect_retry(effect_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} side effect(s) queued again.", messages.SUCCESS)
