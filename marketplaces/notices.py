"""Telling a brand's staff that a marketplace feed stopped working, and that it works again (outbox handlers)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bookings.models import MarketplaceFeed
from outbox.errors import PermanentError
from outbox.models import Effect


def feed_failing_notify_effect(effect: Effect) -> str:
    """Outbox handler: the feed's first failure of a streak. Says why, and that its holds were kept."""
    return _send(effect, template="email/marketplace_feed_failing.txt", subject="{source} feed of {boat} is failing")


def feed_recovered_notify_effect(effect: Effect) -> str:
    """Outbox handler: the feed reads again after staff were told it failed."""
    return _send(effect, template="email/marketplace_feed_recovered.txt", subject="{source} feed of {boat} works again")


def _send(effect: Effect, *, template: str, subject: str) -> str:
    feed = MarketplaceFeed.objects.select_related("boat__tenant").filter(pk=effect.target_id).first()
    if feed is None:
        raise PermanentError("The marketplace feed no longer exists.")
    tenant = feed.boat.tenant
    recipients = sorted({u.email for u in tenant.staff.filter(is_active=True) if u.email}) or [tenant.sender_email]
    context = {
        "feed": feed,
        "tenant": tenant,
        "boat": feed.boat,
        "source": feed.get_source_display(),
        # What went wrong when the effect was recorded (the feed may have moved on since).
        "status": effect.reason or feed.last_status,
        "admin_url": _admin_url(feed),
    }
    # The URL is a secret: the email names the feed by marketplace and boat, never by URL.
    with timezone.override(tenant.zone):
        body = render_to_string(template, context)
    message = EmailMultiAlternatives(
        subject=subject.format(source=context["source"], boat=feed.boat.name),
        body=body,
        from_email=f"{tenant.name} <{tenant.sender_email}>",
        to=recipients,
        headers={"X-Charterops-Effect": str(effect.pk)},
    )
    message.send()
    status = getattr(message, "anymail_status", None)
    return (status.message_id if status is not None and status.message_id else "") or ""


def _admin_url(feed: MarketplaceFeed) -> str:
    try:
        path = reverse("admin:bookings_marketplacefeed_change", args=[feed.pk])
    except NoReverseMatch:
        return ""
    return f"{settings.CHARTEROPS_BASE_URL.rstrip('/')}{path}"
