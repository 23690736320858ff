"""The admin calendar: the page, its JSON events and drag-to-move (all under admin.site.admin_view).

The page shows one brand at a time, in that brand's zone (see ``operations.calendar``).
A move goes through ``bookings.services.booking_save`` like an admin save, so the
availability rules, the crew's re-acceptance and the guest page's republish all apply;
nothing here ever overrides a clash.
"""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bookings.availability import ConflictError, booking_label
from bookings.models import Boat, Booking
from bookings.services import booking_save
from charterops.tenancy import scope_to_user
from charterops.timezones import local_range
from operations.calendar import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarFilters,
    CalendarQueryError,
    calendar_boats,
    calendar_brands,
    calendar_crew_members,
    calendar_filters,
    calendar_range,
    parse_wall_clock,
)
from operations.calendar import (
    calendar_events as events_for,
)

VIEWS = {
    "month": "dayGridMonth",
    "week": "resourceTimeGridWeek",
    "day": "resourceTimeGridDay",
}


def _can_see(user) -> bool:
    return user.has_perm("bookings.view_booking") or user.has_perm("bookings.change_booking")


def _can_move(user) -> bool:
    return user.has_perm("bookings.change_booking")


def _json_error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, "messages": [message], **extra}, status=status)


@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    if not _can_see(request.user):
        raise PermissionDenied
    brands = calendar_brands(user=request.user)
    context = {
        **admin.site.each_context(request),
        "title": "Calendar",
        # The calendar needs the page's width more than the app list beside it.
        "is_nav_sidebar_enabled": False,
        "brands": brands,
        "views": VIEWS,
    }
    if not brands:
        return TemplateResponse(request, "operations/calendar.html", {**context, "no_brand": True})
    try:
        filters = calendar_filters(user=request.user, params=request.GET, brands=brands)
    except CalendarQueryError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        return HttpResponseBadRequest(exc.message)
    zone = filters.zone
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "week"
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        day = timezone.localdate(timezone.now(), zone)
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone)
    boats = calendar_boats(filters=filters)
    config = {
        "eventsUrl": reverse("operations:calendar_events"),
        "moveUrl": reverse("operations:calendar_move"),
        "csrfToken": get_token(request),
        "tenant": filters.tenant.pk,
        "boat": filters.boat.pk if filters.boat else None,
        "crewMember": filters.crew_member.pk if filters.crew_member else None,
        "resources": [{"id": b.pk, "title": b.name} for b in boats],
        "view": VIEWS[view],
        "views": VIEWS,
        "date": day.isoformat(),
        "timezone": filters.tenant.timezone,
        # Only for "today" and the now line: event times travel as the brand's wall clock.
        "nowOffset": _offset(timezone.now().astimezone(zone)),
        "canMove": _can_move(request.user),
    }
    context.update(
        {
            "filters": filters,
            # The boat choice lists every boat of the brand, also while one is picked.
            "boats": calendar_boats(filters=CalendarFilters(tenant=filters.tenant)) if filters.boat else boats,
            "crew_members": calendar_crew_members(tenant=filters.tenant),
            "zone_name": filters.tenant.timezone,
            "zone_abbr": noon.strftime("%Z"),
            "view": view,
            "day": day,
            "calendar_config": config,
            "can_move": config["canMove"],
        }
    )
    return TemplateResponse(request, "operations/calendar.html", context)


@require_GET
def calendar_events(request: HttpRequest) -> JsonResponse:
    """``?tenant=&start=&end=[&boat=][&crew_member=]``: the events of one brand, for the calendar library."""
    if not _can_see(request.user):
        return _json_error("You may not view bookings.", 403)
    try:
        filters = calendar_filters(user=request.user, params=request.GET)
        start, end = calendar_range(params=request.GET, zone=filters.zone)
    except CalendarQueryError as exc:
        return _json_error(exc.message, exc.status)
    events = events_for(filters=filters, start=start, end=end, can_move=_can_move(request.user))
    return JsonResponse({"tenant": filters.tenant.pk, "timezone": filters.tenant.timezone, "events": events})


@require_POST
def calendar_move(request: HttpRequest) -> JsonResponse:
    """``{booking, start, end, boat}`` (wall-clock times in the brand's zone): move a charter through
    ``booking_save``. 409 with the clashes when it is refused, 400 for anything else wrong; a refusal
    writes nothing."""
    if not _can_move(request.user):
        return _json_error("You may not change bookings.", 403)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _json_error("Send the move as a JSON object.", 400)
    if not isinstance(data, dict):
        return _json_error("Send the move as a JSON object.", 400)
    booking_id, boat_id = data.get("booking"), data.get("boat")
    if not _is_id(booking_id) or not (boat_id is None or _is_id(boat_id)):
        return _json_error("“booking” and “boat” must be ids.", 400)
    booking = (
        scope_to_user(Booking.objects.select_related("tenant", "boat"), request.user, "tenant")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        return _json_error("No such booking.", 404)
    zone = booking.tenant.zone
    try:
        start = parse_wall_clock(data.get("start"), zone, name="start")
        end = parse_wall_clock(data.get("end"), zone, name="end")
    except ValidationError as exc:
        return _json_error(" ".join(exc.messages), 400)
    if boat_id is not None and boat_id != booking.boat_id:
        boat = Boat.objects.filter(pk=boat_id, tenant_id=booking.tenant_id).first()
        if boat is None:
            return _json_error("That boat is not one of this brand's boats.", 400)
        booking.boat = boat
    booking.start, booking.end = start, end
    try:
        booking_save(booking=booking, actor=request.user)
    except ConflictError as exc:
        return JsonResponse(
            {
                "error": "conflict",
                "messages": exc.messages,
                "clashes": [c.as_json() for c in exc.clashes],
            },
            status=409,
        )
    except ValidationError as exc:
        return JsonResponse({"error": "invalid", "messages": exc.messages}, status=400)
    when = local_range(booking.start, booking.end, zone)
    return JsonResponse(
        {
            "ok": True,
            "booking": booking.pk,
            "boat": booking.boat_id,
            "message": f"Moved {booking_label(booking)} to {when} on {booking.boat.name}.",
        }
    )


def _offset(value: dt.datetime) -> str:
    """``-08:00``: the form EventCalendar's timeZone option takes."""
    raw = value.strftime("%z")
    return f"{raw[:3]}:{raw[3:5]}"


def _is_id(value) -> bool:
    # bool is an int in Python: true is not booking #1.
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
