"""The booking form as staff type into it: boats that follow the brand, forgiving times, live money.

The money shown while typing comes from ``bookings.finance.compute`` through a small JSON view,
never from a copy of the arithmetic in JavaScript.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.http import HttpRequest, JsonResponse
from django.utils.html import format_html, format_html_join

from bookings import finance
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
