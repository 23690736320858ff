"""The booking form as staff type into it: boats that follow the brand, forgiving times, live money.

The money shown while typing comes from ``bookings.finance.compute`` through a small JSON view,
never from a copy of the arithmetic in JavaScript.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal, InvalidOperation

from django import forms
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from bookings import finance
from bookings.models import CalendarEntry
from crew.models import Assignment, Role


class BoatSelect(forms.Select):
    """Each boat option carries its brand, so the page can offer only the chosen brand's boats."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-brand"] = str(instance.tenant_id)
        return option


def breakdown_table(b: finance.Breakdown, port_tax_rate) -> str:
    captain = f"{b.captain_fee} (paid by the platform)" if b.platform_pays_captain else str(b.captain_fee)
    rows = [
        ("Gross", b.gross),
        ("Platform fee", b.platform_fee),
        ("Crew pay", b.crew_pay),
        ("Captain fee", captain),
        (f"Port/tax ({port_tax_rate}%)", b.port_tax),
        ("Net to owner", b.net_to_owner),
    ]
    return format_html(
        '<table class="money-breakdown">{}</table>',
        format_html_join("", '<tr><th scope="row">{}</th><td style="text-align:right">{}</td></tr>', rows),
    )


def _decimal(data, name: str, errors: dict, *, default: str = "0") -> Decimal:
    raw = (data.get(name) or default).strip().replace(",", "").replace("$", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors[name] = "Not an amount."
        return Decimal("0")
    if not value.is_finite() or value < 0 or value > Decimal("99999999.99"):
        errors[name] = "Not an amount."
        return Decimal("0")
    return value


def breakdown_from_form(data) -> tuple[finance.Breakdown | None, Decimal, dict]:
    """The breakdown of the booking form as typed (crew rows included, declined and deleted ones out)."""
    errors: dict[str, str] = {}
    gross = _decimal(data, "gross_amount", errors)
    fee = _decimal(data, "platform_fee", errors)
    rate = _decimal(data, "port_tax_rate", errors)
    if rate > 100:
        errors["port_tax_rate"] = "At most 100."
    try:
        rows = min(int(data.get("assignments-TOTAL_FORMS") or 0), 200)
    except ValueError:
        rows = 0
    wanted = {}
    for i in range(rows):
        prefix = f"assignments-{i}-"
        if data.get(prefix + "DELETE") or data.get(prefix + "status") == Assignment.Status.DECLINED:
            continue
        role_id = data.get(prefix + "role") or ""
        if not role_id.isdigit() or not data.get(prefix + "crew_member"):
            continue
        line_errors: dict = {}
        wanted[i] = (
            int(role_id),
            _decimal(data, prefix + "hourly_rate", line_errors),
            _decimal(data, prefix + "paid_hours", line_errors),
        )
        errors.update(line_errors)
    captains = set(
        Role.objects.filter(pk__in={r for r, _, _ in wanted.values()}, slug=Role.CAPTAIN).values_list("pk", flat=True)
    )
    if errors:
        return None, rate, errors
    pay = [finance.Pay(rate_, hours, role_id in captains) for role_id, rate_, hours in wanted.values()]
    breakdown = finance.compute(
        gross=gross,
        platform_fee=fee,
        port_tax_rate=rate,
        platform_pays_captain=bool(data.get("platform_pays_captain")),
        pay=pay,
    )
    return breakdown, rate, errors


def breakdown_json(request: HttpRequest) -> JsonResponse:
    """POST the booking form as it stands: answers the breakdown's HTML and the net to owner."""
    if request.method != "POST":
        return JsonResponse({"error": "Use POST."}, status=405)
    breakdown, rate, errors = breakdown_from_form(request.POST)
    if breakdown is None:
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse({"html": breakdown_table(breakdown, rate), "net_to_owner": str(breakdown.net_to_owner)})


# --- prefilled add forms -------------------------------------------------------------------------
# Links open the add form with values in its query string, as the admin reads them for initial
# data; times are the brand's wall clock (the form shows and reads them in the brand's zone).
PREFILL_TIME = "%Y-%m-%dT%H:%M"


def booking_add_url_for_hold(hold: CalendarEntry, *, zone: zoneinfo.ZoneInfo | None = None) -> str:
    """The booking add form with what a marketplace hold says: brand, boat, source, times, reference.

    Saving it claims the hold (``bookings.holds.hold_claims_sync``). ``zone``: the brand's, when the
    caller has it (else read from the hold's brand).
    """
    zone = zone or hold.tenant.zone
    params = {
        "tenant": hold.tenant_id,
        "boat": hold.boat_id,
        "source": hold.feed.source if hold.feed_id else "",
        "start": timezone.localtime(hold.start, zone).strftime(PREFILL_TIME),
        "end": timezone.localtime(hold.end, zone).strftime(PREFILL_TIME),
    }
    if hold.external_reference:
        params["external_reference"] = hold.external_reference
    return reverse("admin:bookings_booking_add") + "?" + urlencode({k: v for k, v in params.items() if v})


def wall_clock_initial(initial: dict) -> dict:
    """``start``/``end`` from the add form's query string as the split date/time fields show them
    (a naive wall-clock time); anything that is not such a time is left out, not a 500."""
    for name in ("start", "end"):
        raw = initial.get(name)
        if not isinstance(raw, str):
            continue
        try:
            value = dt.datetime.fromisoformat(raw) if len(raw) <= 40 else None
        except ValueError:
            value = None
        if value is None or value.tzinfo is not None:
            initial.pop(name)
        else:
            initial[name] = value
    return initial
