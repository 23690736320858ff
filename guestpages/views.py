"""Guest-facing endpoints: the dev server's stand-in for CloudFront, and photo upload grants."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from bookings.models import Booking
from charterops.inputs import text_errors
from guestpages.models import SLUG_MAX_LENGTH, SLUG_PATTERN, GuestPage
from guestpages.passengers import PassengerEntry, PassengersRefused, passenger_list_public, passenger_list_save
from guestpages.publishing import local_root
from guestpages.rewrite import rewrite
from guestpages.services import UploadRefused, photo_upload_grant
from guestpages.uploads import StorageUnavailable

_SLUG = re.compile(SLUG_PATTERN)
# A grant request is a few hundred bytes; refuse to parse anything much larger.
_MAX_BODY_BYTES = 8 * 1024


@require_safe
def serve_local(request, rest: str = ""):
    if settings.GUESTPAGES_BACKEND != "local":
        raise Http404("Guest pages are served by CloudFront.")
    # The raw path keeps percent-encoding, exactly what CloudFront hands the function (gunicorn
    # gives RAW_URI, query string included; runserver only has the decoded path).
    raw = (request.META.get("RAW_URI") or request.get_full_path_info()).split("?", 1)[0]
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


def guest_origin(page: GuestPage) -> str:
    """The one browser origin whose scripts may read grant answers: the tenant's guest site."""
    return f"https://{page.booking.tenant.guest_domain}"


def _with_cors(response: HttpResponse, request: HttpRequest, page: GuestPage | None) -> HttpResponse:
    # Answers differ by Origin, so shared caches must key on it.
    patch_vary_headers(response, ("Origin",))
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    origin = request.headers.get("Origin")
    if page is not None and origin and origin == guest_origin(page):
        response["Access-Control-Allow-Origin"] = origin
        # No Allow-Credentials: the page sends no cookies (credentials: "omit").
    return response


def _error(status: int, code: str, reason: str, **extra) -> JsonResponse:
    return JsonResponse({"code": code, "reason": reason, **extra}, status=status)


def _json_object(body: bytes, max_bytes: int) -> tuple[dict, dict[str, list[str]]]:
    """A guest endpoint's JSON body as a dict, or errors (too large, not an object, unstorable text)."""
    if len(body) > max_bytes:
        return {}, {"__all__": ["Request body too large."]}
    try:
        data = json.loads(body.decode("utf-8"))
    # ValueError covers JSONDecodeError and an integer of thousands of digits; RecursionError deep nesting.
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}, {"__all__": ["Send a JSON object."]}
    if not isinstance(data, dict):
        return {}, {"__all__": ["Send a JSON object."]}
    # Text no database can store (a lone surrogate, NUL) is refused before any field is read.
    return data, text_errors(data)


def _parse_grant_request(body: bytes) -> tuple[dict, dict[str, list[str]]]:
    """The JSON body as typed values, or field errors. Never raises."""
    data, errors = _json_object(body, _MAX_BODY_BYTES)
    if errors:
        return {}, errors
    values: dict = {}
    for name in ("filename", "content_type", "consent"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            errors[name] = ["Required: a non-empty string."]
        else:
            values[name] = value.strip()
    size = data.get("size")
    # bool is an int in Python; JSON true is not a size.
    if not isinstance(size, int) or isinstance(size, bool):
        errors["size"] = ["Required: the file size in bytes (an integer)."]
    else:
        values["size"] = size
    if "content_type" in values:
        values["content_type"] = values["content_type"].lower()
    return values, errors


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a known proxy set it.
    return request.META.get("REMOTE_ADDR", "")


@csrf_exempt  # no cookies are sent or read: nothing for a cross-site request to ride on
@require_http_methods(["POST", "OPTIONS"])
def upload_grant(request: HttpRequest, slug: str) -> HttpResponse:
    """``POST /g/<slug>/uploads``: a presigned S3 POST for one photo, or a JSON reason why not.

    CORS answers only the tenant's guest domain, for the preflight and the POST.
    """
    page = None
    if len(slug) <= SLUG_MAX_LENGTH and _SLUG.fullmatch(slug):
        page = GuestPage.objects.select_related("booking__tenant", "booking__boat").filter(slug=slug).first()
    if page is None:
        return _with_cors(_error(404, "not_found", "This guest page does not exist."), request, None)

    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        if request.headers.get("Origin") == guest_origin(page):
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "600"
        return _with_cors(response, request, page)

    if page.booking.status == Booking.Status.CANCELLED:
        # Preflight passed above: a copy of the page still in a CDN cache can read why.
        return _with_cors(_error(404, "not_found", "This guest page does not exist."), request, page)

    if _declared_length(request) > _MAX_BODY_BYTES:
        # Refused before reading: past DATA_UPLOAD_MAX_MEMORY_SIZE Django would answer in HTML.
        values, errors = {}, {"__all__": ["Request body too large."]}
    else:
        values, errors = _parse_grant_request(request.body)
    if errors:
        response = _error(400, "invalid", "Something is wrong with this upload request.", errors=errors)
        return _with_cors(response, request, page)
    try:
        grant = photo_upload_grant(page=page, client_ip=_client_ip(request), **values)
    except UploadRefused as refused:
        return _with_cors(_error(refused.status, refused.code, refused.reason, **refused.extra), request, page)
    except StorageUnavailable:
        response = _error(503, "unavailable", "Photo uploads are not available right now. Please try again later.")
        return _with_cors(response, request, page)
    body = {
        "url": grant.url,
        "fields": grant.fields,
        "key": grant.upload.key,
        "expires_at": grant.upload.expires_at.isoformat(),
        "max_bytes": settings.GUEST_UPLOAD_MAX_BYTES,
    }
    return _with_cors(JsonResponse(body), request, page)


# --- Who's coming: the passenger list ---------------------------------------------------------

# A whole list of names is a few kilobytes at most.
_MAX_PASSENGERS_BODY_BYTES = 32 * 1024


def _parse_passengers(body: bytes) -> tuple[dict, dict[str, list[str]]]:
    """The JSON body as typed values for ``passenger_list_save``, or field errors. Never raises."""
    data, errors = _json_object(body, _MAX_PASSENGERS_BODY_BYTES)
    if errors:
        return {}, errors
    values: dict = {}
    for name in ("emergency_name", "emergency_phone"):
        value = data.get(name)
        if not isinstance(value, str):
            errors[name] = ["Required: a string."]
        else:
            values[name] = value
    version = data.get("waiver_version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        errors["waiver_version"] = ["The waiver version shown on the page (an integer), or null."]
    values["waiver_version"] = version
    rows = data.get("passengers")
    if not isinstance(rows, list) or len(rows) > 100:
        errors["passengers"] = ["Required: a list of passengers."]
        return values, errors
    entries = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            errors[f"passengers[{i}]"] = ["Each passenger is an object with a name."]
            continue
        name, adult, accepted = row.get("name"), row.get("is_adult", True), row.get("accepted_name") or ""
        if not isinstance(name, str) or not isinstance(adult, bool) or not isinstance(accepted, str):
            errors[f"passengers[{i}]"] = ["name (text), is_adult (true/false), accepted_name (text)."]
            continue
        entries.append(PassengerEntry(name=name, is_adult=adult, accepted_name=accepted))
    values["entries"] = entries
    return values, errors


def _passengers_rate_limited(request: HttpRequest) -> bool:
    rate = settings.GUEST_PASSENGERS_RATE_PER_IP
    return is_ratelimited(request, group="guest-passengers-ip", key="ip", rate=rate, increment=True)


@csrf_exempt  # no cookies are sent or read: nothing for a cross-site request to ride on
@require_http_methods(["GET", "POST", "OPTIONS"])
def passengers(request: HttpRequest, slug: str) -> HttpResponse:
    """``/g/<slug>/passengers``: GET what has been given, POST the whole list (JSON), with CORS as uploads."""
    page = None
    if len(slug) <= SLUG_MAX_LENGTH and _SLUG.fullmatch(slug):
        page = GuestPage.objects.select_related("booking__tenant").filter(slug=slug).first()
    if page is None:
        return _with_cors(_error(404, "not_found", "This guest page does not exist."), request, None)

    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        if request.headers.get("Origin") == guest_origin(page):
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "600"
        return _with_cors(response, request, page)

    booking = page.booking
    if booking.status == Booking.Status.CANCELLED:
        return _with_cors(_error(404, "not_found", "This guest page does not exist."), request, page)
    if request.method == "GET":
        body = passenger_list_public(booking)
        return _with_cors(JsonResponse({**body, "open": timezone.now() < booking.start}), request, page)

    origin = request.headers.get("Origin")
    if origin and origin != guest_origin(page) and origin != settings.CHARTEROPS_BASE_URL:
        # A browser would not let another site read the answer; do not let it write either.
        return _with_cors(_error(403, "forbidden", "Send the list from the guest page."), request, page)
    if _passengers_rate_limited(request):
        response = _error(429, "rate_limited", "Too many tries from this connection. Please wait a while.")
        return _with_cors(response, request, page)
    if _declared_length(request) > _MAX_PASSENGERS_BODY_BYTES:
        values, errors = {}, {"__all__": ["Request body too large."]}
    else:
        values, errors = _parse_passengers(request.body)
    if errors:
        response = _error(400, "invalid", "Something is wrong with this list.", errors=errors)
        return _with_cors(response, request, page)
    try:
        passenger_list_save(page=page, client_ip=_client_ip(request), **values)
    except PassengersRefused as refused:
        response = _error(refused.status, refused.code, refused.reason, errors=refused.errors, **refused.extra)
        return _with_cors(response, request, page)
    body = passenger_list_public(booking)
    return _with_cors(JsonResponse({**body, "open": True}), request, page)
