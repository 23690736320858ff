"""JSON endpoints for internal services.

They authenticate with a header, never with cookies, so they are CSRF-exempt
and run as an anonymous user whatever session cookie comes along.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from api import auth
from api.idempotency import idempotency_key_check, run_idempotent
from api.openapi import openapi_document
from api.secrets import SecretsUnavailable
from api.services import WantedAssignment, calendar_entries_in, calendar_entry_create, crew_event_apply
from api.validation import ApiError, Reader, conflict, invalid, messages_of, parse_json_object
from bookings.availability import ConflictError
from bookings.models import Boat, Booking, CalendarEntry, Tenant
from charterops.audit import acting_as
from charterops.inputs import text_errors, time_parse
from crew.models import Assignment, CrewEvent, CrewMember, Role

MAX_ASSIGNMENTS = 50
MAX_TEXT = 10_000


def error_response(exc: ApiError) -> JsonResponse:
    response = JsonResponse(exc.as_json(), status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def json_endpoint(*, methods: tuple[str, ...], credential: str | None = None) -> Callable:
    """CSRF-exempt JSON view: method check, credential check, ApiError -> JSON error."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
            # Cookies are ignored: no staff session may be attributed an API write.
            request.user = AnonymousUser()
            try:
                if request.method not in methods:
                    raise ApiError(
                        405,
                        "method_not_allowed",
                        f"Use {' or '.join(methods)}.",
                        headers={"Allow": ", ".join(methods)},
                    )
                caller = authenticate(request, credential) if credential else None
                return view(request, caller, *args, **kwargs)
            except ApiError as exc:
                return error_response(exc)

        return wrapper

    return decorate


def authenticate(request: HttpRequest, credential: str) -> auth.Caller:
    if credential == "service":
        presented = auth.bearer_token(request.headers.get("Authorization"))
        challenge = {"WWW-Authenticate": 'Bearer realm="charterops"'}
        verify = auth.service_key_verify
        what = "an Authorization: Bearer <service key> header"
    else:
        presented = request.headers.get("X-Dashboard-Token")
        challenge = {}
        verify = auth.dashboard_token_verify
        what = "an X-Dashboard-Token header"
    if presented is None:
        raise ApiError(401, "unauthorized", f"Send {what}.", headers=challenge)
    if auth.auth_blocked(request):
        raise ApiError(
            429,
            "rate_limited",
            "Too many wrong credentials from this address; wait and retry.",
            headers={"Retry-After": str(auth.retry_after_seconds())},
        )
    try:
        caller = verify(presented)
    except SecretsUnavailable as exc:
        raise ApiError(503, "secrets_unavailable", "Credentials cannot be checked right now; retry shortly.") from exc
    if caller is None:
        auth.auth_failure_record(request)
        raise ApiError(401, "unauthorized", "The credential is not valid.", headers=challenge)
    return caller


def json_body(request: HttpRequest) -> tuple[bytes, dict[str, Any]]:
    """The raw body (for the idempotency hash) and its parsed JSON object, within the size limit."""
    limit = settings.API_MAX_BODY_BYTES
    too_large = ApiError(413, "body_too_large", f"The body must be at most {limit} bytes.")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large  # refuse before reading it
    if declared == 0 and not request.body:
        raise ApiError(400, "malformed_json", "The body is empty; send a JSON object.")
    content_type = request.content_type or ""
    if content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as Content-Type: application/json.")
    body = request.body
    if len(body) > limit:
        raise too_large
    return body, parse_json_object(body)


def idempotent_response(request: HttpRequest, caller: auth.Caller, endpoint: str, body: bytes, work) -> JsonResponse:
    key = idempotency_key_check(request.headers.get("Idempotency-Key"))

    def audited():
        with acting_as(caller.actor):
            return work()

    (status, payload), replayed = run_idempotent(
        identity=caller.identity, endpoint=endpoint, key=key, body=body, work=audited
    )
    response = JsonResponse(payload, status=status)
    if key is not None:
        response["Idempotent-Replayed"] = "true" if replayed else "false"
    return response


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# --- trivial views ------------------------------------------------------------------


@json_endpoint(methods=("GET",))
def openapi(request: HttpRequest, caller: None) -> JsonResponse:
    return JsonResponse(openapi_document())


# --- calendar entries ----------------------------------------------------------------


def entry_json(entry: CalendarEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "tenant": entry.tenant.slug,
        "title": entry.title,
        "start": iso(entry.start),
        "end": iso(entry.end),
        "kind": entry.kind,
        "status": entry.status,
        "booking": entry.booking_id,
        "boat": entry.boat_id,
        "created_by_service": entry.created_by_service,
    }


def _tenant(reader: Reader, field: str, *, required: bool) -> Tenant | None:
    slug = reader.string(field, required=required, max_length=60, blank=False)
    if slug is None:
        return None
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        reader.error(field, f"No brand with slug “{slug}”.")
    return tenant


@json_endpoint(methods=("GET", "POST"), credential="dashboard")
def calendar_entries(request: HttpRequest, caller: auth.Caller) -> JsonResponse:
    if request.method == "GET":
        return calendar_entries_list(request)
    body, data = json_body(request)
    reader = Reader(data)
    reader.only({"tenant", "title", "start", "end", "kind", "booking", "boat"})
    tenant = _tenant(reader, "tenant", required=True)
    title = reader.string("title", required=True, max_length=200, blank=False)
    start = reader.aware_datetime("start", required=True)
    end = reader.aware_datetime("end", required=True)
    kind = reader.choice("kind", list(CalendarEntry.Kind.values)) or CalendarEntry.Kind.OTHER
    booking_id = reader.integer("booking")
    booking = None
    if booking_id is not None:
        booking = Booking.objects.filter(pk=booking_id).first()
        if booking is None:
            reader.error("booking", f"No booking with id {booking_id}.")
        elif tenant is not None and booking.tenant_id != tenant.pk:
            reader.error("booking", "This booking belongs to another brand.")
    boat_id = reader.integer("boat")
    boat = None
    if boat_id is not None:
        boat = Boat.objects.filter(pk=boat_id).first()
        if boat is None:
            reader.error("boat", f"No boat with id {boat_id}.")
        elif tenant is not None and boat.tenant_id != tenant.pk:
            reader.error("boat", "This boat belongs to another brand.")
    if start and end and end <= start:
        reader.error("end", "The entry must end after it starts.")
    if reader.errors:
        raise invalid(reader.errors)

    def work():
        try:
            entry = calendar_entry_create(
                tenant=tenant,
                title=title,
                start=start,
                end=end,
                kind=kind,
                booking=booking,
                boat=boat,
                service=caller.name,
            )
        except ConflictError as exc:
            raise conflict(exc) from exc
        except ValidationError as exc:
            raise invalid(messages_of(exc)) from exc
        return 201, entry_json(entry)

    return idempotent_response(request, caller, "POST /api/calendar/entries", body, work)


def _cursor_encode(entry: CalendarEntry) -> str:
    return base64.urlsafe_b64encode(f"{entry.start.isoformat()}|{entry.pk}".encode()).decode().rstrip("=")


def _cursor_decode(reader: Reader, value: str) -> tuple[dt.datetime, int] | None:
    """The (start, id) a cursor holds; its time goes through the same parser as every other time."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        start_text, _, pk_text = text.partition("|")
        pk = int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        reader.error("cursor", "Not a cursor this API returned.")
        return None
    if not 1 <= pk <= 2**62:
        reader.error("cursor", "Not a cursor this API returned.")
        return None
    try:
        return time_parse(start_text), pk
    except ValidationError as exc:
        reader.error("cursor", f"Not a cursor this API returned: {exc.messages[0]}")
        return None


def calendar_entries_list(request: HttpRequest) -> JsonResponse:
    query = request.GET.dict()
    # Django decodes query strings leniently (bad UTF-8 becomes U+FFFD), but %00 still arrives as NUL.
    unstorable = text_errors(query)
    if unstorable:
        raise invalid(unstorable, "The query has invalid parameters.")
    reader = Reader(query)
    tenant = _tenant(reader, "tenant", required=False)
    start = end = after = None
    for field in ("start", "end"):
        value = request.GET.get(field)
        if value:
            # A "+" in a query string arrives as a space; put it back rather than reject the offset.
            parsed = reader.parse_aware(field, value.replace(" ", "+"))
            start, end = (parsed, end) if field == "start" else (start, parsed)
    if start and end and end <= start:
        reader.error("end", "Must be after start.")
    limit = settings.API_PAGE_SIZE_DEFAULT
    if request.GET.get("limit"):
        try:
            limit = int(request.GET["limit"])
        except ValueError:
            reader.error("limit", "Must be an integer.")
        else:
            if not 1 <= limit <= settings.API_PAGE_SIZE_MAX:
                reader.error("limit", f"Must be between 1 and {settings.API_PAGE_SIZE_MAX}.")
    if request.GET.get("cursor"):
        after = _cursor_decode(reader, request.GET["cursor"])
    if reader.errors:
        raise invalid(reader.errors, "The query has invalid parameters.")
    rows = list(calendar_entries_in(tenant=tenant, start=start, end=end, after=after)[: limit + 1])
    page, more = rows[:limit], len(rows) > limit
    return JsonResponse(
        {"results": [entry_json(e) for e in page], "next_cursor": _cursor_encode(page[-1]) if more else None}
    )


# --- crew events -----------------------------------------------------------------------


def event_json(event: CrewEvent) -> dict[str, Any]:
    assignments = Assignment.objects.filter(event=event).select_related("crew_member", "role").order_by("id")
    return {
        "id": event.pk,
        "booking": event.booking_id,
        "weather_briefing": event.weather_briefing,
        "logistics": event.logistics,
        "gate_code": event.gate_code,
        "assignments": [
            {
                "id": a.pk,
                "crew_member": a.crew_member_id,
                "crew_member_email": a.crew_member.email,
                "role": a.role.slug,
                "hourly_rate": f"{a.hourly_rate:.2f}",
                "paid_hours": f"{a.paid_hours:.2f}",
                "status": a.status,
            }
            for a in assignments
        ],
    }


def _event_booking(reader: Reader) -> Booking | None:
    booking_id = reader.integer("booking")
    by_reference = [f for f in ("source", "external_reference", "tenant") if reader.has(f)]
    if booking_id is not None and by_reference:
        reader.error("booking", "Give either booking, or source + external_reference + tenant, not both.")
        return None
    if booking_id is not None:
        booking = Booking.objects.select_related("boat").filter(pk=booking_id).first()
        if booking is None:
            reader.error("booking", f"No booking with id {booking_id}.")
        return booking
    if not by_reference and not reader.has("booking"):
        reader.error("booking", "Give booking, or source + external_reference + tenant.")
        return None
    source = reader.choice("source", list(Booking.Source.values), required=True)
    reference = reader.string("external_reference", required=True, max_length=80, blank=False)
    tenant = _tenant(reader, "tenant", required=True)
    if source is None or reference is None or tenant is None:
        return None
    booking = (
        Booking.objects.select_related("boat")
        .filter(tenant=tenant, source=source, external_reference=reference)
        .first()
    )
    if booking is None:
        reader.error("external_reference", f"No {source} booking {reference} for {tenant.slug}.")
    return booking


def _wanted_assignments(reader: Reader, items: list, booking: Booking | None) -> list[WantedAssignment]:
    wanted: list[WantedAssignment] = []
    seen: set[int] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            reader.error(f"assignments[{index}]", "Must be an object.")
            continue
        line = Reader(item, prefix=f"assignments[{index}].", errors=reader.errors)
        line.only({"crew_member", "crew_member_email", "role", "hourly_rate", "paid_hours"})
        member = None
        if line.has("crew_member") and line.has("crew_member_email"):
            line.error("crew_member", "Give crew_member or crew_member_email, not both.")
        elif line.has("crew_member_email"):
            email = line.email("crew_member_email", required=True)
            member = CrewMember.objects.filter(email__iexact=email).first() if email else None
            if email and member is None:
                line.error("crew_member_email", f"No crew member with email {email}.")
        else:
            member_id = line.integer("crew_member", required=True)
            member = CrewMember.objects.filter(pk=member_id).first() if member_id is not None else None
            if member_id is not None and member is None:
                line.error("crew_member", f"No crew member with id {member_id}.")
        slug = line.string("role", required=True, max_length=60, blank=False)
        role = Role.objects.filter(slug=slug).first() if slug else None
        if slug and role is None:
            line.error("role", f"No role with slug “{slug}”.")
        rate = line.decimal("hourly_rate", max_value=Decimal("99999999.99"))
        hours = line.decimal("paid_hours", required=True, max_value=Decimal("72"))
        if member is not None:
            if member.pk in seen:
                line.error("crew_member", "This crew member is listed twice.")
            seen.add(member.pk)
            if not member.active:
                line.error("crew_member", f"{member.name} is not active.")
            if booking is not None and not member.tenants.filter(pk=booking.tenant_id).exists():
                line.error("crew_member", f"{member.name} does not work for this brand.")
        if member is not None and role is not None and hours is not None and not line_has_errors(reader, index):
            wanted.append(
                WantedAssignment(
                    crew_member=member,
                    role=role,
                    hourly_rate=member.default_hourly_rate if rate is None else rate,
                    paid_hours=hours,
                )
            )
    return wanted


def line_has_errors(reader: Reader, index: int) -> bool:
    prefix = f"assignments[{index}]"
    return any(name.startswith(prefix) for name in reader.errors)


@json_endpoint(methods=("POST",), credential="service")
def events(request: HttpRequest, caller: auth.Caller) -> JsonResponse:
    body, data = json_body(request)
    reader = Reader(data)
    reader.only({"booking", "source", "external_reference", "tenant", "assignments", *CREW_EVENT_TEXT_LIMITS.keys()})
    booking = _event_booking(reader)
    details = {}
    for field, max_length in CREW_EVENT_TEXT_LIMITS.items():
        value = reader.string(field, max_length=max_length)
        if value is not None:
            details[field] = value
    items = reader.array("assignments", max_items=MAX_ASSIGNMENTS)
    wanted = _wanted_assignments(reader, items, booking) if items is not None else None
    if reader.errors:
        raise invalid(reader.errors)

    def work():
        try:
            change = crew_event_apply(booking=booking, details=details, assignments=wanted)
        except ConflictError as exc:
            raise conflict(exc) from exc
        except ValidationError as exc:
            raise invalid(messages_of(exc)) from exc
        payload = event_json(change.event)
        payload["changes"] = {"added": change.added, "updated": change.updated, "removed": change.removed}
        return (201 if change.created else 200), payload

    return idempotent_response(request, caller, "POST /api/events", body, work)


CREW_EVENT_TEXT_LIMITS = {"weather_briefing": MAX_TEXT, "logistics": MAX_TEXT, "gate_code": 60}
