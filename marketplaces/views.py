"""The boat's export feed, as the marketplaces poll it.

No login: the random token in the URL is the credential (regenerating it in the boat's
admin page revokes the old URL). Any other token answers the same 404 as a revoked one.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from marketplaces.export import boat_busy_intervals, boat_calendar, boat_for_export_token, feed_etag

CONTENT_TYPE = "text/calendar; charset=utf-8"


# Read-only: exempt from CSRF so a POST (or any other method) gets a plain 405 from require_safe.
@csrf_exempt
@require_safe
def boat_export(request: HttpRequest, token: str) -> HttpResponse:
    boat = boat_for_export_token(token)
    if boat is None:
        raise Http404("No such calendar.")
    intervals = boat_busy_intervals(boat=boat, now=timezone.now())
    etag = feed_etag(boat=boat, intervals=intervals)
    response = HttpResponse(content_type=CONTENT_TYPE)
    response["ETag"] = etag
    # Revalidate every poll (a 304 is cheap): a new block or a revoked URL must not wait out a max-age.
    response["Cache-Control"] = "private, no-cache"
    # The URL is a credential: never sent on as a Referer, never indexed.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    conditional = get_conditional_response(request, etag=etag, response=response)
    if conditional is not response:
        return conditional  # 304 (If-None-Match) or 412 (If-Match), with the headers above
    response["Content-Disposition"] = 'inline; filename="availability.ics"'
    response.content = boat_calendar(boat=boat, intervals=intervals)
    return response
