"""Which brands (tenants) a staff user may see, and the admin mixin that enforces it."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
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

    def get_list_filter(self, request):
        # Every related-field filter lists only what the user may see, whoever adds it later.
        return tuple(scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request))


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A filter on a related field whose choices stop at the user's brands, like the rows.

    Django's own filter lists every row of the related model: another brand's name,
    boats and crew in the sidebar. A brand-owned model (brand, boat, booking, crew
    member...) is scoped like its choice lists; any other model (roles, credential
    kinds) lists only the values the user's own rows use.
    """

    def field_choices(self, field, request, model_admin):
        if tenant_ids_for(request.user) is None:
            return super().field_choices(field, request, model_admin)
        related = field.related_model
        path = _CHOICE_PATHS.get(related._meta.label_lower)
        if path is not None:
            allowed = scope_to_user(related._default_manager.all(), request.user, path).values("pk")
        else:
            allowed = model_admin.get_queryset(request).distinct().values_list(f"{self.field_path}__pk", flat=True)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, limit_choices_to={"pk__in": allowed}, ordering=ordering)


def scoped_list_filter(model, entry):
    """``entry`` of a ``list_filter``, with a bare related-field path given the scoped filter."""
    if not isinstance(entry, str):
        return entry
    try:
        fields = get_fields_from_path(model, entry)
    except (FieldDoesNotExist, NotRelationField):
        return entry
    return (entry, ScopedRelatedFieldListFilter) if fields[-1].is_relation else entry


class SuperuserManagedAdmin(admin.ModelAdmin):
    """Operator-wide lists every brand shares (roles, credential kinds).

    Staff of any brand see them and pick them on their own pages; only superusers
    add, change or delete them, since a change reaches every brand at once.
    """

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


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
    "bookings.marketplacefeed": "boat__tenant",
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
