"""Admin of what decides whether a person may be aboard: credentials, their kinds, and time off."""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import PurePosixPath

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from bookings.availability import ConflictError
from bookings.forms import add_conflict_errors
from charterops.tenancy import (
    SuperuserManagedAdmin,
    TenantScopedAdmin,
    TenantScopedHistoryMixin,
    brand_zone_for,
    render_now,
    scope_to_user,
    tenant_ids_for,
)
from crew.availability import time_off_clashes
from crew.models import (
    Credential,
    CredentialKind,
    CrewMember,
    TimeOff,
)
from crew.services import (
    time_off_remove,
    time_off_save,
)


@admin.register(CredentialKind)
class CredentialKindAdmin(SuperuserManagedAdmin):
    """Operator-wide, like roles (which require them): staff see and pick them, superusers change them."""

    list_display = ("name", "slug", "required_by")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("required_by_roles")

    @admin.display(description="required by")
    def required_by(self, obj: CredentialKind) -> str:
        return ", ".join(r.name for r in obj.required_by_roles.all()) or "—"


def credential_scan_link(obj: Credential):
    if not obj.pk or not obj.scan:
        return "—"
    return format_html('<a href="{}">Download scan</a>', reverse("admin:crew_credential_scan", args=[obj.pk]))


class CredentialInline(admin.TabularInline):
    model = Credential
    extra = 0
    fields = ("kind", "number", "issued_on", "expires_on", "scan", "scan_link")
    readonly_fields = ("scan_link",)

    @admin.display(description="download")
    def scan_link(self, obj: Credential):
        return credential_scan_link(obj)


class TimeOffFormSet(forms.BaseInlineFormSet):
    """Time off is refused while the person is still on a charter then (the rule ``time_off_save`` keeps)."""

    # Set by TimeOffInline.get_formset: the brands whose boats the user may see named.
    visible_tenant_ids = None

    def clean(self):
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not form.has_changed():
                continue
            clashes = time_off_clashes(time_off=form.instance, visible_tenant_ids=self.visible_tenant_ids)
            if clashes:
                add_conflict_errors(form, ConflictError(clashes, field="start"))


def crew_zone(request, member: CrewMember | None = None):
    """The zone time off is typed and shown in: the crew member's first brand's, else the staff user's."""
    brand = member.tenants.order_by("name").first() if member is not None and member.pk else None
    return brand.zone if brand is not None else brand_zone_for(request)


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    formset = TimeOffFormSet
    extra = 0
    fields = ("start", "end", "note", "entered_by")
    readonly_fields = ("entered_by",)

    def get_formset(self, request, obj=None, **kwargs):
        self.verbose_name_plural = f"time off (upcoming and the last 30 days; times in {crew_zone(request, obj).key})"
        formset = super().get_formset(request, obj, **kwargs)
        formset.visible_tenant_ids = tenant_ids_for(request.user)
        return formset

    def get_queryset(self, request):
        # What is long over is history: the page shows what is coming.
        return super().get_queryset(request).filter(end__gt=timezone.now() - dt.timedelta(days=30))


class ExpiryFilter(admin.SimpleListFilter):
    title = "expires"
    parameter_name = "expires"

    def lookups(self, request, model_admin):
        return [
            ("lapsed", "Lapsed"),
            ("14", "Within 14 days"),
            ("60", "Within 60 days"),
            ("90", "Within 90 days"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "lapsed":
            return queryset.filter(expires_on__lt=today)
        if self.value() in {"14", "60", "90"}:
            return queryset.filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=int(self.value())))
        return queryset


@admin.register(Credential)
class CredentialAdmin(TenantScopedHistoryMixin, TenantScopedAdmin, SimpleHistoryAdmin):
    """Every crew member's credentials; "Within 90 days" lists what to chase for renewal."""

    tenant_path = "crew_member__tenants"
    list_display = ("crew_member", "kind", "number", "issued_on", "expires_on", "expiry_state", "scan_link")
    list_filter = (ExpiryFilter, "kind")
    list_select_related = ("crew_member", "kind")
    search_fields = ("crew_member__name", "crew_member__email", "number")
    autocomplete_fields = ("crew_member",)
    ordering = ("expires_on",)
    readonly_fields = ("scan_link",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # The tenant path crosses a many-to-many: keep one row per credential.
        return qs.distinct() if tenant_ids_for(request.user) is not None else qs

    @admin.display(description="state", ordering="expires_on")
    def expiry_state(self, obj: Credential) -> str:
        if obj.expires_on is None:
            return "does not expire"
        days = (obj.expires_on - timezone.localdate()).days
        if days < 0:
            return f"lapsed {-days} day(s) ago"
        return f"expires in {days} day(s)"

    @admin.display(description="scan")
    def scan_link(self, obj: Credential):
        return credential_scan_link(obj)

    def get_urls(self):
        return [
            path(
                "<int:credential_id>/scan/",
                self.admin_site.admin_view(self.scan_view),
                name="crew_credential_scan",
            ),
            *super().get_urls(),
        ]

    def scan_view(self, request, credential_id: int):
        """Stream a scan to staff of a brand the crew member works for; scans have no public URL."""
        credential = get_object_or_404(self.get_queryset(request), pk=credential_id)
        if not self.has_view_permission(request, credential):
            raise PermissionDenied
        if not credential.scan:
            raise Http404("No scan.")
        name = credential.scan.name
        try:
            handle = credential.scan.storage.open(name, "rb")
        except FileNotFoundError as exc:
            raise Http404("The scan file is missing.") from exc
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        filename = f"{credential.crew_member.name} {credential.kind.name}{PurePosixPath(name).suffix}"
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
        response["Cache-Control"] = "private, no-store"
        return response


@admin.register(TimeOff)
class TimeOffAdmin(TenantScopedHistoryMixin, TenantScopedAdmin, SimpleHistoryAdmin):
    tenant_path = "crew_member__tenants"
    list_display = ("crew_member", "start", "end", "note", "entered_by")
    list_select_related = ("crew_member",)
    search_fields = ("crew_member__name",)
    autocomplete_fields = ("crew_member",)
    date_hierarchy = "start"
    fields = ("crew_member", "start", "end", "note", "entered_by")
    readonly_fields = ("entered_by",)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        time_off = self.get_object(request, object_id) if object_id else None
        member = time_off.crew_member if time_off else None
        if member is None and request.method == "POST":
            # A new entry is read in the zone of the person it is for, as it will be shown later.
            chosen = request.POST.get("crew_member", "")
            visible = scope_to_user(CrewMember.objects.all(), request.user, "tenants")
            member = visible.filter(pk=chosen).first() if chosen.isdigit() else None
        zone = crew_zone(request, member)
        extra_context = {**(extra_context or {}), "subtitle": f"Times in {zone.key}"}
        with timezone.override(zone):
            return render_now(super().changeform_view(request, object_id, form_url, extra_context))

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.distinct() if tenant_ids_for(request.user) is not None else qs

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        visible = tenant_ids_for(request.user)

        class CheckedForm(form):
            def _post_clean(self):
                super()._post_clean()
                if not self._errors and self.instance.crew_member_id:
                    clashes = time_off_clashes(time_off=self.instance, visible_tenant_ids=visible)
                    if clashes:
                        add_conflict_errors(self, ConflictError(clashes, field="start"))

        return CheckedForm

    def save_model(self, request, obj, form, change):
        time_off_save(time_off=obj, entered_by=f"staff:{request.user.get_username()}")

    def delete_model(self, request, obj):
        time_off_remove(time_off=obj)
