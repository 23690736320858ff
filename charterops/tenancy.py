"""Which brands (tenants) a staff user may see, and the admin mixin that enforces it."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet


def tenant_ids_for(user) -> list[int] | None:
    """Ids of the tenants ``user`` manages; ``None`` means every tenant (superusers)."""
    if user.is_superuser:
        return None
    cache = getattr(user, "_charterops_tenant_ids", None)
    if cache is None:
        cache = list(user.tenants.values_list("id", flat=True))
        user._charterops_tenant_ids = cache
    return cache


def scope_to_user(qs: QuerySet, user, tenant_path: str) -> QuerySet:
    ids = tenant_ids_for(user)
    if ids is None:
        return qs
    qs = qs.filter(**{f"{tenant_path}__in": ids})
    # A many-to-many path (crew working for two brands) can repeat rows.
    return qs.distinct() if tenant_path.split("__")[0] == "tenants" else qs


class TenantScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows, choices and autocompletes stop at the user's tenants.

    ``tenant_path`` is the lookup from the model to its Tenant. Objects of other
    tenants are not in ``get_queryset`` so their change pages answer 404.
    """

    tenant_path = "tenant"

    def get_queryset(self, request):
        return scope_to_user(super().get_queryset(request), request.user, self.tenant_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scope_field(field, db_field.related_model, request.user)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scope_field(field, db_field.related_model, request.user)


class TenantScopedHistoryMixin:
    """History pages that show who did it (``history_actor``), for the user's own brands only.

    simple-history's history views fall back to the historical row when
    ``get_queryset`` hides the object, which would show staff another brand's
    history (deleted objects included); the permission check stops that.
    """

    history_list_display = ["history_actor"]

    def has_view_history_or_change_history_permission(self, request, obj=None):
        if not super().has_view_history_or_change_history_permission(request, obj):
            return False
        ids = tenant_ids_for(request.user)
        if obj is None or ids is None:
            return True
        *hops, last = self.tenant_path.split("__")
        target = obj
        try:
            for hop in hops:
                target = getattr(target, hop)
        except ObjectDoesNotExist:
            return False  # the parent is gone: its brand cannot be checked
        return getattr(target, f"{last}_id", None) in ids


class TenantScopedInline:
    """The same choice scoping for inlines (mixed into InlineModelAdmin classes)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scope_field(field, db_field.related_model, request.user)


# Lookup from each tenant-owned model to its tenant, for choice lists.
_CHOICE_PATHS = {
    "bookings.tenant": "id",
    "bookings.boat": "tenant",
    "bookings.booking": "tenant",
    "crew.crewmember": "tenants",
    "crew.crewevent": "booking__tenant",
}


def _scope_field(field, model, user):
    if field is None or not hasattr(field, "queryset"):
        return field
    path = _CHOICE_PATHS.get(model._meta.label_lower)
    if path is not None:
        field.queryset = scope_to_user(field.queryset, user, path)
    return field
