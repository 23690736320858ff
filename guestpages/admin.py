from django.contrib import admin, messages
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from charterops.tenancy import BrandZoneAdmin, TenantScopedAdmin
from guestpages import uploads
from guestpages.models import GuestPage, PhotoUpload, Waiver
from guestpages.passengers import waiver_publish


@admin.register(GuestPage)
class GuestPageAdmin(BrandZoneAdmin, TenantScopedAdmin):
    tenant_path = "booking__tenant"
    list_display = ("slug", "booking", "published_at", "link")
    list_select_related = ("booking__tenant",)
    search_fields = ("slug", "booking__guest_name", "booking__external_reference")
    readonly_fields = ("booking", "slug", "published_hash", "published_at", "invalidation_id", "link")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    @admin.display(description="public URL")
    def link(self, obj: GuestPage):
        return format_html('<a href="{0}" target="_blank" rel="noopener">{0}</a>', obj.public_url)


class ReadOnlyInlineFormSet(BaseInlineFormSet):
    """A display-only formset: nothing is posted back, so nothing is validated or saved.

    The booking form stays valid when a POST does not carry this inline's
    management form (scripts and tests that post the booking form).
    """

    def full_clean(self) -> None:
        self._errors = []
        self._non_form_errors = self.error_class(renderer=self.renderer)

    def save(self, commit: bool = True) -> list:
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class PhotoUploadInline(admin.TabularInline):
    """A booking's guest photos, read-only, with thumbnails signed for this page view.

    Rows are the grants handed out; the bucket listing (one request per booking)
    says which of them a guest actually uploaded.
    """

    model = PhotoUpload
    fk_name = "booking"
    formset = ReadOnlyInlineFormSet
    template = "admin/edit_inline/tabular_or_empty.html"
    empty_text = "No photos yet: guests upload them from their guest page during the charter."
    extra = 0
    can_delete = False
    fields = ("thumbnail", "uploaded", "original_filename", "content_type", "declared_size", "created_at", "consent")
    readonly_fields = fields
    verbose_name = "guest photo"
    verbose_name_plural = "guest photos"
    ordering = ("created_at", "id")

    def __init__(self, parent_model, admin_site):
        super().__init__(parent_model, admin_site)
        # Inline instances are made per request: the listing is fetched at most once per page view.
        self._listings: dict[int, dict[str, int] | None] = {}

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("booking__tenant")

    def _present(self, upload: PhotoUpload) -> dict[str, int] | None:
        booking_id = upload.booking_id
        if booking_id not in self._listings:
            try:
                self._listings[booking_id] = uploads.list_objects(
                    bucket=upload.booking.tenant.s3_bucket, prefix=f"photos/{booking_id}/"
                )
            except uploads.StorageUnavailable:
                self._listings[booking_id] = None
        return self._listings[booking_id]

    @admin.display(description="in the bucket")
    def uploaded(self, obj: PhotoUpload) -> str:
        present = self._present(obj)
        if present is None:
            return "storage unavailable"
        return filesizeformat(present[obj.key]) if obj.key in present else "not uploaded"

    @admin.display(description="photo")
    def thumbnail(self, obj: PhotoUpload):
        present = self._present(obj)
        if not present or obj.key not in present:
            return "—"
        try:
            url = uploads.presign_get(bucket=obj.booking.tenant.s3_bucket, key=obj.key)
        except uploads.StorageUnavailable:
            return "—"
        if obj.content_type == "image/heic":  # most desktop browsers cannot draw HEIC
            return format_html('<a href="{}" target="_blank" rel="noopener">HEIC photo (download)</a>', url)
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener">'
            '<img src="{0}" alt="guest photo" loading="lazy" style="max-width:160px;max-height:120px"></a>',
            url,
        )


@admin.register(Waiver)
class WaiverAdmin(BrandZoneAdmin, TenantScopedAdmin):
    """A brand's waiver versions. Saving a text, new or edited, adds the next version: the words an
    adult guest accepted never change under their acceptance. Upcoming guest pages are republished."""

    list_display = ("tenant", "version", "created_at", "acceptance_count")
    list_select_related = ("tenant",)
    list_filter = ("tenant",)
    fields = ("tenant", "version", "text", "created_at")
    readonly_fields = ("version", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "tenant") if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(accepted=Count("acceptances"))

    @admin.display(description="accepted by", ordering="accepted")
    def acceptance_count(self, obj: Waiver) -> int:
        return obj.accepted

    def save_model(self, request, obj, form, change):
        if change and "text" not in form.changed_data:
            return
        edited = obj.version
        # The edited row is not saved: its text stays what guests accepted.
        saved = waiver_publish(tenant=obj.tenant, text=obj.text)
        # The admin's redirect and log entry then name the version that was saved.
        obj.pk, obj.version, obj.created_at = saved.pk, saved.version, saved.created_at
        if change:
            self.message_user(
                request,
                f"Saved as version {saved.version}; version {edited} stays as the guests who accepted it read it. "
                "Upcoming guest pages are republished with the new version.",
                messages.SUCCESS,
            )
