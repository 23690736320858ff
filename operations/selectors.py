"""What needs staff: today's and tomorrow's charters not ready, clashes, overrides, lapsed or lapsing
credentials. Scoped like the admin, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from bookings.availability import block_label, booking_label
from bookings.conflicts import find_conflicts
from bookings.models import Booking, CalendarEntry, Tenant
from charterops.tenancy import tenant_ids_for
from charterops.timezones import local_range
from crew.models import Credential
from operations.attention_holds import holds_needing_staff
from operations.attention_today import charters_needing_staff

CREDENTIAL_WARNING_DAYS = 60


@dataclass(frozen=True)
class AttentionItem:
    label: str
    message: str
    url: str
    start: dt.datetime | None = None
    severity: str = "warning"  # warning | error


@dataclass
class BrandAttention:
    tenant: Tenant
    items: list[AttentionItem]


def needs_attention(*, user, now: dt.datetime | None = None) -> list[BrandAttention]:
    """Per brand the user manages: upcoming clashes, overrides, and credentials that lapsed or lapse
    within 60 days. A constant number of queries however much there is."""
    now = now or timezone.now()
    ids = tenant_ids_for(user)
    tenants = Tenant.objects.order_by("name")
    if ids is not None:
        tenants = tenants.filter(pk__in=ids)
    tenants = list(tenants)
    by_tenant: dict[int, list[AttentionItem]] = defaultdict(list)
    visible = {t.pk for t in tenants}

    for tenant_id, lines in charters_needing_staff(tenants=tenants, now=now).items():
        for label, message, url, start, severity in lines:
            by_tenant[tenant_id].append(
                AttentionItem(label=label, message=message, url=url, start=start, severity=severity)
            )

    for tenant_id, lines in holds_needing_staff(tenant_ids=visible, now=now).items():
        for label, message, url, start, severity in lines:
            by_tenant[tenant_id].append(
                AttentionItem(label=label, message=message, url=url, start=start, severity=severity)
            )

    explained: set[int] = set()  # overridden bookings already shown with their clash
    findings = find_conflicts(since=now, tenant_ids=visible, visible_tenant_ids=visible)
    # A crew clash across brands names two bookings: each brand's line links to its own one.
    booking_tenant = dict(
        Booking.objects.filter(pk__in={b for f in findings for b in f.booking_ids}).values_list("pk", "tenant_id")
    )
    for finding in findings:
        if finding.overridden:
            explained.update(finding.booking_ids)
        message = finding.message + (f" (overridden: {finding.overridden})" if finding.overridden else "")
        for tenant_id in finding.tenant_ids & visible:
            booking_id = next((b for b in finding.booking_ids if booking_tenant.get(b) == tenant_id), None)
            url = reverse("admin:bookings_booking_change", args=[booking_id]) if booking_id else ""
            if not url and finding.entry_ids:  # two holds, or a hold and a block
                url = reverse("admin:bookings_calendarentry_change", args=[finding.entry_ids[0]])
            by_tenant[tenant_id].append(
                AttentionItem(
                    label=finding.label,
                    message=message,
                    url=url,
                    start=finding.start,
                    severity="warning" if finding.overridden else "error",
                )
            )

    overridden = (
        Booking.objects.filter(tenant_id__in=visible, end__gt=now)
        .exclude(conflict_override_reason="")
        .select_related("tenant", "boat")
        .order_by("start")
    )
    for booking in overridden:
        if booking.pk in explained:
            continue
        by_tenant[booking.tenant_id].append(
            AttentionItem(
                label="Saved over a clash (no longer clashing)",
                message=(
                    f"{booking.boat.name}: {booking_label(booking)}, "
                    f"{local_range(booking.start, booking.end, booking.tenant.zone)}. "
                    f"Reason: {booking.conflict_override_reason}"
                ),
                url=reverse("admin:bookings_booking_change", args=[booking.pk]),
                start=booking.start,
            )
        )
    blocks = (
        CalendarEntry.objects.filter(tenant_id__in=visible, end__gt=now)
        .exclude(conflict_override_reason="")
        .select_related("tenant", "boat")
        .order_by("start")
    )
    for entry in blocks:
        by_tenant[entry.tenant_id].append(
            AttentionItem(
                label="Block saved over a charter",
                message=f"{block_label(entry)}, {local_range(entry.start, entry.end, entry.tenant.zone)}. "
                f"Reason: {entry.conflict_override_reason}",
                url=reverse("admin:bookings_calendarentry_change", args=[entry.pk]),
                start=entry.start,
            )
        )

    today = timezone.localdate(now)
    renewed = Credential.objects.filter(
        crew_member_id=OuterRef("crew_member_id"), kind_id=OuterRef("kind_id"), expires_on__gt=OuterRef("expires_on")
    )
    renewed_forever = Credential.objects.filter(
        crew_member_id=OuterRef("crew_member_id"), kind_id=OuterRef("kind_id"), expires_on__isnull=True
    )
    credentials = (
        Credential.objects.filter(
            expires_on__lte=today + dt.timedelta(days=CREDENTIAL_WARNING_DAYS),
            expires_on__gte=today - dt.timedelta(days=365),
            crew_member__active=True,
            crew_member__tenants__in=visible,
        )
        .exclude(Exists(renewed))
        .exclude(Exists(renewed_forever))
        .select_related("crew_member", "kind")
        .prefetch_related("crew_member__tenants")
        .order_by("expires_on")
        .distinct()
    )
    for credential in credentials:
        days = (credential.expires_on - today).days
        state = f"lapsed on {credential.expires_on:%b %-d}" if days < 0 else f"expires in {days} day(s)"
        for tenant in credential.crew_member.tenants.all():
            if tenant.pk in visible:
                by_tenant[tenant.pk].append(
                    AttentionItem(
                        label="Credential lapsed" if days < 0 else "Credential expiring",
                        message=f"{credential.crew_member.name}: {credential.kind.name} {state}",
                        url=reverse("admin:crew_credential_change", args=[credential.pk]),
                        severity="error" if days < 0 else "warning",
                    )
                )
    return [BrandAttention(tenant=t, items=by_tenant[t.pk]) for t in tenants if by_tenant[t.pk]]
