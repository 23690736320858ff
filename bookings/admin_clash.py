"""Admin pieces for pages that refuse clashes: the override field for those allowed, and the list flag."""

from __future__ import annotations

from django.contrib import admin

from bookings import availability


class ClashCheckedAdmin:
    """Hands the saving user to a :class:`~bookings.forms.ClashCheckedForm` and shows the override
    field only to staff who hold ``bookings.override_conflict``."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if availability.can_override(request.user):
            return fieldsets
        return [
            (name, {**opts, "fields": tuple(f for f in opts["fields"] if f != "override_reason")})
            for name, opts in fieldsets
        ]

    @admin.display(description="clash")
    def clash_flag(self, obj) -> str:
        return "⚠ override" if obj.conflict_override_reason else ""


class OverrideFilter(admin.SimpleListFilter):
    title = "clash override"
    parameter_name = "override"

    def lookups(self, request, model_admin):
        return [("yes", "Saved over a clash"), ("no", "No override")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(conflict_override_reason="")
        if self.value() == "no":
            return queryset.filter(conflict_override_reason="")
        return queryset
