from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from bookings import finance
from charterops.tenancy import (
    BrandZoneAdmin,
    SuperuserManagedAdmin,
    TenantScopedAdmin,
    TenantScopedHistoryMixin,
    TenantScopedInline,
    render_now,
    tenant_ids_for,
)
from crew.admin_availability import CredentialInline, TimeOffInline, crew_zone
from crew.admin_forms import AssignmentInlineFormSet, crew_member_choices_set
from crew.models import (
    Assignment,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    CrewEvent,
    CrewMember,
    Role,
    TimeOff,
)
from crew.services import (
    assignment_remove,
    assignment_save,
    crew_calendar_token_replace,
    crew_identity_editable_by,
    crew_invite_resend,
    crew_member_identity_change,
    time_off_remove,
    time_off_save,
)
from crew.services.identity import GUARDED_FIELDS, WHO_MAY_CHANGE


@admin.register(Role)
class RoleAdmin(SuperuserManagedAdmin):
    """Roles and the credentials they require are the operator's policy for every brand:
    staff see and assign them, superusers change them."""

    list_display = ("name", "slug", "requirements")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("required_credential_kinds",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("required_credential_kinds")

    @admin.display(description="required credentials")
    def requirements(self, obj: Role) -> str:
        return ", ".join(k.name for k in obj.required_credential_kinds.all()) or "—"


@admin.register(CrewMember)
class CrewMemberAdmin(TenantScopedAdmin):
    tenant_path = "tenants"
    list_display = ("name", "email", "phone", "role_list", "default_hourly_rate", "active")
    list_filter = ("active", "roles", "tenants")  # scoped to the user's brands by TenantScopedAdmin
    search_fields = ("name", "email", "phone")
    filter_horizontal = ("roles", "tenants")
    actions = ("replace_calendar_address",)
    inlines = (CredentialInline, TimeOffInline)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        member = self.get_object(request, object_id) if object_id else None
        with timezone.override(crew_zone(request, member)):  # time off is typed and shown in the brand's zone
            return render_now(super().changeform_view(request, object_id, form_url, extra_context))

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and not crew_identity_editable_by(user=request.user, member=obj):
            # Disabled fields keep their stored value whatever a POST says.
            for name in GUARDED_FIELDS:
                field = form.base_fields.get(name)
                if field is not None:
                    field.disabled = True
                    field.help_text = WHO_MAY_CHANGE
        return form

    def save_model(self, request, obj, form, change):
        guarded = {name: form.cleaned_data[name] for name in GUARDED_FIELDS if change and name in form.changed_data}
        if guarded:
            stored = CrewMember.objects.get(pk=obj.pk)
            for name in guarded:
                setattr(obj, name, getattr(stored, name))
        obj.save()
        if not guarded:
            return
        record = crew_member_identity_change(member=obj, user=request.user, **guarded)
        if record is not None and "email" in record.changed_fields:
            self.message_user(
                request,
                f"{obj.name}'s earlier crew links and sessions no longer work; their upcoming charters' links "
                f"go to {obj.email}, and {record.old_email} is told about the change.",
                messages.WARNING,
            )
        elif record is not None:
            self.message_user(request, f"{record.old_email} is told that the phone number changed.", messages.INFO)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Deleting a person is more than switching them off: the same rule (bulk action included).
        if any(not crew_identity_editable_by(user=request.user, member=member) for member in objs):
            perms_needed = {*perms_needed, "crew members who also work for a brand you do not manage"}
        return deleted, model_count, perms_needed, protected

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
class CrewEventAdmin(BrandZoneAdmin, TenantScopedHistoryMixin, TenantScopedAdmin, SimpleHistoryAdmin):
    tenant_path = "booking__tenant"
    list_display = ("booking", "boat", "local_start", "crew_count", "checklist_progress")
    list_filter = ("booking__tenant", "booking__boat", "booking__status")
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
