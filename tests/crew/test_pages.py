"""The crew page and the event page: what a crew member sees, when, and at what query cost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crew.models import Assignment
from tests.crew.conftest import open_link
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign, local

pytestmark = pytest.mark.django_db


def event_url(event) -> str:
    return reverse("crew:event", kwargs={"event_id": event.pk})


def test_the_crew_page_shows_what_crew_need_on_the_dock(charter):
    client = open_link(charter.mine)
    response = client.get(reverse("crew:home"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Sat, Dec 5" in page and "10:00 AM – 3:00 PM PST" in page  # San Diego time, not UTC (18:00)
    assert "Sea Breeze" in page and "Queen of San Diego" in page
    assert "Harbor Island West Marina, dock C" in page
    assert "https://www.google.com/maps/search/?api=1&amp;query=Harbor+Island+West+Marina%2C+dock+C" in page
    assert "Jordan Guest, party of 6" in page
    assert "Deckhand, 5 paid hours" in page and "$125.00 (estimate)" in page
    assert "Bring the spare cooler." in page
    assert "Maya Captain · Captain" in page and "Sam Deck (you) · Deckhand" in page
    assert "NW 10-15 kn, swell 4 ft." in page and "Park in lot B." in page
    assert "Invited" in page
    assert reverse("crew:calendar", kwargs={"token": charter.member.calendar_token}) in page


def test_times_follow_each_brands_zone(charter, other_tenant):
    """One crew member, two brands: each charter in its own brand's zone."""
    charter.member.tenants.add(other_tenant)
    key_west = BookingFactory(tenant=other_tenant, start=local(other_tenant, 2026, 12, 6, 17, 30))
    assign(key_west, charter.member, "deckhand", "30", "4")
    client = open_link(charter.mine)
    page = client.get(reverse("crew:home")).content.decode()
    assert "10:00 AM – 3:00 PM PST" in page
    assert "5:30 PM – 10:30 PM EST" in page and "Key West Sunsets" in page
    assert page.index("10:00 AM") < page.index("5:30 PM")  # soonest first
    event_page = client.get(event_url(key_west.crew_event)).content.decode()
    assert "5:30 PM – 10:30 PM EST" in event_page


def test_past_events_leave_the_crew_page(charter, frozen, tenant):
    later = BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 6, 9, 0), guest_name="Later Guest")
    assign(later, charter.member, "deckhand", "25", "4")
    client = open_link(charter.mine)
    # A charter stays on the crew page for the rest of the day it ended; then it is an earlier charter.
    frozen.move_to(local(tenant, 2026, 12, 6, 0, 0))
    page = client.get(reverse("crew:home")).content.decode()
    assert "Later Guest" in page and "Jordan Guest" not in page


@pytest.mark.parametrize(
    ("offset", "visible"),
    [
        (-timedelta(hours=24, seconds=1), False),
        (-timedelta(hours=24), True),
        (timedelta(hours=2), True),  # under way
        (timedelta(hours=5), True),  # the end
        (timedelta(hours=5, seconds=1), False),
    ],
)
def test_gate_code_and_guest_phone_show_only_from_24_hours_before_until_the_end(charter, frozen, offset, visible):
    client = open_link(charter.mine)
    frozen.move_to(charter.booking.start + offset)
    page = client.get(event_url(charter.event)).content.decode()
    assert ("4711#" in page) is visible
    assert ("+18585550199" in page) is visible


def test_the_crew_page_shows_the_gate_code_once_the_window_opens(charter, frozen):
    client = open_link(charter.mine)
    assert "4711#" not in client.get(reverse("crew:home")).content.decode()
    frozen.move_to(charter.booking.start - timedelta(hours=3))
    page = client.get(reverse("crew:home")).content.decode()
    assert "4711#" in page and "+18585550199" in page


def test_the_time_gate_follows_its_setting(charter, frozen, settings):
    settings.CREW_DETAILS_HOURS_BEFORE_START = 48
    client = open_link(charter.mine)
    frozen.move_to(charter.booking.start - timedelta(hours=47))
    assert "4711#" in client.get(event_url(charter.event)).content.decode()


def test_declined_crew_never_see_the_gate_code(charter, frozen):
    client = open_link(charter.mine)
    Assignment.objects.filter(pk=charter.mine.pk).update(status=Assignment.Status.DECLINED)
    frozen.move_to(charter.booking.start - timedelta(hours=1))
    page = client.get(event_url(charter.event)).content.decode()
    assert "4711#" not in page and "+18585550199" not in page


def test_signed_out_visitors_are_sent_to_ask_for_a_link(charter):
    for url in (reverse("crew:home"), event_url(charter.event)):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("crew:new_link") + "?ended=1"
    assert "session has ended" in Client().get(reverse("crew:new_link") + "?ended=1").content.decode()


def _many_charters(charter, tenant, count):
    for day in range(count):
        boat = BoatFactory(tenant=tenant)
        booking = BookingFactory(tenant=tenant, boat=boat, start=local(tenant, 2026, 12, 10 + day, 9, 0))
        assign(booking, charter.member, "deckhand", "25", "4")
        assign(booking, CrewMemberFactory(tenants=[tenant]), "captain", "50", "4")


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_crew_page_keeps_a_constant_query_count(charter, tenant):
    client = open_link(charter.mine)
    url = reverse("crew:home")
    one = _count(client, url)
    _many_charters(charter, tenant, 8)
    nine = _count(client, url)
    page = client.get(url).content.decode()
    assert page.count("<article") == 9
    assert nine == one, (one, nine)
    print(f"crew page: {one} queries for 1 charter, {nine} for 9")


def test_the_event_page_keeps_a_constant_query_count(charter, tenant, django_assert_max_num_queries):
    client = open_link(charter.mine)
    url = event_url(charter.event)
    one = _count(client, url)
    for n in range(6):
        assign(charter.booking, CrewMemberFactory(tenants=[tenant]), "deckhand", "20", "2")
        charter.event.checklist_items.create(position=10 + n, text=f"Extra item {n}")
    with django_assert_max_num_queries(one):
        client.get(url)
