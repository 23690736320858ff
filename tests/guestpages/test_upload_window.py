"""The upload window, in the boat's local time, at its edges (frozen clocks), across DST and midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from guestpages.models import PhotoUpload
from guestpages.services import guest_page_ensure, upload_window
from tests.factories import BookingFactory, local
from tests.guestpages.helpers import ask_grant, decode_policy, policy_expiration

SECOND = timedelta(seconds=1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ask_at(client, page, moment: datetime):
    with time_machine.travel(moment, tick=False):
        return ask_grant(client, page)


@pytest.fixture
def charter(tenant):
    """Build a booking from local start/end tuples in the tenant's zone; returns its guest page."""

    def make(start: tuple, end: tuple, for_tenant=None):
        owner = for_tenant or tenant
        booking = BookingFactory(tenant=owner, start=local(owner, *start), end=local(owner, *end))
        return guest_page_ensure(booking=booking)

    return make


# --- a plain charter: Saturday Dec 5, 2026, 10 AM - 3 PM PST ------------------------------


def test_closed_before_the_charter_starts(client, s3, page):
    response = ask_at(client, page, utc(2026, 12, 5, 18, 0) - SECOND)

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "not_open"
    assert body["reason"] == "Uploads open at 10:00 AM PST on Saturday, December 5, 2026."
    assert body["opens_at"] == "2026-12-05T10:00:00-08:00"
    assert body["closes_at"] == "2026-12-06T15:00:00-08:00"
    assert not PhotoUpload.objects.exists()


def test_open_from_the_first_second_of_the_charter(client, s3, page):
    assert ask_at(client, page, utc(2026, 12, 5, 18, 0)).status_code == 200


def test_open_until_the_last_second_and_the_grant_never_outlives_the_window(client, s3, page):
    closes = utc(2026, 12, 6, 23, 0)  # Dec 6, 3 PM PST: 24 hours after the end

    last = ask_at(client, page, closes - SECOND)
    near = ask_at(client, page, closes - timedelta(minutes=5))

    assert last.status_code == 200
    assert policy_expiration(decode_policy(last.json()["fields"])) == closes
    assert policy_expiration(decode_policy(near.json()["fields"])) == closes
    assert PhotoUpload.objects.order_by("id").last().expires_at == closes


def test_closed_at_the_end_of_the_window(client, s3, page):
    response = ask_at(client, page, utc(2026, 12, 6, 23, 0))

    assert response.status_code == 403
    assert response.json()["code"] == "closed"
    assert response.json()["reason"] == "Uploads closed on Sunday, December 6, 2026 at 3:00 PM PST."


def test_hours_after_the_end_are_set_per_tenant(client, s3, page, tenant):
    tenant.upload_window_hours_after_end = 2
    tenant.save()

    assert ask_at(client, page, utc(2026, 12, 6, 1, 0) - SECOND).status_code == 200
    closed = ask_at(client, page, utc(2026, 12, 6, 1, 0))
    assert closed.json()["reason"] == "Uploads closed on Saturday, December 5, 2026 at 5:00 PM PST."


def test_zero_hours_after_means_during_the_charter_only(client, s3, page, tenant):
    tenant.upload_window_hours_after_end = 0
    tenant.save()

    assert ask_at(client, page, utc(2026, 12, 5, 23, 0) - SECOND).status_code == 200
    assert ask_at(client, page, utc(2026, 12, 5, 23, 0)).status_code == 403


def test_messages_use_the_boats_zone_not_the_servers(client, s3, charter, other_tenant, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    page = charter((2026, 12, 5, 10, 0), (2026, 12, 5, 13, 0), for_tenant=other_tenant)  # Key West, EST

    early = ask_at(client, page, utc(2026, 12, 5, 14, 0))

    assert early.json()["reason"] == "Uploads open at 10:00 AM EST on Saturday, December 5, 2026."


# --- DST ---------------------------------------------------------------------------------------


def test_charter_across_the_fall_back_change(client, s3, charter):
    """Nov 1, 2026, 12:30 AM PDT to 2:30 AM PST: three hours on the water, clocks go back at 2."""
    page = charter((2026, 11, 1, 0, 30), (2026, 11, 1, 2, 30))
    window = upload_window(page.booking)
    assert (window.opens.utcoffset(), window.closes.utcoffset()) == (timedelta(hours=-7), timedelta(hours=-8))
    assert page.booking.end - page.booking.start == timedelta(hours=3)

    early = ask_at(client, page, utc(2026, 11, 1, 7, 30) - SECOND)
    assert early.json()["reason"] == "Uploads open at 12:30 AM PDT on Sunday, November 1, 2026."
    assert ask_at(client, page, utc(2026, 11, 1, 7, 30)).status_code == 200
    assert ask_at(client, page, utc(2026, 11, 2, 10, 30) - SECOND).status_code == 200
    late = ask_at(client, page, utc(2026, 11, 2, 10, 30))
    assert late.json()["reason"] == "Uploads closed on Monday, November 2, 2026 at 2:30 AM PST."


def test_hours_after_the_end_count_on_the_local_clock_when_it_falls_back(client, s3, charter):
    """Ends Oct 31, 8 PM PDT; closes Nov 1, 8 PM PST: 25 real hours later, 24 on the boat's clock."""
    page = charter((2026, 10, 31, 17, 0), (2026, 10, 31, 20, 0))

    # 24 elapsed hours after the end is 03:00 UTC; the local-clock window is still open.
    still_open = ask_at(client, page, utc(2026, 11, 2, 3, 30))
    assert still_open.status_code == 200
    assert policy_expiration(decode_policy(still_open.json()["fields"])) == utc(2026, 11, 2, 3, 45)
    last = ask_at(client, page, utc(2026, 11, 2, 4, 0) - SECOND)
    assert policy_expiration(decode_policy(last.json()["fields"])) == utc(2026, 11, 2, 4, 0)
    closed = ask_at(client, page, utc(2026, 11, 2, 4, 0))
    assert closed.json()["reason"] == "Uploads closed on Sunday, November 1, 2026 at 8:00 PM PST."


def test_hours_after_the_end_count_on_the_local_clock_when_it_springs_forward(client, s3, charter):
    """Ends Mar 7, 6 PM PST; closes Mar 8, 6 PM PDT: 23 real hours later."""
    page = charter((2026, 3, 7, 15, 0), (2026, 3, 7, 18, 0))

    assert ask_at(client, page, utc(2026, 3, 9, 1, 0) - SECOND).status_code == 200
    closed = ask_at(client, page, utc(2026, 3, 9, 1, 0))
    assert closed.status_code == 403
    assert closed.json()["reason"] == "Uploads closed on Sunday, March 8, 2026 at 6:00 PM PDT."


# --- past midnight --------------------------------------------------------------------------------


def test_charter_that_ends_after_midnight(client, s3, charter):
    """July 4, 8 PM to July 5, 1:30 AM PDT (fireworks): the window runs to July 6, 1:30 AM."""
    page = charter((2026, 7, 4, 20, 0), (2026, 7, 5, 1, 30))

    early = ask_at(client, page, utc(2026, 7, 5, 3, 0) - SECOND)
    assert early.json()["reason"] == "Uploads open at 8:00 PM PDT on Saturday, July 4, 2026."
    assert ask_at(client, page, utc(2026, 7, 5, 3, 0)).status_code == 200
    assert ask_at(client, page, utc(2026, 7, 6, 8, 30) - SECOND).status_code == 200
    closed = ask_at(client, page, utc(2026, 7, 6, 8, 30))
    assert closed.status_code == 403
    assert closed.json()["reason"] == "Uploads closed on Monday, July 6, 2026 at 1:30 AM PDT."
