"""Which brands (tenants) a staff user may see, and the admin mixin that enforces it."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone


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


def brand_zone_for(request, obj=None, tenant_path: str = "tenant"):
    """The zone a page about ``obj`` is shown in: its brand's, else the staff user's first brand's."""
    target = obj
    if obj is not None and "tenants" not in tenant_path.split("__"):
        try:
            for hop in tenant_path.split("__"):
                target = getattr(target, hop)
        except (AttributeError, ObjectDoesNotExist):
            target = None
        if hasattr(target, "zone"):
            return target.zone
    brand = request.user.tenants.order_by("name").first() if request.user.is_authenticated else None
    if brand is None and getattr(request.user, "is_superuser", False):
        from bookings.models import Tenant  # superusers manage every brand: the first one's clock

        brand = Tenant.objects.order_by("name").first()
    return brand.zone if brand is not None else timezone.get_default_timezone()


def render_now(response):
    """Render a TemplateResponse inside the caller's ``timezone.override`` (left lazy, Django renders it
    after the view returned, in UTC)."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    return response


class BrandZoneAdmin:
    """Object pages read and show times in the object's brand zone; lists in the user's first brand's.

    Mixed into ModelAdmins before TenantScopedAdmin. Every time on the page then reads as
    the brand's wall clock, with its zone (``charterops/formats``).
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        obj = self.get_object(request, object_id) if object_id else None
        with timezone.override(brand_zone_for(request, obj, getattr(self, "tenant_path", "tenant"))):
            return render_now(super().changeform_view(request, object_id, form_url, extra_context))

    def changelist_view(self, request, extra_context=None):
        with timezone.override(brand_zone_for(request)):
            return render_now(super().changelist_view(request, extra_context))


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
