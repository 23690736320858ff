"""The day sheet: ``/admin/day/<YYYY-MM-DD>/`` (and ``.pdf``) for staff, and the captain's copy
of one charter at ``/crew/events/<id>/sheet/``.

Staff pages are wrapped in ``admin.site.admin_view`` (login, ``never_cache``) by the URLconf;
this module scopes them to the user's brands. The captain's page uses the crew session.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from bookings.models import Boat, Tenant
from charterops.tenancy import tenant_ids_for
from crew.views import crew_required
from operations.day_sheet import captain_access, captain_sheet, staff_day_sheet

# WeasyPrint logs every layout step at INFO: one PDF would write a dozen lines to the app's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
PAPERS = {"letter": "Letter", "a4": "A4"}
# Far enough either way for any real sheet; keeps date arithmetic and zone maths away from the edges.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _parse_day(value: str) -> dt.date:
    """``YYYY-MM-DD`` only (``fromisoformat`` alone also takes ``20261205`` and week dates)."""
    if not DAY_PATTERN.fullmatch(value or ""):
        raise Http404("Not a date: use YYYY-MM-DD.")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise Http404("No such date.") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Http404("No such date.")
    return day


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise Http404(f"No such {name}.")
    return int(raw)


def _chosen_paper(request: HttpRequest) -> str | None:
    chosen = request.GET.get("paper", "").lower()
    return chosen if chosen in PAPERS else None


def default_paper(zone: str) -> str:
    """Letter for brands in the Americas, A4 elsewhere."""
    return "letter" if zone.startswith("America/") else "a4"


def _scope(request: HttpRequest) -> tuple[list[Tenant], Tenant, Boat | None, list[Boat]]:
    """The brands the user may pick, the chosen one (``?tenant=``, default the first), and the
    chosen boat (``?boat=``, one of that brand's). Anything else is a 404, never another's data."""
    ids = tenant_ids_for(request.user)
    tenants = Tenant.objects.order_by("name")
    if ids is not None:
        tenants = tenants.filter(pk__in=ids)
    tenants = list(tenants)
    tenant_id = _int_param(request, "tenant")
    if tenant_id is None:
        if not tenants:
            raise Http404("You manage no brand yet.")
        tenant = tenants[0]
    else:
        tenant = next((t for t in tenants if t.pk == tenant_id), None)
        if tenant is None:
            raise Http404("No such brand.")
    boats = list(Boat.objects.filter(tenant=tenant).order_by("name"))
    boat_id = _int_param(request, "boat")
    boat = None
    if boat_id is not None:
        boat = next((b for b in boats if b.pk == boat_id), None)
        if boat is None:
            raise Http404("No such boat.")
    return tenants, tenant, boat, boats


def _query(tenant: Tenant, boat: Boat | None, paper: str | None = None) -> str:
    params = {"tenant": tenant.pk}
    if boat is not None:
        params["boat"] = boat.pk
    if paper:
        params["paper"] = paper
    return "?" + urlencode(params)


def _sheet_context(request: HttpRequest, day: str) -> dict:
    day_ = _parse_day(day)
    tenants, tenant, boat, boats = _scope(request)
    chosen = _chosen_paper(request)
    paper = chosen or default_paper(tenant.timezone)
    sheet = staff_day_sheet(tenant=tenant, day=day_, boat=boat)
    query = _query(tenant, boat, chosen)  # the day links keep a paper only when one was picked

    def day_url(d: dt.date) -> str:
        return reverse("operations:day_sheet", kwargs={"day": d.isoformat()}) + query

    return {
        "sheet": sheet,
        "tenants": tenants,
        "tenant": tenant,
        "boats": boats,
        "boat": boat,
        "paper": paper,
        "paper_css": PAPERS[paper],
        "papers": list(PAPERS.items()),
        "previous_url": day_url(day_ - dt.timedelta(days=1)),
        "next_url": day_url(day_ + dt.timedelta(days=1)),
        "today_url": day_url(timezone.localtime(timezone.now(), tenant.zone).date()),
        "pdf_url": reverse("operations:day_sheet_pdf", kwargs={"day": day}) + _query(tenant, boat, paper),
        "zone": tenant.zone,
    }


@require_GET
def day_sheet(request: HttpRequest, day: str) -> HttpResponse:
    jump = request.GET.get("date", "")
    if jump:
        # The date picker (a plain GET form): go to that day's own URL, keeping brand, boat and paper.
        target = _parse_day(jump)
        keep = {k: v for k, v in request.GET.items() if k in ("tenant", "boat", "paper")}
        url = reverse("operations:day_sheet", kwargs={"day": target.isoformat()})
        return redirect(url + ("?" + urlencode(keep) if keep else ""))
    context = _sheet_context(request, day)
    context.update(
        admin.site.each_context(request),
        title=f"Day sheet · {context['tenant'].name}",
        subtitle=None,
        base_template="admin/base_site.html",
        interactive=True,
    )
    with timezone.override(context["zone"]):
        return render(request, "operations/day_sheet.html", context)


@require_GET
def day_sheet_pdf(request: HttpRequest, day: str) -> HttpResponse:
    context = _sheet_context(request, day)
    context.update(
        title=f"Day sheet · {context['tenant'].name}", base_template="operations/_print_base.html", interactive=False
    )
    with timezone.override(context["zone"]):
        html = render_to_string("operations/day_sheet.html", context, request=request)
    pdf = render_pdf(html, base_url=request.build_absolute_uri("/"))
    sheet = context["sheet"]
    parts = ["day-sheet", context["tenant"].slug, sheet.day.isoformat()]
    if context["boat"] is not None:
        parts.insert(2, _ascii_slug(context["boat"].name))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{"-".join(p for p in parts if p)}.pdf"'
    return response


def _ascii_slug(value: str) -> str:
    return slugify(value.encode("ascii", "ignore").decode())


def _no_fetch(url: str, *args, **kwargs):
    # The sheet is self-contained (inline CSS, no images): a PDF render never reaches the network.
    raise ValueError(f"Day sheet PDFs load nothing from outside: {url}")


def render_pdf(html: str, *, base_url: str) -> bytes:
    """HTML to PDF with WeasyPrint (imported here: it loads pango and friends on first use)."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_no_fetch).write_pdf()


@require_GET
@crew_required
def crew_day_sheet(request: HttpRequest, event_id: int) -> HttpResponse:
    """The captain's sheet of one charter, from ``CREW_DETAILS_HOURS_BEFORE_START`` hours before
    the start until the end. Other crew, other brands and made-up ids get the crew pages' 404."""
    access = captain_access(member=request.crew_member, event_id=event_id, now=timezone.now())
    if access is None:
        raise Http404("No such event.")
    context = {
        "access": access,
        "member": request.crew_member,
        "base_template": "operations/_print_base.html",
        "interactive": False,
        "crew_page": True,
        "paper_css": PAPERS[_chosen_paper(request) or default_paper(access.zone)],
        "title": f"Captain's sheet · {access.boat}",
        "hours": settings.CREW_DETAILS_HOURS_BEFORE_START,
    }
    with timezone.override(access.zone):
        if not access.is_open:
            return render(request, "operations/day_sheet_closed.html", context)
        context["sheet"] = captain_sheet(access=access)
        return render(request, "operations/day_sheet.html", context)
