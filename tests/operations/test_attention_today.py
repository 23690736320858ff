"""Needs attention, today and tomorrow: crew not confirmed, no captain, checklist late, guest page, failed effects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crew.models import Assignment
from guestpages.models import GuestPage
from outbox.models import Effect
from tests.factories import BoatFactory, BookingFactory, ChecklistFactory, CrewMemberFactory, assign, local, staff_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 16, 30, tzinfo=UTC)  # 08:30 in San Diego


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def office(client, tenant):
    client.force_login(staff_user(tenant, username="office"))
    return client


def panel(client) -> str:
    html = client.get(reverse("admin:index")).content.decode()
    start = html.index('id="needs-attention"')
    return html[start : html.index("</div>", start)]


def lines(shown: str, *texts: str) -> list[str]:
    return [li for li in shown.split("<li")[1:] if all(t in li for t in texts)]


def charter(tenant, hour, guest, day=5, **extra):
    boat = BoatFactory(tenant=tenant)
    ChecklistFactory(boat=boat)
    return BookingFactory(
        tenant=tenant, boat=boat, guest_name=guest, start=local(tenant, 2026, 12, day, hour, 0), **extra
    )


def published(booking):
    GuestPage.objects.filter(booking=booking).update(published_at=NOW)


def test_todays_charters_that_are_not_ready_are_listed_with_what_is_missing(office, tenant):
    soon = charter(tenant, 10, "Soon Party")  # starts in 90 minutes: its checklist is late
    captain = assign(soon, CrewMemberFactory(name="Maya Captain", tenants=[tenant]), "captain", "50", "3")
    declined = assign(soon, CrewMemberFactory(name="Sam Deck", tenants=[tenant]), "deckhand", "25", "5")
    Assignment.objects.filter(pk=declined.pk).update(status=Assignment.Status.DECLINED)
    tomorrow = charter(tenant, 15, "Tomorrow Party", day=6)
    published(tomorrow)
    later = charter(tenant, 10, "Next Week Party", day=12)  # out of the window

    shown = panel(office)

    assert lines(shown, "Crew declined", "Soon Party", "1 declined")
    assert lines(shown, "Crew not confirmed", "Soon Party", "1 invitation(s) unanswered")
    assert lines(shown, "Checklist not done", "Soon Party", "2 item(s) open")
    assert lines(shown, "Guest page not published", "Soon Party")
    assert not lines(shown, "No captain", "Soon Party")
    assert lines(shown, "No captain", "Tomorrow Party")
    assert not lines(shown, "Checklist not done", "Tomorrow Party")  # not due yet
    assert not lines(shown, "Guest page", "Tomorrow Party")
    assert "Next Week Party" not in shown
    assert reverse("admin:bookings_booking_change", args=[soon.pk]) in lines(shown, "Crew declined")[0]
    del captain, later


def test_failed_side_effects_are_counted_and_linked(office, tenant):
    booking = charter(tenant, 10, "Soon Party")
    Effect.objects.filter(booking=booking, kind=Effect.Kind.PUBLISH_GUEST_PAGE).update(
        status=Effect.Status.FAILED, last_error="NoSuchBucket"
    )
    shown = panel(office)
    assert lines(shown, "Guest page failed", "Soon Party")
    [failed] = lines(shown, "Side effects failed")
    assert "1 side effect(s) failed" in failed
    assert reverse("admin:outbox_effect_changelist") + "?status__exact=failed" in failed


def test_other_brands_charters_stay_out(office, other_tenant):
    charter(other_tenant, 11, "Their Party")
    assert "Their Party" not in panel(office)


def test_the_day_list_costs_the_same_queries_for_2_and_12_charters(office, tenant, django_assert_max_num_queries):
    for hour in (9, 10):
        b = charter(tenant, hour, f"Early {hour}")
        assign(b, CrewMemberFactory(tenants=[tenant]), "captain", "50", "3")  # every kind of row exists once
    with CaptureQueriesContext(connection) as few:
        panel(office)
    for i in range(10):
        b = charter(tenant, 11 + i % 10, f"More {i}", day=6)
        assign(b, CrewMemberFactory(tenants=[tenant]), "captain", "50", "3")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert panel(office).count("Guest page not published") == 12
