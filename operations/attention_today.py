"""Today's and tomorrow's charters that need staff: crew not confirmed, no captain, checklist not done
two hours before the start, guest page not out, side effects that failed.

Two queries for every brand and every charter: the charters of the window with their counts
as subqueries (no join fan-out), and the failed side effects grouped by brand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from bookings.availability import booking_label
from bookings.models import Booking, Tenant
from charterops.timezones import local_range
from crew.models import Assignment, ChecklistItem, Role
from outbox.models import Effect

# A checklist still open this close to the start is late.
CHECKLIST_DUE_BEFORE_START = dt.timedelta(hours=2)


def _per_booking(model, **filters) -> Coalesce:
    """How many ``model`` rows each booking has (a subquery: no join fans the booking rows out)."""
    path = "event__booking" if model is not Effect else "booking"
    rows = model.objects.filter(**{path: OuterRef("pk")}, **filters).order_by().values(path)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def _window(tenant: Tenant, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """From midnight today to midnight after tomorrow, on the brand's clock."""
    zone = tenant.zone
    today = timezone.localtime(now, zone).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(today + dt.timedelta(days=2), dt.time.min, tzinfo=zone)
    return start, end


def charters_needing_staff(
    *, tenants: Iterable[Tenant], now: dt.datetime
) -> dict[int, list[tuple[str, str, str, dt.datetime | None, str]]]:
    """Per brand id: (label, message, url, start, severity) for today's and tomorrow's charters."""
    tenants = list(tenants)
    if not tenants:
        return {}
    window = Q()
    for tenant in tenants:
        start, end = _window(tenant, now)
        window |= Q(tenant_id=tenant.pk, start__gte=start, start__lt=end)
    bookings = (
        Booking.objects.filter(window, status=Booking.Status.CONFIRMED)
        .select_related("tenant", "boat", "guest_page")
        .annotate(
            invited=_per_booking(Assignment, status=Assignment.Status.INVITED),
            declined=_per_booking(Assignment, status=Assignment.Status.DECLINED),
            captains=_per_booking(Assignment, role__slug=Role.CAPTAIN, status__in=["invited", "accepted"]),
            checklist_open=_per_booking(ChecklistItem, done=False),
            page_failed=_per_booking(Effect, kind=Effect.Kind.PUBLISH_GUEST_PAGE, status=Effect.Status.FAILED),
        )
        .order_by("start", "pk")
    )
    found: dict[int, list] = {}
    for booking in bookings:
        items = found.setdefault(booking.tenant_id, [])
        url = reverse("admin:bookings_booking_change", args=[booking.pk])
        what = f"{booking.boat.name}: {booking_label(booking)}, {local_range(booking.start, booking.end, booking.tenant.zone)}"
        if booking.declined:
            items.append(
                (
                    "Crew declined",
                    f"{what}: {booking.declined} declined; find a replacement",
                    url,
                    booking.start,
                    "error",
                )
            )
        if booking.invited:
            items.append(
                (
                    "Crew not confirmed",
                    f"{what}: {booking.invited} invitation(s) unanswered",
                    url,
                    booking.start,
                    "warning",
                )
            )
        if not booking.captains:
            items.append(("No captain", f"{what}: nobody is assigned as captain", url, booking.start, "error"))
        if booking.checklist_open and booking.start - now <= CHECKLIST_DUE_BEFORE_START:
            event_url = reverse("admin:crew_crewevent_changelist") + "?" + urlencode({"q": booking.guest_name})
            items.append(
                (
                    "Checklist not done",
                    f"{what}: {booking.checklist_open} item(s) open",
                    event_url,
                    booking.start,
                    "error",
                )
            )
        page = getattr(booking, "guest_page", None)
        if booking.page_failed:
            items.append(
                ("Guest page failed", f"{what}: publishing failed; retry from the booking", url, booking.start, "error")
            )
        elif page is None or page.published_at is None:
            items.append(("Guest page not published", f"{what}: not published yet", url, booking.start, "warning"))

    failed = (
        Effect.objects.filter(status=Effect.Status.FAILED, booking__tenant_id__in=[t.pk for t in tenants])
        .order_by()
        .values("booking__tenant_id")
        .annotate(n=Count("pk"))
    )
    for row in failed:
        url = reverse("admin:outbox_effect_changelist") + "?status__exact=failed"
        found.setdefault(row["booking__tenant_id"], []).append(
            (
                "Side effects failed",
                f"{row['n']} side effect(s) failed: open them to read why and retry",
                url,
                None,
                "error",
            )
        )
    return found
