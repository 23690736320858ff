"""The export feed over HTTP: token, methods, conditional requests, headers and a constant query count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from bookings.models import Boat, Booking, CalendarEntry, Tenant, occupancy_end
from bookings.services import booking_save
from tests.factories import BoatFactory
from tests.marketplaces.export_support import (  # noqa: F401 - fixtures
    feed_path,
    fetch,
    frozen_fixture,
    parse,
    scene_fixture,
)

pytestmark = pytest.mark.django_db


def test_an_unknown_token_is_404_like_a_revoked_one(scene):
    client = Client()
    unknown = client.get("/feeds/boats/not-a-real-token-0123456789abcdefghijklmnopq.ics")
    assert unknown.status_code == 404
    revoked_token = scene.boat.export_token
    scene.boat.export_token = "x" * 43
    scene.boat.save(update_fields=["export_token"])
    revoked = client.get(f"/feeds/boats/{revoked_token}.ics")
    assert revoked.status_code == 404
    assert revoked.content.replace(revoked_token.encode(), b"T") == unknown.content.replace(
        b"not-a-real-token-0123456789abcdefghijklmnopq", b"T"
    )
    assert b"Sea Breeze" not in revoked.content


def test_no_login_needed_and_only_get_and_head(scene):
    client = Client(enforce_csrf_checks=True)
    assert client.get(feed_path(scene.boat)).status_code == 200
    head = client.head(feed_path(scene.boat))
    assert head.status_code == 200 and head.content == b"" and head["ETag"]
    for method in ("post", "put", "patch", "delete", "options"):
        response = getattr(client, method)(feed_path(scene.boat))
        assert response.status_code == 405, method
        assert response["Allow"] == "GET, HEAD"


def test_the_token_never_reaches_the_request_log(scene):
    """runserver and gunicorn log each request line (django.server here); the token is redacted."""
    import logging

    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(handler.format(record))
    server = logging.getLogger("django.server")
    server.addHandler(handler)
    try:
        token = scene.boat.export_token
        server.info('"%s" %s %s', f"GET {feed_path(scene.boat)} HTTP/1.1", "200", "512", extra={"status_code": 200})
    finally:
        server.removeHandler(handler)
    text = "\n".join(lines)
    assert "/feeds/boats/[redacted].ics" in text and token not in text


def test_headers_keep_the_url_private_and_ask_to_revalidate(scene):
    response = fetch(scene.boat)
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert "Set-Cookie" not in response and "Vary" not in response


def test_etag_is_strong_and_if_none_match_answers_304_without_body(scene):
    first = fetch(scene.boat)
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    again = fetch(scene.boat, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == "private, no-cache"
    # Several tags, or the weak form a proxy may send back, match too (RFC 9110 weak comparison for GET).
    assert fetch(scene.boat, **{"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert fetch(scene.boat, **{"If-None-Match": '"something-else"'}).status_code == 200


def test_a_change_to_the_boats_calendar_changes_the_etag(scene, frozen):
    etag = fetch(scene.boat)["ETag"]
    frozen.shift(dt.timedelta(minutes=1))
    booking = Booking.objects.get(pk=scene.direct.pk)
    booking.end += dt.timedelta(hours=1)
    booking_save(booking=booking)
    changed = fetch(scene.boat, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    # A change to another boat does not.
    sister_etag = fetch(scene.sister)["ETag"]
    assert fetch(scene.sister, **{"If-None-Match": sister_etag}).status_code == 304


def test_the_etag_follows_every_byte_of_the_body(scene, frozen):
    """The ETag is hashed from what the body is rendered from: a renamed boat or brand (in the
    calendar's name) and an hour passing (an event ending) change both."""
    seen = {}

    def poll():
        response = fetch(scene.boat)
        assert seen.setdefault(response["ETag"], response.content) == response.content  # one ETag, one body
        return response["ETag"]

    first = poll()
    Boat.objects.filter(pk=scene.boat.pk).update(name="Sea Breeze II")
    renamed = poll()
    Tenant.objects.filter(pk=scene.boat.tenant_id).update(name="Queen of the Bay")
    rebranded = poll()
    frozen.shift(dt.timedelta(minutes=31))  # the charter on the water now ends its turnaround
    later = poll()
    assert len({first, renamed, rebranded, later}) == 4
    assert b"Queen of the Bay" in seen[rebranded]


def _fill(boat, *, bookings: int, holds: int, blackouts: int) -> None:
    """Future charters, holds and blackouts on ``boat``, inserted directly (as a bulk import would)."""
    from bookings.models import MarketplaceFeed

    start = dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC)
    slot = dt.timedelta(hours=4)
    rows = []
    for k in range(bookings):
        s = start + slot * k
        rows.append(
            Booking(
                tenant=boat.tenant,
                boat=boat,
                source="direct",
                guest_name=f"Guest {k}",
                party_size=2,
                start=s,
                end=s + dt.timedelta(hours=2),
                gross_amount=Decimal("500.00"),
                occupied_until=occupancy_end(s + dt.timedelta(hours=2), boat.turnaround_minutes),
            )
        )
    Booking.objects.bulk_create(rows)
    feed = MarketplaceFeed.objects.create(boat=boat, source="samboat", url="https://feeds.example.net/x.ics")
    later = start + slot * bookings
    CalendarEntry.objects.bulk_create(
        [
            CalendarEntry(
                tenant=boat.tenant,
                boat=boat,
                kind=CalendarEntry.Kind.MARKETPLACE,
                feed=feed,
                external_uid=f"sb-{k}",
                title="Reserved",
                start=later + slot * k,
                end=later + slot * k + dt.timedelta(hours=2),
            )
            for k in range(holds)
        ]
        + [
            CalendarEntry(
                tenant=boat.tenant,
                boat=boat if k % 2 else None,  # the boat's own, and the whole brand's
                kind=CalendarEntry.Kind.BLACKOUT,
                title="Closed",
                start=later + slot * (holds + k),
                end=later + slot * (holds + k) + dt.timedelta(hours=3),
            )
            for k in range(blackouts)
        ]
    )


@pytest.mark.parametrize("bookings, holds, blackouts", [(5, 4, 1), (450, 450, 100)], ids=["10-events", "1000-events"])
def test_the_query_count_does_not_grow_with_the_boat(
    tenant, frozen, bookings, holds, blackouts, django_assert_num_queries
):
    """10 and 1,000 events (charters, holds, blackouts): the same three queries."""
    boat = BoatFactory(tenant=tenant, name="Sea Breeze")
    _fill(boat, bookings=bookings, holds=holds, blackouts=blackouts)
    client = Client()
    with django_assert_num_queries(3):  # the boat by its token, its bookings, its blocks and holds
        response = client.get(feed_path(boat))
    assert response.status_code == 200
    assert len(parse(response.content)) == bookings + holds + blackouts
