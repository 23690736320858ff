"""The dev server's stand-in for CloudFront: /g/<slug> served from local storage."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponseNotFound
from django.views.decorators.http import require_safe

from guestpages.models import GuestPage
from guestpages.publishing import local_root
from guestpages.rewrite import rewrite


@require_safe
def serve_local(request, rest: str = ""):
    if settings.GUESTPAGES_BACKEND != "local":
        raise Http404("Guest pages are served by CloudFront.")
    # The raw path keeps percent-encoding, exactly what CloudFront hands the function.
    raw = request.META.get("RAW_URI") or request.get_full_path_info().split("?", 1)[0]
    origin_path = rewrite(raw)
    if origin_path is None:
        return HttpResponseNotFound("Not found", content_type="text/plain; charset=utf-8")
    key = origin_path.lstrip("/")
    page = GuestPage.objects.select_related("booking__tenant").filter(slug=key.removesuffix(".html")).first()
    if page is None:
        raise Http404("No such guest page.")
    path = local_root(page.booking.tenant) / key
    if not Path(path).is_file():
        raise Http404("Not published yet.")
    response = FileResponse(open(path, "rb"), content_type="text/html; charset=utf-8")  # noqa: SIM115 - FileResponse closes it
    response["Cache-Control"] = settings.GUESTPAGES_CACHE_CONTROL
    response["X-Robots-Tag"] = "noindex"
    return response
