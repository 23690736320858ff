"""Reads shared by the admin, views and commands."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from bookings.models import Booking
from outbox.models import Effect


def bookings_for_list(qs: QuerySet[Booking] | None = None) -> QuerySet[Booking]:
    """Bookings with everything a list row shows, in a constant number of queries."""
    from crew.models import Assignment

    qs = Booking.objects.all() if qs is None else qs
    latest_publish = Effect.objects.filter(booking=OuterRef("pk"), kind=Effect.Kind.PUBLISH_GUEST_PAGE).order_by("-id")
    return (
        qs.select_related("tenant", "boat", "crew_event", "guest_page")
        .prefetch_related(
            Prefetch(
                "crew_event__assignments",
                queryset=Assignment.objects.select_related("role").order_by("id"),
            )
        )
        .annotate(
            checklist_total=Count("crew_event__checklist_items", distinct=True),
            checklist_done=Count(
                "crew_event__checklist_items", filter=Q(crew_event__checklist_items__done=True), distinct=True
            ),
            page_status=Subquery(latest_publish.values("status")[:1]),
        )
    )


def bookings_by_reference(*, tenant_id: int, source: str, references: Iterable[str]) -> QuerySet[Booking]:
    """The brand's bookings from ``source`` with these marketplace references (the import's lookup).

    ``order_by()`` matters: Booking's default ordering (``-start``) made SQLite walk the
    (tenant, start) index to avoid a sort, reading every booking of the brand, instead of
    the (tenant, source, external_reference) index ``booking_reference_lookup``.
    """
    return (
        Booking.objects.filter(tenant_id=tenant_id, source=source, external_reference__in=list(references))
        .select_related("boat")
        .order_by()
    )
