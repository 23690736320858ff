"""Crew pages. Crew have no passwords: a magic link starts a session limited to their events.

Link lifecycle:

* ``GET /crew/link/<token>/`` shows a page with one button and changes nothing, so
  the mail scanners that fetch every link in an email cannot use it up.
* ``POST`` to the same URL checks the token again and starts a crew session. The
  link stays usable until it expires or staff revoke it: crew open it on a phone
  and a tablet, and revocation is per link, so one-time use would add support calls
  without adding a way to cut a leaked link off.
* The session holds the crew member and the link that opened it; it ends when that
  link is revoked, removed or expires, or when staff switch the crew member off.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from bookings.services import booking_trip_record
from charterops.audit import acting_as
from crew.checkin import CheckInForm, checkin_initial
from crew.forms import ChecklistForm, DeclineForm, NewLinkForm, TimeOffForm
from crew.ical import crew_calendar
from crew.links import LinkError, link_check, link_expires_at
from crew.models import ChecklistItem, CrewMember, TimeOff
from crew.selectors import (
    crew_calendar_assignments,
    crew_card_for_event,
    crew_cards_upcoming,
    crew_earlier_page,
    crew_has_earlier,
    crew_may_record_trip,
    crew_own_assignment,
    crew_session_member,
    crew_time_off_upcoming,
    crew_today_starts,
    crew_zones,
)
from crew.services import (
    assignment_accept,
    assignment_decline,
    checklist_item_set,
    crew_actor,
    crew_new_link_request,
    time_off_remove,
    time_off_save,
)

SESSION_KEY = "crew_session"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")

# 403: the link was never good or has been cut off; 410: it was good and ran out.
LINK_ERROR_STATUS = {"tampered": 403, "revoked": 403, "expired": 410}


def _private(response: HttpResponse, *, token_in_url: bool = False) -> HttpResponse:
    """No cache keeps crew pages; a URL holding a token is never sent on as a Referer."""
    response["Cache-Control"] = "no-store"
    if token_in_url:
        response["Referrer-Policy"] = "no-referrer"
    return response


class _TokenPageCsrf(CsrfViewMiddleware):
    """CSRF for forms on pages served with ``Referrer-Policy: no-referrer``.

    Browsers send ``Origin: null`` on a POST from such a page (Fetch standard), which
    Django's origin check refuses, so the button on the link page would never work.
    Only that literal ``null`` is let through the origin check; the CSRF cookie and
    form token must still match, and any real foreign origin is still refused.
    """

    def _origin_verified(self, request: HttpRequest) -> bool:
        return request.META.get("HTTP_ORIGIN") == "null" or super()._origin_verified(request)


# Used with @csrf_exempt so the site-wide middleware leaves the check to this one.
csrf_protect_token_page = decorator_from_middleware(_TokenPageCsrf)


def _crew_session_start(request: HttpRequest, *, member: CrewMember, assignment_id: int, version: int) -> None:
    previous = request.session.get(SESSION_KEY)
    if previous and previous.get("member") != member.pk:
        # Someone else's crew session on this device: start from nothing, as auth.login() does.
        request.session.flush()
    else:
        # A new key on every login: a session id planted before the click is worth nothing.
        request.session.cycle_key()
    request.session[SESSION_KEY] = {"member": member.pk, "assignment": assignment_id, "version": version}


def _crew_session_member(request: HttpRequest) -> CrewMember | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        member = crew_session_member(
            member_id=int(data["member"]), assignment_id=int(data["assignment"]), version=int(data["version"])
        )
    except (KeyError, TypeError, ValueError):
        member = None
    if member is None:
        request.session.pop(SESSION_KEY, None)
    return member


def crew_required(view):
    """Run ``view`` with ``request.crew_member`` set, or send the visitor to ask for a link."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        member = _crew_session_member(request)
        if member is None:
            return _private(redirect(f"{reverse('crew:new_link')}?ended=1"))
        request.crew_member = member
        return _private(view(request, *args, **kwargs))

    return wrapper


# --- Magic link --------------------------------------------------------------------------------


@csrf_exempt
@csrf_protect_token_page
@require_http_methods(["GET", "HEAD", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        assignment = link_check(token)
    except LinkError as exc:
        response = render(
            request,
            "crew/link_error.html",
            {"code": exc.code, "form": NewLinkForm()},
            status=LINK_ERROR_STATUS.get(exc.code, 403),
        )
        return _private(response, token_in_url=True)
    member = assignment.crew_member
    if request.method == "POST":
        _crew_session_start(request, member=member, assignment_id=assignment.pk, version=assignment.link_version)
        return _private(redirect("crew:event", event_id=assignment.event_id), token_in_url=True)
    tenant = assignment.event.booking.tenant
    context = {
        "first_name": member.name.split()[0] if member.name.strip() else "",
        "tenant_name": tenant.name,
        "expires": timezone.localtime(link_expires_at(assignment), tenant.zone),
        "zone": tenant.timezone,
    }
    return _private(render(request, "crew/link.html", context), token_in_url=True)


def _rate_limited(request: HttpRequest, email: str) -> bool:
    by_ip = is_ratelimited(
        request, group="crew-new-link-ip", key="ip", rate=settings.CREW_NEW_LINK_RATE_PER_IP, increment=True
    )
    by_email = is_ratelimited(
        request,
        group="crew-new-link-email",
        key=lambda group, request: email.strip().lower(),
        rate=settings.CREW_NEW_LINK_RATE_PER_EMAIL,
        increment=True,
    )
    return by_ip or by_email


@csrf_exempt
@csrf_protect_token_page  # the form is also on the link error pages, served without a referrer
@require_http_methods(["GET", "HEAD", "POST"])
def new_link(request: HttpRequest) -> HttpResponse:
    """Ask for a new link. The answer never says whether the address belongs to crew."""
    if request.method != "POST":
        context = {"form": NewLinkForm(), "ended": "ended" in request.GET}
        return _private(render(request, "crew/new_link.html", context))
    form = NewLinkForm(request.POST)
    if not form.is_valid():
        return _private(render(request, "crew/new_link.html", {"form": form}, status=400))
    email = form.cleaned_data["email"]
    if _rate_limited(request, email):
        # Same page for known and unknown addresses; only the rate decides.
        return _private(render(request, "crew/new_link.html", {"form": form, "limited": True}, status=429))
    crew_new_link_request(email=email)
    return _private(render(request, "crew/new_link_sent.html", {}))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    return _private(redirect("crew:new_link"))


# --- Crew pages ----------------------------------------------------------------------------------


@require_GET
@crew_required
def home(request: HttpRequest) -> HttpResponse:
    """What is coming (and what ended today); earlier charters are a link away, so the page stays flat."""
    member = request.crew_member
    today = crew_today_starts(member=member)
    cards = crew_cards_upcoming(member=member, since=today)
    calendar_url = settings.CHARTEROPS_BASE_URL + reverse("crew:calendar", kwargs={"token": member.calendar_token})
    # webcal:// opens the phone's "subscribe to calendar" screen instead of downloading the file.
    webcal_url = "webcal://" + calendar_url.split("://", 1)[-1]
    context = {
        "member": member,
        "cards": cards,
        "has_earlier": crew_has_earlier(member=member, before=today),
        "calendar_url": calendar_url,
        "webcal_url": webcal_url,
    }
    return render(request, "crew/home.html", context)


@require_GET
@crew_required
def earlier(request: HttpRequest) -> HttpResponse:
    """The crew member's charters that ended before today, newest first, a page at a time."""
    page = crew_earlier_page(member=request.crew_member, page=request.GET.get("page"))
    return render(request, "crew/earlier.html", {"member": request.crew_member, "page": page})


@require_GET
@crew_required
def event(request: HttpRequest, event_id: int) -> HttpResponse:
    return _event_page(request, event_id)


def _event_page(request: HttpRequest, event_id: int, *, trip_form: CheckInForm | None = None, status: int = 200):
    card = crew_card_for_event(member=request.crew_member, event_id=event_id)
    if card is None:
        raise Http404("No such event.")  # someone else's, another brand's or made up: all look the same
    with timezone.override(card.zone):
        if trip_form is None and card.can_record_trip:
            trip_form = CheckInForm(initial=checkin_initial(trip=card.trip, passengers=card.passengers))
        context = {"member": request.crew_member, "card": card, "trip_form": trip_form}
        return render(request, "crew/event.html", context, status=status)


def _own_or_404(request: HttpRequest, event_id: int):
    assignment = crew_own_assignment(member=request.crew_member, event_id=event_id)
    if assignment is None:
        raise Http404("No such event.")
    return assignment


def _back(event_id: int) -> HttpResponse:
    return redirect("crew:event", event_id=event_id)


@require_POST
@crew_required
def accept(request: HttpRequest, event_id: int) -> HttpResponse:
    assignment = _own_or_404(request, event_id)
    try:
        assignment_accept(assignment=assignment, member=request.crew_member)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Thanks, you are confirmed for this charter.")
    return _back(event_id)


@require_POST
@crew_required
def decline(request: HttpRequest, event_id: int) -> HttpResponse:
    assignment = _own_or_404(request, event_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Keep the reason under 1000 characters.")
        return _back(event_id)
    try:
        assignment_decline(assignment=assignment, member=request.crew_member, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "You declined this charter. The office has been told.")
    return _back(event_id)


@require_POST
@crew_required
def checklist(request: HttpRequest, event_id: int, item_id: int) -> HttpResponse:
    assignment = _own_or_404(request, event_id)
    item = get_object_or_404(ChecklistItem, pk=item_id, event_id=assignment.event_id)
    form = ChecklistForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick or untick the item.")
    elif assignment.event.booking.is_cancelled or assignment.status == assignment.Status.DECLINED:
        messages.error(request, "This checklist is closed for you.")
    else:
        checklist_item_set(item=item, member=request.crew_member, done=form.cleaned_data["done"])
    return redirect(f"{reverse('crew:event', kwargs={'event_id': event_id})}#checklist")


NOW_BUTTONS = {"departed": ("departed_at", "Departure recorded."), "returned": ("returned_at", "Return recorded.")}


@require_POST
@crew_required
def trip(request: HttpRequest, event_id: int) -> HttpResponse:
    """The captain's check-in: "Departed now", "Returned now", or the trip log form (only the
    fields changed on the page are recorded: see :class:`~crew.checkin.CheckInForm`)."""
    assignment = _own_or_404(request, event_id)
    booking = assignment.event.booking
    back = redirect(f"{reverse('crew:event', kwargs={'event_id': event_id})}#trip")
    if not crew_may_record_trip(booking=booking, member=request.crew_member):
        if not assignment.role.is_captain:
            return HttpResponseForbidden("Only the captain records the trip log.")
        messages.error(request, "The trip log is closed for you now. Call the office to change it.")
        return back
    member = request.crew_member
    if request.POST.get("now") in NOW_BUTTONS:
        field, done = NOW_BUTTONS[request.POST["now"]]
        if getattr(booking, field) is not None:  # a second tap, or another phone: keep the first time
            messages.info(request, "Already recorded. Change the time in the trip log if it is wrong.")
            return back
        try:
            # To the minute: the time field on the page shows minutes, and resaving it changes nothing.
            booking_trip_record(
                booking=booking, crew_member=member, **{field: timezone.now().replace(second=0, microsecond=0)}
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
        return back
    form = CheckInForm(request.POST)
    with timezone.override(booking.tenant.zone):  # the typed times are the brand's wall clock
        valid = form.is_valid()
        changed = form.changed_data if valid else []
    if valid:
        try:
            saved = booking_trip_record(
                booking=booking, crew_member=member, **{name: form.cleaned_data[name] for name in changed}
            )
        except ValidationError as exc:
            for field, errors in _errors_by_field(exc).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Trip log saved." if saved else "Nothing to change in the trip log.")
            return back
    return _event_page(request, event_id, trip_form=form, status=400)


def _errors_by_field(exc: ValidationError) -> dict[str | None, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}


@require_http_methods(["GET", "HEAD", "POST"])
@crew_required
def time_off(request: HttpRequest) -> HttpResponse:
    """The crew member's own time off: add ("I'm away from ... to ...") and see what is coming."""
    member = request.crew_member
    zones = crew_zones(member)
    form = TimeOffForm(zones=zones)
    zone = zoneinfo.ZoneInfo(zones[0])
    status = 200
    if request.method == "POST":
        form = TimeOffForm(request.POST, zones=zones)
        zone = zoneinfo.ZoneInfo(form.chosen_zone())
        with timezone.override(zone):  # the typed times are the crew member's wall clock there
            valid = form.is_valid()
        if valid:
            entry = TimeOff(
                crew_member=member,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                note=form.cleaned_data["note"],
            )
            try:
                with acting_as(crew_actor(member)):
                    time_off_save(time_off=entry, entered_by="crew")
            except ValidationError as exc:
                form.add_error(None, exc.messages)
                status = 400
            else:
                messages.success(request, "Saved. The office will not book you then.")
                return redirect("crew:time_off")
        else:
            status = 400
    with timezone.override(zone):
        context = {"member": member, "form": form, "zone": zone.key, "entries": crew_time_off_upcoming(member=member)}
        return render(request, "crew/time_off.html", context, status=status)


@require_POST
@crew_required
def time_off_delete(request: HttpRequest, time_off_id: int) -> HttpResponse:
    entry = get_object_or_404(TimeOff, pk=time_off_id, crew_member=request.crew_member)
    with acting_as(crew_actor(request.crew_member)):
        time_off_remove(time_off=entry)
    messages.success(request, "Removed.")
    return redirect("crew:time_off")


# --- Calendar feed -------------------------------------------------------------------------------


@require_GET
def calendar(request: HttpRequest, token: str) -> HttpResponse:
    # Tokens are URL-safe base64; anything else (a %00 PostgreSQL would refuse in a query) is simply unknown.
    if not _TOKEN.fullmatch(token):
        raise Http404("No such calendar.")
    member = CrewMember.objects.filter(calendar_token=token, active=True).first()
    if member is None:
        raise Http404("No such calendar.")
    body = crew_calendar(member=member, assignments=crew_calendar_assignments(member=member))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="charters.ics"'
    return _private(response, token_in_url=True)
