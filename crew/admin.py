from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import PurePosixPath

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from bookings import finance
from bookings.availability import ConflictError
from bookings.forms import add_conflict_errors
from charterops.tenancy import TenantScopedAdmin, TenantScopedHistoryMixin, TenantScopedInline, tenant_ids_for
from crew.admin_forms import AssignmentInlineFormSet, crew_member_choices_set
from crew.availability import time_off_clashes
from crew.models import (
    Assignment,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Credential,
    CredentialKind,
    CrewEvent,
    CrewMember,
    Role,
    TimeOff,
)
from crew.services import (
    assignment_remove,
    assignment_save,
    crew_calendar_token_replace,
    crew_invite_resend,
    time_off_remove,
    time_off_save,
)


@admin.register(CredentialKind)
class CredentialKindAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "required_by")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("required_by_roles")

    @admin.display(description="required by")
    def required_by(self, obj: CredentialKind) -> str:
        return ", ".join(r.name for r in obj.required_by_roles.all()) or "—"


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "requirements")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("required_credential_kinds",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("required_credential_kinds")

    @admin.display(description="required credentials")
    def requirements(self, obj: Role) -> str:
        return ", ".join(k.name for k in obj.required_credential_kinds.all()) or "—"


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

    def clean(self):
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not form.has_changed():
                continue
            clashes = time_off_clashes(time_off=form.instance)
            if clashes:
                add_conflict_errors(form, ConflictError(clashes, field="start"))


def crew_zone(request, member: CrewMember | None = None):
    """The zone time off is typed and shown in: the crew member's first brand's, else the staff user's."""
    brand = member.tenants.order_by("name").first() if member is not None and member.pk else None
    if brand is None:
        brand = request.user.tenants.order_by("name").first() if not request.user.is_superuser else None
    if brand is None:
        from bookings.models import Tenant

        brand = Tenant.objects.order_by("name").first()
    return brand.zone if brand is not None else timezone.get_default_timezone()


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    formset = TimeOffFormSet
    extra = 0
    fields = ("start", "end", "note", "entered_by")
    readonly_fields = ("entered_by",)

    def get_formset(self, request, obj=None, **kwargs):
        self.verbose_name_plural = f"time off (upcoming and the last 30 days; times in {crew_zone(request, obj).key})"
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        # What is long over is history: the page shows what is coming.
        return super().get_queryset(request).filter(end__gt=timezone.now() - dt.timedelta(days=30))


@admin.register(CrewMember)
class CrewMemberAdmin(TenantScopedAdmin):
    tenant_path = "tenants"
    list_display = ("name", "email", "phone", "role_list", "default_hourly_rate", "active")
    list_filter = ("active", "roles", "tenants")
    search_fields = ("name", "email", "phone")
    filter_horizontal = ("roles", "tenants")
    actions = ("replace_calendar_address",)
    inlines = (CredentialInline, TimeOffInline)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        member = self.get_object(request, object_id) if object_id else None
        with timezone.override(crew_zone(request, member)):  # time off is typed in the brand's zone
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_formset(self, request, form, formset, change):
        if formset.model is not TimeOff:
            return super().save_formset(request, form, formset, change)
        for time_off in formset.save(commit=False):
            time_off_save(time_off=time_off, entered_by=f"staff:{request.user.get_username()}")
        for time_off in formset.deleted_objects:
            time_off_remove(time_off=time_off)
        return None

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    @admin.display(description="roles")
    def role_list(self, obj: CrewMember) -> str:
        return ", ".join(r.name for r in obj.roles.all()) or "—"

    @admin.action(description="Replace the private calendar address (the old one stops working)")
    def replace_calendar_address(self, request, queryset):
        with transaction.atomic():
            for member in queryset:
                crew_calendar_token_replace(member=member)
        self.message_user(
            request,
            f"{queryset.count()} calendar address(es) replaced. Crew find the new one on their crew page.",
            messages.SUCCESS,
        )

    def save_related(self, request, form, formsets, change):
        # Staff of one brand must not drop the brands they cannot see.
        ids = tenant_ids_for(request.user)
        hidden = [] if ids is None or not change else list(form.instance.tenants.exclude(id__in=ids))
        super().save_related(request, form, formsets, change)
        if hidden:
            form.instance.tenants.add(*hidden)


class AssignmentInline(TenantScopedInline, admin.TabularInline):
    model = Assignment
    formset = AssignmentInlineFormSet
    extra = 0
    fields = ("crew_member", "role", "hourly_rate", "paid_hours", "status", "responded_at", "decline_reason")
    readonly_fields = ("responded_at", "decline_reason")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        crew_member_choices_set(formset, booking=obj.booking if obj is not None else None)
        return formset


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ("position", "text", "done", "done_by", "done_at")
    readonly_fields = ("done", "done_by", "done_at")


@admin.register(CrewEvent)
class CrewEventAdmin(TenantScopedHistoryMixin, TenantScopedAdmin, SimpleHistoryAdmin):
    tenant_path = "booking__tenant"
    list_display = ("booking", "boat", "local_start", "crew_count", "checklist_progress")
    list_filter = ("booking__tenant", "booking__status")
    list_select_related = ("booking__tenant", "booking__boat")
    search_fields = ("booking__guest_name", "booking__external_reference")
    date_hierarchy = "booking__start"
    readonly_fields = ("booking", "money_hint")
    fields = ("booking", "weather_briefing", "logistics", "gate_code", "money_hint")
    inlines = (AssignmentInline, ChecklistItemInline)
    actions = ("revoke_and_resend",)

    def has_add_permission(self, request):
        return False  # every booking gets its crew event when it is saved

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                crew_total=Count(
                    "assignments", filter=~Q(assignments__status=Assignment.Status.DECLINED), distinct=True
                ),
                checklist_total=Count("checklist_items", distinct=True),
                checklist_done=Count("checklist_items", filter=Q(checklist_items__done=True), distinct=True),
            )
        )

    @admin.display(description="boat")
    def boat(self, obj: CrewEvent):
        return obj.booking.boat

    @admin.display(description="starts (local)", ordering="booking__start")
    def local_start(self, obj: CrewEvent) -> str:
        return f"{obj.booking.local_start():%Y-%m-%d %H:%M}"

    @admin.display(description="crew")
    def crew_count(self, obj: CrewEvent) -> int:
        return obj.crew_total

    @admin.display(description="checklist")
    def checklist_progress(self, obj: CrewEvent) -> str:
        return f"{obj.checklist_done}/{obj.checklist_total}" if obj.checklist_total else "—"

    @admin.display(description="crew pay")
    def money_hint(self, obj: CrewEvent):
        b = finance.booking_breakdown(obj.booking)
        return f"Crew {b.crew_pay}, captain {b.captain_fee}. The full breakdown is on the booking."

    def save_formset(self, request, form, formset, change):
        if formset.model is not Assignment:
            return super().save_formset(request, form, formset, change)
        for assignment in formset.save(commit=False):
            assignment_save(assignment=assignment)
        for assignment in formset.deleted_objects:
            assignment_remove(assignment=assignment)
        return None

    @admin.action(description="Revoke crew links and re-send invitations")
    def revoke_and_resend(self, request, queryset):
        count = 0
        with transaction.atomic():
            for assignment in Assignment.objects.filter(event__in=queryset).exclude(status=Assignment.Status.DECLINED):
                crew_invite_resend(assignment=assignment, revoke=True)
                count += 1
        self.message_user(request, f"{count} invitation(s) will be re-sent with new links.", messages.SUCCESS)


class ChecklistTemplateItemInline(admin.TabularInline):
    model = ChecklistTemplateItem
    extra = 1
    fields = ("position", "text")


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(TenantScopedAdmin):
    tenant_path = "boat__tenant"
    list_display = ("name", "boat", "item_count")
    list_select_related = ("boat",)
    search_fields = ("name", "boat__name")
    autocomplete_fields = ("boat",)
    inlines = (ChecklistTemplateItemInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(items_total=Count("items"))

    @admin.display(description="items")
    def item_count(self, obj: ChecklistTemplate) -> int:
        return obj.items_total


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
        zone = crew_zone(request, time_off.crew_member if time_off else None)
        extra_context = {**(extra_context or {}), "subtitle": f"Times in {zone.key}"}
        with timezone.override(zone):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.distinct() if tenant_ids_for(request.user) is not None else qs

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class CheckedForm(form):
            def _post_clean(self):
                super()._post_clean()
                if not self._errors and self.instance.crew_member_id:
                    clashes = time_off_clashes(time_off=self.instance)
                    if clashes:
                        add_conflict_errors(self, ConflictError(clashes, field="start"))

        return CheckedForm

    def save_model(self, request, obj, form, change):
        time_off_save(time_off=obj, entered_by=f"staff:{request.user.get_username()}")

    def delete_model(self, request, obj):
        time_off_remove(time_off=obj)
