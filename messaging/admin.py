"""Guest messages in the admin: the lists, and the "Guest messages" part of the booking page.

bookings sits below messaging and must not import it, so messaging adds its part to the booking
admin registered by then (operations' subclass of bookings' admin): an inline panel, and the resend and preview pages behind it
(URLs of the message admin, checked against the booking admin's own scoping and permissions).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.formsets import (
    INITIAL_FORM_COUNT,
    MAX_NUM_FORM_COUNT,
    MIN_NUM_FORM_COUNT,
    TOTAL_FORM_COUNT,
    ManagementForm,
)
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone

from bookings.admin import EffectInline
from bookings.models import Booking
from charterops.tenancy import BrandZoneAdmin, TenantScopedAdmin, tenant_ids_for
from messaging import admin_crew  # noqa: F401 - adds deliverability to the crew member page
from messaging.models import Channel, Message, Suppression
from messaging.render import GUEST_KINDS, message_preview
from messaging.selectors import guest_messages_panel, message_status, messages_for_list, suppressions_for_staff
from messaging.services import message_resend
from messaging.services.rules import guest_addresses

logger = logging.getLogger(__name__)


def _local(moment: datetime | None, zone) -> str:
    return dateformat.format(timezone.localtime(moment, zone), "M j, g:i A T") if moment else ""


class _PanelFormSet(BaseInlineFormSet):
    """No forms, ever: a POST of the booking form without this panel's management fields (an API
    client, a page opened before messaging was installed) still saves the booking."""

    def initial_form_count(self) -> int:
        return 0

    def total_form_count(self) -> int:
        return 0

    @property
    def management_form(self):
        form = ManagementForm(
            auto_id=self.auto_id,
            prefix=self.prefix,
            initial={TOTAL_FORM_COUNT: 0, INITIAL_FORM_COUNT: 0, MIN_NUM_FORM_COUNT: 0, MAX_NUM_FORM_COUNT: 0},
            renderer=self.renderer,
        )
        form.full_clean()
        return form

    def full_clean(self) -> None:
        self._errors = []
        self._non_form_errors = self.error_class(error_class="nonform", renderer=self.renderer)


class GuestMessagesInline(admin.TabularInline):
    """The booking page's "Guest messages": not a formset of rows but one read-only panel.

    It shows every message with its state, the reminders to come, why the guest cannot be
    reached, and the resend and preview links. Its formset is always empty, so saving the
    booking is untouched by it; the panel is read once, in a fixed number of queries.
    """

    model = Message
    fk_name = "booking"
    formset = _PanelFormSet
    template = "admin/messaging/booking_guest_messages.html"
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = "Guest messages"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    # Whoever may see the booking sees its messages; nobody edits them here.
    def has_view_permission(self, request, obj=None):
        if obj is None or obj.pk is None:
            return False  # the add page: nothing has been sent yet
        return request.user.has_perm("bookings.view_booking") or request.user.has_perm("bookings.change_booking")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        # The inline instance lives for this one request: the panel is built here, read by the template.
        self.panel = _panel_context(request, obj) if obj is not None and obj.pk else None
        return super().get_formset(request, obj, **kwargs)


def _goes_by(channels: list[str]) -> str:
    channels = [Channel(c).label.lower() for c in channels]
    return f"goes then by {' and '.join(channels)}" if channels else "cannot go: the guest cannot be reached"


def _panel_context(request, booking: Booking) -> dict:
    zone = booking.tenant.zone
    panel = guest_messages_panel(booking=booking)
    rows = []
    for message in panel.messages:
        label, detail = message_status(message)
        rows.append(
            {
                "kind": message.get_kind_display(),
                "channel": message.get_channel_display(),
                "recipient": message.recipient,
                "status": label,
                "failed": label == "Failed" or message.status == Message.Status.FAILED,
                "due": _local(message.scheduled_for or message.created_at, zone),
                "sent": _local(message.sent_at, zone),
                "delivered": _local(message.delivered_at, zone),
                "detail": detail,
            }
        )
    reminders = [
        {
            "hours": r.hours,
            "moment": _local(r.moment, zone),
            "state": message_status(r.message)[0] if r.message else _goes_by(panel.channels),
        }
        for r in panel.reminders
    ]
    can_change = request.user.has_perm("bookings.change_booking")
    return {
        "rows": rows,
        "unreachable": panel.unreachable,
        "problems": panel.problems,
        "reminders": reminders,
        "no_reminders_because": panel.no_reminders_because,
        "resend_url": reverse("admin:messaging_message_resend_confirmation", args=[booking.pk]) if can_change else "",
        "previews": [
            (Message.Kind(kind).label, reverse("admin:messaging_message_preview", args=[booking.pk, kind]))
            for kind in GUEST_KINDS
        ],
    }


def _booking_page_extend(site: admin.AdminSite = admin.site) -> None:
    """Put the panel on the registered booking page (operations registers its own subclass first),
    before the side effects; once, however often this is imported."""
    booking_admin = site.get_model_admin(Booking)
    inlines = tuple(booking_admin.inlines)
    if GuestMessagesInline in inlines:
        return
    at = inlines.index(EffectInline) if EffectInline in inlines else len(inlines)
    booking_admin.inlines = (*inlines[:at], GuestMessagesInline, *inlines[at:])


_booking_page_extend()


@admin.register(Message)
class MessageAdmin(BrandZoneAdmin, TenantScopedAdmin):
    """Every guest message and crew text, read-only: what went, when, and what became of it."""

    tenant_path = "booking__tenant"
    list_display = ("kind", "channel", "recipient", "booking", "status_shown", "scheduled_for", "sent_at", "detail")
    list_filter = ("status", "kind", "channel", "booking__tenant")
    list_select_related = ("booking__tenant", "effect")
    search_fields = ("recipient", "booking__guest_name", "booking__external_reference")
    date_hierarchy = "created_at"
    readonly_fields = ("status_shown",)

    def get_queryset(self, request):
        return messages_for_list(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="status")
    def status_shown(self, obj: Message) -> str:
        label, detail = message_status(obj)
        return f"{label}: {detail}" if label == "Failed" and detail else label

    # --- the booking page's resend and preview pages ------------------------------------------
    def get_urls(self):
        return [
            path(
                "booking/<path:booking_id>/resend-confirmation/",
                self.admin_site.admin_view(self.resend_confirmation_view),
                name="messaging_message_resend_confirmation",
            ),
            path(
                "booking/<path:booking_id>/preview/<str:kind>/",
                self.admin_site.admin_view(self.preview_view),
                name="messaging_message_preview",
            ),
            *super().get_urls(),
        ]

    def _booking(self, request, booking_id: str, *, change: bool) -> Booking:
        """The booking through the booking admin: another brand's is a 404, no permission a 403."""
        booking_admin = self.admin_site.get_model_admin(Booking)
        booking = booking_admin.get_object(request, unquote(booking_id))
        if booking is None:
            raise Http404("No such booking.")
        allowed = (
            booking_admin.has_change_permission(request, booking)
            if change
            else booking_admin.has_view_or_change_permission(request, booking)
        )
        if not allowed:
            raise PermissionDenied
        return booking

    def resend_confirmation_view(self, request, booking_id: str):
        """GET asks to confirm (to whom it goes); POST, with the admin's CSRF check, resends."""
        booking = self._booking(request, booking_id, change=True)
        change_url = reverse("admin:bookings_booking_change", args=[booking.pk])
        if request.method == "POST":
            try:
                with transaction.atomic():
                    sent = message_resend(booking=booking, kind=Message.Kind.CONFIRMATION, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return redirect(change_url)
            logger.info("Confirmation of booking %s resent by %s", booking.pk, request.user.get_username())
            to = ", ".join(f"{m.recipient} ({m.get_channel_display().lower()})" for m in sent)
            self.message_user(request, f"The confirmation will be sent again to {to}.", messages.SUCCESS)
            return redirect(change_url)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "booking": booking,
            "addresses": list(guest_addresses(booking).values()),
            "title": f"Resend the confirmation to {booking.guest_name}?",
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/messaging/resend_confirmation.html", context)

    def preview_view(self, request, booking_id: str, kind: str):
        """The message ``kind`` as this booking's guest would get it now: HTML, plain text and text message."""
        booking = self._booking(request, booking_id, change=False)
        if kind not in GUEST_KINDS:
            raise Http404("No such message.")
        rendered = message_preview(booking=booking, kind=kind)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "booking": booking,
            "kind": kind,
            "rendered": rendered,
            "title": f"{Message.Kind(kind).label} for {booking.guest_name}",
            "change_url": reverse("admin:bookings_booking_change", args=[booking.pk]),
            "previews": [
                (k, Message.Kind(k).label, reverse("admin:messaging_message_preview", args=[booking.pk, k]))
                for k in GUEST_KINDS
            ],
        }
        return TemplateResponse(request, "admin/messaging/preview.html", context)


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    """Undeliverable addresses, read-only. A superuser deletes one to let the address be used again
    (after the guest fixed their mailbox, or texted START)."""

    list_display = ("address", "channel", "reason", "created_at", "detail")
    list_filter = ("channel", "reason")
    search_fields = ("address",)
    readonly_fields = ("channel", "address", "reason", "detail", "created_at")

    def get_queryset(self, request):
        return suppressions_for_staff(super().get_queryset(request), tenant_ids_for(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def delete_model(self, request, obj):
        logger.info("Suppression of %s (%s) removed by %s", obj.address, obj.reason, request.user.get_username())
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
