from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from bookings import finance
from bookings.admin_booking_form import BoatSelect, breakdown_json, breakdown_table
from bookings.admin_clash import ClashCheckedAdmin, OverrideFilter
from bookings.admin_holds import MarketplaceHoldAdminMixin
from bookings.admin_trip import (
    TRIP_LOG_FIELDSET,
    BookingTripLogForm,
    TripLogAdminMixin,
    trip_log_only,
    trip_log_save,
    trip_log_split,
)
from bookings.models import Booking
from bookings.selectors import bookings_for_list
from bookings.services import booking_save
from charterops.tenancy import (
    BrandZoneAdmin,
    TenantScopedAdmin,
    TenantScopedHistoryMixin,
    TenantScopedInline,
    brand_zone_for,
    tenant_ids_for,
)
from crew.admin_forms import AssignmentInlineFormSet, crew_member_choices_set
from crew.models import Assignment, CrewEvent
from crew.services import assignment_remove, assignment_save, crew_invite_resend
from outbox.models import Effect
from outbox.services import effect_retry


class BookingAssignmentInline(TenantScopedInline, admin.TabularInline):
    """Assignments hang off the crew event; this inline shows them on the booking.

    Django inlines need a foreign key to the page's model, so this inline is built
    for CrewEvent and BookingAdmin hands it the booking's crew event.
    """

    model = Assignment
    fk_name = "event"
    formset = AssignmentInlineFormSet
    extra = 0
    fields = ("crew_member", "role", "hourly_rate", "paid_hours", "status", "pay", "invitation", "decline_reason")
    readonly_fields = ("pay", "invitation", "decline_reason")
    verbose_name = "crew assignment"

    def __init__(self, parent_model, admin_site):
        super().__init__(CrewEvent, admin_site)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        crew_member_choices_set(formset, booking=obj)
        return formset

    @admin.display(description="pay")
    def pay(self, obj: Assignment):
        if obj.pk is None:
            return "—"
        return finance.line_pay(obj.hourly_rate, obj.paid_hours)

    def get_queryset(self, request):
        # The latest invitation of each row, in the same query: no query per assignment.
        latest = Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION, target_id=OuterRef("pk")).order_by("-id")
        return (
            super()
            .get_queryset(request)
            .select_related("event__booking__tenant", "crew_member", "role")
            .annotate(
                invite_status=Subquery(latest.values("status")[:1]),
                invite_error=Subquery(latest.values("last_error")[:1]),
                invite_at=Subquery(latest.values("updated_at")[:1]),
            )
        )

    @admin.display(description="invitation")
    def invitation(self, obj: Assignment):
        if obj.pk is None:
            return "Sent after saving."
        status = getattr(obj, "invite_status", None)
        if status is None:
            return "—"
        when = timezone.localtime(obj.invite_at, obj.event.booking.tenant.zone).strftime("%b %-d %H:%M")
        if status == Effect.Status.FAILED:
            return format_html('<strong style="color:#ba2121">Failed</strong> {}: {}', when, obj.invite_error[:200])
        label = "Sent" if status == Effect.Status.SENT else Effect.Status(status).label
        return format_html('<span class="nowrap">{} {}</span>', label, when)


class EffectInline(admin.TabularInline):
    model = Effect
    extra = 0
    can_delete = False
    template = "admin/edit_inline/tabular_or_empty.html"
    empty_text = "No side effects yet: they appear when the booking is saved."
    fields = ("what", "reason", "status", "attempts", "last_error", "provider_message_id", "when")
    readonly_fields = fields
    verbose_name = "side effect"
    verbose_name_plural = "side effects (newest first)"
    ordering = ("-id",)

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Who an invitation or a decline is about, in the same query: no query per row.
        person = Assignment.objects.filter(pk=OuterRef("target_id"))
        return (
            super()
            .get_queryset(request)
            .select_related("booking__tenant")
            .annotate(
                person=Subquery(person.values("crew_member__name")[:1]),
                person_role=Subquery(person.values("role__name")[:1]),
            )
            .order_by("-id")
        )

    @admin.display(description="what")
    def what(self, obj: Effect) -> str:
        person = getattr(obj, "person", None)
        if obj.kind == Effect.Kind.SEND_INVITATION:
            who = f"{person} ({obj.person_role.lower()})" if person else "a crew member since removed"
            return f"Email the crew invitation to {who}"
        if obj.kind == Effect.Kind.NOTIFY_DECLINE:
            return f"Tell staff that {person or 'a crew member'} declined"
        if obj.kind == Effect.Kind.PUBLISH_GUEST_PAGE:
            return "Publish the guest page"
        return obj.get_kind_display()

    @admin.display(description="updated")
    def when(self, obj: Effect) -> str:
        return timezone.localtime(obj.updated_at, obj.booking.tenant.zone).strftime("%b %-d %H:%M %Z")


class StartFilter(admin.SimpleListFilter):
    """Charters are in the future: today, tomorrow, the next 7 days, everything upcoming, or the past,
    each on the staff user's brand's clock."""

    title = "start"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("next7", "Next 7 days"),
            ("upcoming", "Upcoming"),
            ("past", "Past"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        now = timezone.now()
        zone = brand_zone_for(request)
        midnight = timezone.localtime(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)

        def day(n: int):
            # Midnight n days on, by the clock (a daylight-saving day is 23 or 25 hours long).
            return (midnight.replace(tzinfo=None) + timedelta(days=n)).replace(tzinfo=zone)

        ranges = {
            "today": (day(0), day(1)),
            "tomorrow": (day(1), day(2)),
            "next7": (day(0), day(7)),
        }
        if value in ranges:
            start, end = ranges[value]
            return queryset.filter(start__gte=start, start__lt=end)
        if value == "upcoming":
            return queryset.filter(end__gte=now)
        if value == "past":
            return queryset.filter(end__lt=now)
        return queryset


@admin.register(Booking)
class BookingAdmin(
    MarketplaceHoldAdminMixin,
    TripLogAdminMixin,
    BrandZoneAdmin,
    ClashCheckedAdmin,
    TenantScopedHistoryMixin,
    TenantScopedAdmin,
    SimpleHistoryAdmin,
):
    form = BookingTripLogForm
    list_display = (
        "guest_name",
        "reference",
        "tenant",
        "boat",
        "local_start",
        "party_size",
        "status",
        "gross_amount",
        "net_to_owner",
        "crew",
        "checklist",
        "guest_page_status",
        "clash_flag",
    )
    list_filter = (StartFilter, "tenant", "boat", "status", "source", OverrideFilter)  # brand and boat: scoped
    list_select_related = ("tenant", "boat")
    search_fields = ("guest_name", "guest_email", "external_reference")
    date_hierarchy = "start"
    autocomplete_fields = ("rebooking_of",)
    inlines = (BookingAssignmentInline, EffectInline)
    actions = ("resend_invitations", "retry_failed_effects")
    readonly_fields = (
        "money_breakdown",
        "guest_page_panel",
        "crew_event_link",
        "created_at",
        "updated_at",
        "conflict_override_reason",
        "rebooking_panel",
        "trip_log_panel",
        "marketplace_panel",
    )
    fieldsets = (
        (None, {"fields": ("tenant", "boat", "source", "external_reference", "status", "rebooking_panel")}),
        ("Marketplace", {"fields": ("marketplace_panel",)}),
        ("Guest", {"fields": ("guest_name", "guest_email", "guest_phone", "party_size")}),
        ("When and where", {"fields": ("start", "end", "meeting_point")}),
        ("Availability", {"fields": ("conflict_override_reason", "override_reason", "rebooking_of")}),
        (
            "Money",
            {"fields": ("gross_amount", "platform_fee", "platform_pays_captain", "port_tax_rate", "money_breakdown")},
        ),
        ("Notes", {"fields": ("internal_notes", "crew_notes", "guest_notes")}),
        ("Crew and guest page", {"fields": ("crew_event_link", "guest_page_panel", "created_at", "updated_at")}),
        TRIP_LOG_FIELDSET,
    )

    def get_queryset(self, request):
        return bookings_for_list(super().get_queryset(request))

    # --- columns -------------------------------------------------------------
    @admin.display(description="reference", ordering="external_reference")
    def reference(self, obj: Booking) -> str:
        return f"{obj.get_source_display()} {obj.external_reference}".strip()

    @admin.display(description="starts (local)", ordering="start")
    def local_start(self, obj: Booking) -> str:
        return f"{obj.local_start():%Y-%m-%d %H:%M}"

    @admin.display(description="net to owner")
    def net_to_owner(self, obj: Booking):
        return finance.booking_breakdown(obj).net_to_owner

    @admin.display(description="crew accepted")
    def crew(self, obj: Booking) -> str:
        event = getattr(obj, "crew_event", None)
        if event is None:
            return "—"
        people = [a for a in event.assignments.all() if a.status != Assignment.Status.DECLINED]
        accepted = sum(1 for a in people if a.status == Assignment.Status.ACCEPTED)
        return f"{accepted}/{len(people)}" if people else "none"

    @admin.display(description="checklist")
    def checklist(self, obj: Booking) -> str:
        total = getattr(obj, "checklist_total", 0)
        return f"{obj.checklist_done}/{total}" if total else "—"

    @admin.display(description="guest page")
    def guest_page_status(self, obj: Booking) -> str:
        status = getattr(obj, "page_status", None)
        return Effect.Status(status).label if status else "—"

    # --- read-only panels ----------------------------------------------------
    @admin.display(description="rebooking")
    def rebooking_panel(self, obj: Booking):
        if obj.pk is None:
            return "—"
        later = [
            format_html('<a href="{}">{}</a>', reverse("admin:bookings_booking_change", args=[b.pk]), b)
            for b in obj.rebookings.all()
        ]
        parts = []
        if later:
            parts.append(format_html("Made good by {}", format_html_join(", ", "{}", ((x,) for x in later))))
        if obj.status == Booking.Status.WEATHER_OWED:
            params = {
                "rebooking_of": obj.pk,
                "tenant": obj.tenant_id,
                "boat": obj.boat_id,
                "source": obj.source,
                "guest_name": obj.guest_name,
                "guest_email": obj.guest_email,
                "guest_phone": obj.guest_phone,
                "party_size": obj.party_size,
                "meeting_point": obj.meeting_point,
            }
            url = reverse("admin:bookings_booking_add") + "?" + urlencode(params)
            parts.append(format_html('<a class="button" href="{}">Rebook this charter</a>', url))
        if obj.rebooking_of_id:
            url = reverse("admin:bookings_booking_change", args=[obj.rebooking_of_id])
            parts.append(format_html('Makes good the weather-owed <a href="{}">{}</a>', url, obj.rebooking_of))
        return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts)) if parts else "—"

    @admin.display(description="breakdown")
    def money_breakdown(self, obj: Booking):
        # Updated as staff type (bookings/static/bookings/booking_form.js asks breakdown_json).
        if obj.pk is None:
            return format_html('<div id="money-breakdown">{}</div>', "Shown as you type the amounts.")
        return format_html(
            '<div id="money-breakdown">{}</div>', breakdown_table(finance.booking_breakdown(obj), obj.port_tax_rate)
        )

    # --- the form as staff type into it ----------------------------------------------
    class Media:
        js = ("bookings/booking_form.js",)

    def get_urls(self):
        return [
            path("breakdown/", self.admin_site.admin_view(breakdown_json), name="bookings_booking_breakdown"),
            *super().get_urls(),
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "boat":
            kwargs["widget"] = BoatSelect
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        ids = tenant_ids_for(request.user)
        if "tenant" not in initial and ids is not None and len(ids) == 1:
            initial["tenant"] = ids[0]  # staff of one brand never pick it
        return initial

    @admin.display(description="guest page")
    def guest_page_panel(self, obj: Booking):
        page = getattr(obj, "guest_page", None) if obj.pk else None
        if page is None:
            return "Published after saving."
        published = (
            timezone.localtime(page.published_at, obj.tenant.zone).strftime("%Y-%m-%d %H:%M %Z")
            if page.published_at
            else "not yet"
        )
        effect = obj.effects.filter(kind=Effect.Kind.PUBLISH_GUEST_PAGE).order_by("-id").first()
        status = effect.get_status_display() if effect else "—"
        error = effect.last_error if effect and effect.status != Effect.Status.SENT else ""
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a><br>Last published: {}<br>Status: {}{}',
            page.public_url,
            page.public_url,
            published,
            status,
            format_html('<br><strong style="color:#ba2121">{}</strong>', error[:300]) if error else "",
        )

    @admin.display(description="crew event")
    def crew_event_link(self, obj: Booking):
        event = getattr(obj, "crew_event", None) if obj.pk else None
        if event is None:
            return "Created when the booking is saved."
        url = reverse("admin:crew_crewevent_change", args=[event.pk])
        return format_html('<a href="{}">Briefing, logistics and checklist</a>', url)

    # --- inlines: hand the assignment inline the booking's crew event ----------
    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, BookingAssignmentInline):
            event = CrewEvent.objects.filter(booking=obj).first() if obj.pk else None
            if event is not None:
                event.booking = obj  # with the times being saved, not the ones in the database
            kwargs["instance"] = event or CrewEvent(booking=obj)
        return kwargs

    # --- saving goes through the services ------------------------------------
    def save_model(self, request, obj, form, change):
        # The trip log is written by its own service only, after the booking (see bookings/admin_trip.py).
        trip_changes = trip_log_split(obj, form)
        if not trip_log_only(form, trip_changes, change):
            # The form checked the boat (under lock, in this transaction) and the crew formset the crew
            # it is about to save, so the crew already aboard are not re-checked against stale rows.
            booking_save(
                booking=obj,
                actor=request.user,
                validate=False,
                override_reason=form.cleaned_data.get("override_reason", ""),
                recheck_crew=False,
            )
        trip_log_save(self, request, obj, trip_changes)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Assignment:
            return super().save_formset(request, form, formset, change)
        formset.instance = CrewEvent.objects.get(booking=form.instance)
        for assignment in formset.save(commit=False):
            assignment_save(assignment=assignment)
        for assignment in formset.deleted_objects:
            assignment_remove(assignment=assignment)
        return None

    # --- actions ---------------------------------------------------------------
    @admin.action(description="Re-send crew invitations (revoking old links)")
    def resend_invitations(self, request, queryset):
        count = 0
        with transaction.atomic():
            for assignment in Assignment.objects.filter(event__booking__in=queryset).exclude(
                status=Assignment.Status.DECLINED
            ):
                crew_invite_resend(assignment=assignment, revoke=True)
                count += 1
        self.message_user(request, f"{count} invitation(s) will be re-sent.", messages.SUCCESS)

    @admin.action(description="Retry failed side effects")
    def retry_failed_effects(self, request, queryset):
        ids = list(
            Effect.objects.filter(booking__in=queryset, status=Effect.Status.FAILED).values_list("pk", flat=True)
        )
        count = effect_retry(effect_ids=ids)
        self.message_user(request, f"{count} failed side effect(s) queued again.", messages.SUCCESS)


# Brands, boats and the calendar entries have their own modules; importing them registers them.
from bookings import admin_brands, admin_calendar  # noqa: E402, F401
