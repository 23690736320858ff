"""Marketplace feeds in the admin: the list with each feed's health, "Sync now", and the feeds on the boat page.

A feed URL is a secret (the marketplace's token is in it): the form takes it like a password
and never sends it back to the browser; pages show ``https://host/… #hash`` instead. Leaving
the URL blank when editing a feed keeps the saved one.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html

from bookings.models import Boat, Booking, MarketplaceFeed
from charterops.tenancy import BrandZoneAdmin, TenantScopedAdmin, TenantScopedInline
from marketplaces.fetch import FeedFetchError, address_is_public, check_url, url_label
from marketplaces.services import marketplace_feed_save, marketplace_feed_sync

# "Sync now" fetches while the page waits (each feed within MARKETPLACE_FEED_TIMEOUT_SECONDS).
SYNC_NOW_MAX_FEEDS = 10
_BADGES = {
    MarketplaceFeed.Health.OK: ("#1e7e34", "✔"),
    MarketplaceFeed.Health.FAILING: ("#c62828", "✖"),
    MarketplaceFeed.Health.NEW: ("#6c757d", "•"),
}


class MarketplaceFeedForm(forms.ModelForm):
    url = forms.CharField(
        label="feed URL",
        widget=forms.PasswordInput(render_value=False, attrs={"class": "vTextField", "autocomplete": "off"}),
        help_text="The marketplace's iCal export URL for this boat (https). It is kept secret: "
        "leave blank to keep the saved one.",
    )

    class Meta:
        model = MarketplaceFeed
        fields = ("boat", "source", "url", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"].required = self.instance.pk is None
        if "source" in self.fields:
            self.fields["source"].choices = [c for c in self.fields["source"].choices if c[0] != Booking.Source.DIRECT]

    def clean_url(self):
        value = (self.cleaned_data.get("url") or "").strip()
        if not value and self.instance.pk is not None:
            return self.instance.url  # blank keeps the saved URL
        allow_private = settings.MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS
        try:
            parsed = check_url(value, allow_private=allow_private)
        except FeedFetchError as exc:
            raise forms.ValidationError(exc.message, code="feed_url") from exc
        if not allow_private and _is_ip(parsed.host) and not address_is_public(parsed.host):
            raise forms.ValidationError("This address is not on the public internet.", code="feed_url")
        return value

    def clean_source(self):
        source = self.cleaned_data.get("source")
        if source == Booking.Source.DIRECT:
            raise forms.ValidationError("Direct bookings have no marketplace feed: pick the marketplace.")
        return source

    def save(self, commit=True):
        feed = super().save(commit=False)
        if commit:
            marketplace_feed_save(feed=feed)
        return feed


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class FeedDisplay:
    """Columns shared by the feed list and the boat page's inline."""

    @admin.display(description="feed URL (saved)")
    def url_masked(self, obj: MarketplaceFeed):
        return url_label(obj.url) if obj and obj.url else "—"

    @admin.display(description="health", ordering="health")
    def health_badge(self, obj: MarketplaceFeed):
        colour, icon = _BADGES.get(obj.health, ("#6c757d", "?"))
        since = ""
        if obj.health == MarketplaceFeed.Health.FAILING and obj.last_status:
            since = f" ({obj.last_status})"
        return format_html(
            '<span class="feed-health feed-health-{}" style="color:{};font-weight:bold" title="{}">{} {}{}</span>',
            obj.health,
            colour,
            obj.last_status,
            icon,
            obj.get_health_display(),
            since,
        )


@admin.register(MarketplaceFeed)
class MarketplaceFeedAdmin(FeedDisplay, BrandZoneAdmin, TenantScopedAdmin):
    tenant_path = "boat__tenant"
    form = MarketplaceFeedForm
    list_display = (
        "boat",
        "brand",
        "source",
        "active",
        "health_badge",
        "last_fetched_at",
        "last_changed_at",
        "events_seen",
        "error_short",
    )
    list_filter = ("health", "source", "active", "boat__tenant")
    list_select_related = ("boat__tenant",)
    search_fields = ("boat__name",)
    actions = ("sync_now", "sync_now_accept_drop")
    readonly_fields = (
        "url_masked",
        "health_badge",
        "last_fetched_at",
        "last_changed_at",
        "last_status",
        "last_error",
        "failing_since",
        "failure_notified_at",
        "events_seen",
    )
    fieldsets = (
        (None, {"fields": ("boat", "source", "url_masked", "url", "active")}),
        (
            "Last sync",
            {
                "fields": (
                    "health_badge",
                    "last_fetched_at",
                    "last_changed_at",
                    "last_status",
                    "last_error",
                    "failing_since",
                    "failure_notified_at",
                    "events_seen",
                )
            },
        ),
    )

    @admin.display(description="brand", ordering="boat__tenant__name")
    def brand(self, obj: MarketplaceFeed):
        return obj.boat.tenant.name

    @admin.display(description="last error")
    def error_short(self, obj: MarketplaceFeed):
        text = obj.last_error
        return text if len(text) <= 60 else f"{text[:59]}…"

    def save_model(self, request, obj, form, change):
        marketplace_feed_save(feed=obj)

    @admin.action(description="Sync now", permissions=["change"])
    def sync_now(self, request, queryset):
        self._sync(request, queryset, accept_drop=False)

    @admin.action(description="Sync now, accepting that many events are gone", permissions=["change"])
    def sync_now_accept_drop(self, request, queryset):
        self._sync(request, queryset, accept_drop=True)

    def _sync(self, request, queryset, *, accept_drop: bool) -> None:
        """Runs here, while the page waits, so staff see the outcome at once (and it works without a worker)."""
        feeds = list(queryset.order_by("pk").values_list("pk", "active"))
        if len(feeds) > SYNC_NOW_MAX_FEEDS:
            self.message_user(
                request,
                f"Pick at most {SYNC_NOW_MAX_FEEDS} feeds at a time: each one is fetched while the page waits.",
                messages.ERROR,
            )
            return
        for feed_id, active in feeds:
            if not active:
                self.message_user(request, f"Feed #{feed_id} is not active: not synced.", messages.WARNING)
                continue
            result = marketplace_feed_sync(feed_id=feed_id, accept_drop=accept_drop)
            self.message_user(request, result.summary(), messages.SUCCESS if result.ok else messages.ERROR)


class MarketplaceFeedInline(FeedDisplay, TenantScopedInline, admin.TabularInline):
    """The boat's marketplace feeds on its page (added to the boat admin below)."""

    model = MarketplaceFeed
    form = MarketplaceFeedForm
    fields = ("source", "url_masked", "url", "active", "health_badge", "last_fetched_at")
    readonly_fields = ("url_masked", "health_badge", "last_fetched_at")
    extra = 0
    verbose_name = "marketplace feed"
    show_change_link = True


# bookings stands below marketplaces: the boat page gets its feeds from here, one floor up.
_boat_admin = admin.site.get_model_admin(Boat)
if MarketplaceFeedInline not in _boat_admin.inlines:
    _boat_admin.inlines = (*_boat_admin.inlines, MarketplaceFeedInline)
