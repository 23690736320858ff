"""Admin of brands and their boats."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin

from bookings.admin_boat_export import BoatExportAdmin
from bookings.forms import BoatAdminForm
from bookings.models import Boat, Tenant
from bookings.services import boat_save
from charterops.tenancy import BrandZoneAdmin, TenantScopedAdmin

# Where a brand's pages and mail go: only superusers change these (staff see them read-only).
INFRASTRUCTURE_FIELDS = ("guest_domain", "s3_bucket", "cloudfront_distribution_id", "sender_email")
# What else only superusers change: the slug names the brand in the API and imports; staff is who sees it.
SUPERUSER_ONLY_FIELDS = (*INFRASTRUCTURE_FIELDS, "slug", "staff")
# How the brand's guest messages look and when reminders go: the brand's own staff set these.
GUEST_MESSAGE_FIELDS = (
    "reply_to_email",
    "logo_url",
    "brand_colour",
    "email_signature",
    "sms_sender_id",
    "reminder_offsets_hours",
    "what_to_bring",
    "rebooking_instructions",
)
# No two brands share these (bookings migration 0009 holds the same rule in the database).
OWN_PER_BRAND = {
    "guest_domain": "guest-site domain",
    "s3_bucket": "S3 bucket",
    "cloudfront_distribution_id": "CloudFront distribution",
}


class TenantAdminForm(forms.ModelForm):
    """Brand form: a bucket, domain or distribution another brand uses is an error on that field.

    The database constraints say the same, but the conditional one (distribution) would
    reach the page as a message about a constraint name; this names the brand, and
    compares without case (S3 and CloudFront treat ``Bucket`` and ``bucket`` alike).
    """

    class Meta:
        model = Tenant
        fields = (
            "name",
            "slug",
            "guest_domain",
            "s3_bucket",
            "cloudfront_distribution_id",
            "sender_email",
            "timezone",
            "upload_window_hours_after_end",
            "staff",
            *GUEST_MESSAGE_FIELDS,
        )
        # A logo address typed without a scheme is an https one (email clients block http images).
        field_classes = {"logo_url": partial(forms.URLField, assume_scheme="https")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left blank (or missing from an older form), these take the model's default rather than fail.
        for name in ("brand_colour", "reminder_offsets_hours"):
            if name in self.fields:
                self.fields[name].required = False

    def clean_brand_colour(self):
        return self.cleaned_data.get("brand_colour") or Tenant._meta.get_field("brand_colour").default

    def clean_reminder_offsets_hours(self):
        value = self.cleaned_data.get("reminder_offsets_hours")
        return value or Tenant._meta.get_field("reminder_offsets_hours").default

    def clean(self):
        data = super().clean()
        for name, label in OWN_PER_BRAND.items():
            value = data.get(name) if name in self.fields else None
            if not value:
                continue
            other = Tenant.objects.filter(**{f"{name}__iexact": value}).exclude(pk=self.instance.pk).first()
            if other is not None:
                self.add_error(name, f"{other.name} already uses this {label}: each brand needs its own.")
        return data


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin):
    """Brands. Staff of a brand change its name, time zone, upload window and how its guest messages look
    (colour, logo, signature, reminders...); superusers everything.

    Staff could otherwise point their brand's guest pages and mail at another brand's
    bucket, distribution and sender (publishing into it, writing in its name).
    """

    form = TenantAdminForm
    tenant_path = "id"
    list_display = ("name", "timezone", "guest_domain", "s3_bucket", "cloudfront_distribution_id", "sender_email")
    search_fields = ("name", "slug", "guest_domain")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("staff",)
    fieldsets = (
        (None, {"fields": ("name", "slug", "timezone", "upload_window_hours_after_end", "staff")}),
        ("Guest pages and mail (superusers)", {"fields": INFRASTRUCTURE_FIELDS}),
        (
            "Guest messages",
            {
                "fields": GUEST_MESSAGE_FIELDS,
                "description": "How confirmations, reminders and notices to guests look, and when reminders go.",
            },
        ),
    )

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_list_display(self, request):
        if request.user.is_superuser:
            return self.list_display
        return tuple(f for f in self.list_display if f not in INFRASTRUCTURE_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        # Read-only fields are not form fields: a crafted POST naming them changes nothing.
        return () if request.user.is_superuser else SUPERUSER_ONLY_FIELDS

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}


@admin.register(Boat)
class BoatAdmin(BoatExportAdmin, BrandZoneAdmin, TenantScopedAdmin):
    """Boats. The change page shows the boat's private export calendar URL (bookings/admin_boat_export.py)."""

    form = BoatAdminForm
    list_display = ("name", "tenant", "capacity", "turnaround_minutes", "default_meeting_point")
    list_filter = ("tenant",)
    list_select_related = ("tenant",)
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        boat_save(boat=obj, validate=False)
