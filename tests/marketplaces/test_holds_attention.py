"""Marketplace holds in "needs attention" and find_conflicts: bookings to enter (one click to a prefilled
form), clashes of a hold with another feed's hold, a booking or a block, and bookings the marketplace
stopped listing (flagged, cleared by staff)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking, CalendarEntry
from bookings.services import booking_save
from tests.bookings.test_admin import booking_form_data
from tests.factories import BoatFactory, BookingFactory, local, staff_user
from tests.marketplaces.holds_factories import HoldFactory, MarketplaceFeedFactory, hold_on

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOME = reverse("admin:index")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def boat(tenant):
    return BoatFactory(tenant=tenant, name="Queen of San Diego", capacity=12, turnaround_minutes=30)


@pytest.fixture
def office(tenant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user(tenant, username="queen-office"))
    return client


def panel(client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="needs-attention"')
    return html[start : html.index("</div>", start)]


def items(shown: str, *texts: str) -> list[str]:
    return [unescape(li) for li in shown.split("<li")[1:] if all(t in unescape(li) for t in texts)]


def link_of(item: str) -> str:
    return unescape(re.search(r'href="([^"]+)"', item)[1])


def csrf_post(client: Client, url: str, data: dict):
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


# --- bookings to enter ----------------------------------------------------------------------------


def test_each_unclaimed_hold_is_a_booking_to_enter_with_a_form_prefilled_in_the_brands_zone(other_tenant):
    """Key West Sunsets is on New York time: the form shows the hold's times on that clock."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user(other_tenant, username="keywest-office"))
    boat = BoatFactory(tenant=other_tenant, name="Conch Republic")
    hold = hold_on(
        boat,
        external_reference="BS-4242",
        start=datetime(2026, 12, 7, 15, 0, tzinfo=UTC),  # 10:00 EST
        end=datetime(2026, 12, 7, 18, 0, tzinfo=UTC),
    )
    hold_on(boat, "getmyboat", status=CalendarEntry.Status.CANCELLED)  # dropped: nothing to enter
    hold_on(boat, "samboat", start=NOW - timedelta(days=2), end=NOW - timedelta(days=2) + timedelta(hours=3))  # past

    [item] = items(panel(client), "enter details")
    assert "Marketplace booking to enter" in item
    assert "Boatsetter booking on Conch Republic, Mon Dec 7, 10:00–13:00 EST: enter details" in item

    form_page = client.get(link_of(item))
    assert form_page.status_code == 200
    form = form_page.context["adminform"].form
    assert form["tenant"].value() == str(other_tenant.pk)
    assert form["boat"].value() == str(boat.pk)
    assert form["source"].value() == "boatsetter"
    assert form["external_reference"].value() == "BS-4242"
    assert form["start"].value() == datetime(2026, 12, 7, 10, 0)  # the wall clock in New York
    assert form["end"].value() == datetime(2026, 12, 7, 13, 0)
    html = form_page.content.decode()
    assert 'name="start_0" value="2026-12-07"' in html and 'name="start_1" value="10:00:00"' in html

    # Saving that form claims the hold: it leaves the list, and the booking stands for it.
    booking = Booking(
        tenant=other_tenant,
        boat=boat,
        source="boatsetter",
        external_reference="BS-4242",
        guest_name="Casey Keys",
        party_size=5,
        start=hold.start,
        end=hold.end,
        gross_amount=Decimal("900.00"),
    )
    saved = csrf_post(client, reverse("admin:bookings_booking_add"), booking_form_data(booking))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    hold.refresh_from_db()
    assert hold.claimed_by == Booking.objects.get(guest_name="Casey Keys")
    assert not items(panel(client), "enter details")


def test_a_prefill_link_with_a_bad_time_opens_the_form_without_it(office, tenant, boat):
    url = reverse("admin:bookings_booking_add") + f"?boat={boat.pk}&start=tomorrow&end=2026-12-07T13:00%2B01:00"
    response = office.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["start"].value() is None and form["end"].value() is None
    assert form["boat"].value() == str(boat.pk)


# --- clashes of holds ------------------------------------------------------------------------------


@pytest.fixture
def clashes(tenant, boat):
    """A hold of each of two feeds overlapping on the Queen; a booking of another marketplace under a
    hold on the Tern (entered before the feed showed the event); a hold inside maintenance on the Gull;
    and two overlapping events of one feed (the marketplace's own business: no clash)."""
    gmb = hold_on(boat, "getmyboat", start=local(tenant, 2026, 12, 7, 12, 0), end=local(tenant, 2026, 12, 7, 15, 0))
    bs = hold_on(boat, "boatsetter")  # Dec 7 10:00-13:00
    tern = BoatFactory(tenant=tenant, name="Little Tern")
    booking = BookingFactory(
        tenant=tenant,
        boat=tern,
        source="getmyboat",
        external_reference="GMB-1",
        guest_name="Robin Other",
        start=local(tenant, 2026, 12, 8, 10, 0),
        end=local(tenant, 2026, 12, 8, 13, 0),
    )
    under = hold_on(tern, start=local(tenant, 2026, 12, 8, 13, 15), end=local(tenant, 2026, 12, 8, 15, 0))
    gull = BoatFactory(tenant=tenant, name="Gull")
    CalendarEntry.objects.create(
        tenant=tenant,
        boat=gull,
        kind=CalendarEntry.Kind.MAINTENANCE,
        title="Haul-out",
        start=local(tenant, 2026, 12, 9, 8, 0),
        end=local(tenant, 2026, 12, 9, 18, 0),
    )
    in_block = hold_on(gull, start=local(tenant, 2026, 12, 9, 10, 0), end=local(tenant, 2026, 12, 9, 12, 0))
    feed = MarketplaceFeedFactory(boat=BoatFactory(tenant=tenant, name="Pelican"), source="samboat")
    HoldFactory(feed=feed, start=local(tenant, 2026, 12, 10, 10, 0), end=local(tenant, 2026, 12, 10, 13, 0))
    HoldFactory(feed=feed, start=local(tenant, 2026, 12, 10, 11, 0), end=local(tenant, 2026, 12, 10, 14, 0))
    return type("Clashes", (), {"bs": bs, "gmb": gmb, "booking": booking, "under": under, "in_block": in_block})


def test_find_conflicts_lists_holds_against_another_feed_a_booking_and_a_block(tenant, clashes):
    out = io.StringIO()
    with pytest.raises(CommandError, match="3 conflict"):
        call_command("find_conflicts", "--tenant", tenant.slug, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        "Marketplace hold clash: Queen of San Diego: Boatsetter hold on Queen of San Diego (Mon Dec 7, 10:00–13:00 PST)"
        " and GetMyBoat hold on Queen of San Diego (Mon Dec 7, 12:00–15:00 PST)"
        f" [hold #{clashes.bs.pk}, #{clashes.gmb.pk}]",
        "Marketplace hold clash: Little Tern: Robin Other · GetMyBoat GMB-1 (Tue Dec 8, 10:00–13:00 PST)"
        " and Boatsetter hold on Little Tern (Tue Dec 8, 13:15–15:00 PST)"
        f" [booking #{clashes.booking.pk}] [hold #{clashes.under.pk}]",
        "Marketplace hold clash: Gull: Boatsetter hold on Gull (Wed Dec 9, 10:00–12:00 PST) during"
        " maintenance “Haul-out” (Gull), Wed Dec 9, 08:00–18:00 PST"
        f" [hold #{clashes.in_block.pk}]",
    ]


def test_needs_attention_shows_the_hold_clashes_with_a_link_to_fix_each(office, clashes):
    shown = panel(office)
    found = items(shown, "Marketplace hold clash")
    assert len(found) == 3
    [two_feeds] = items(shown, "Marketplace hold clash", "GetMyBoat hold on Queen of San Diego")
    assert link_of(two_feeds) == reverse("admin:bookings_calendarentry_change", args=[clashes.bs.pk])
    [over_booking] = items(shown, "Marketplace hold clash", "Robin Other")
    assert link_of(over_booking) == reverse("admin:bookings_booking_change", args=[clashes.booking.pk])
    assert 'class="na-error"' in shown


def test_a_booking_of_the_holds_source_under_it_is_shown_until_saved_again(office, tenant, boat):
    """Entered before the feed showed the event (and the sync did not link them): saving the booking links them."""
    booking = BookingFactory(tenant=tenant, boat=boat, start=local(tenant, 2026, 12, 7, 10, 0))
    hold = hold_on(boat)  # Boatsetter, Dec 7 10:00-13:00: same marketplace
    [item] = items(panel(office), "Marketplace hold clash")
    assert "open the booking and save it to link it to the hold" in item
    booking_save(booking=booking)
    hold.refresh_from_db()
    assert hold.claimed_by == booking
    assert not items(panel(office), "Marketplace hold clash")
    assert not items(panel(office), "enter details")


# --- a booking the marketplace stopped listing -----------------------------------------------------


@pytest.fixture
def dropped(tenant, boat):
    """Jordan Guest's Boatsetter booking claims its hold; then the feed stops listing the event."""
    hold = hold_on(boat, external_reference="BS-1001")
    booking = BookingFactory(
        tenant=tenant,
        boat=boat,
        external_reference="BS-1001",
        start=hold.start,
        end=hold.end,
        guest_name="Jordan Guest",
    )
    hold.refresh_from_db()
    assert hold.claimed_by == booking
    CalendarEntry.objects.filter(pk=hold.pk).update(status=CalendarEntry.Status.CANCELLED)  # as the sync leaves it
    return type("Dropped", (), {"hold": hold, "booking": booking})


def test_a_booking_whose_hold_the_marketplace_drops_is_flagged_never_cancelled(office, dropped):
    [item] = items(panel(office), "Marketplace dropped a booking")
    assert (
        "Boatsetter no longer lists this booking: Queen of San Diego, Jordan Guest · Boatsetter BS-1001, "
        "Mon Dec 7, 10:00–13:00 PST. Check with Boatsetter, then cancel the booking or clear the flag on its page"
    ) in item
    assert link_of(item) == reverse("admin:bookings_booking_change", args=[dropped.booking.pk])
    dropped.booking.refresh_from_db()
    assert dropped.booking.status == Booking.Status.CONFIRMED

    page = office.get(reverse("admin:bookings_booking_change", args=[dropped.booking.pk])).content.decode()
    assert "Boatsetter no longer lists this booking" in page
    detach = reverse("admin:bookings_booking_detach_hold", args=[dropped.booking.pk, dropped.hold.pk])
    assert f'formaction="{detach}"' in page


def test_staff_clear_the_flag_and_the_history_says_who(office, tenant, dropped):
    detach = reverse("admin:bookings_booking_detach_hold", args=[dropped.booking.pk, dropped.hold.pk])
    change = reverse("admin:bookings_booking_change", args=[dropped.booking.pk])
    office.get(change)
    assert office.get(detach).status_code == 405
    assert office.post(detach).status_code == 403  # no CSRF token
    response = csrf_post(office, detach, {})
    assert response.status_code == 302 and response["Location"] == change
    dropped.hold.refresh_from_db()
    assert dropped.hold.claimed_by_id is None
    record = dropped.hold.history.first()
    assert record.history_user.username == "queen-office"
    assert record.history_change_reason == f"Flag cleared by staff: detached from booking #{dropped.booking.pk}"
    shown = panel(office)
    assert not items(shown, "Marketplace dropped a booking") and not items(shown, "enter details")
    dropped.booking.refresh_from_db()
    assert dropped.booking.status == Booking.Status.CONFIRMED


def test_only_a_dropped_hold_of_ones_own_brand_can_be_detached(office, tenant, other_tenant, boat):
    hold = hold_on(boat)
    booking = BookingFactory(tenant=tenant, boat=boat, start=hold.start, end=hold.end)
    detach = reverse("admin:bookings_booking_detach_hold", args=[booking.pk, hold.pk])
    office.get(HOME)
    response = csrf_post(office, detach, {})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.claimed_by == booking  # still listed: it stays with the booking
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["The marketplace still lists this hold: it stays with the booking."]

    theirs = Client(enforce_csrf_checks=True)
    theirs.force_login(staff_user(other_tenant, username="keywest-office"))
    theirs.get(HOME)
    assert csrf_post(theirs, detach, {}).status_code == 404


def test_cancelling_a_flagged_booking_clears_the_flag_too(office, dropped):
    dropped.booking.status = Booking.Status.CANCELLED
    booking_save(booking=dropped.booking)
    dropped.hold.refresh_from_db()
    assert dropped.hold.claimed_by_id is None
    assert not items(panel(office), "Marketplace dropped a booking")


def test_a_dropped_hold_that_comes_back_is_the_bookings_again(office, dropped):
    """The sync makes the same row active again (and links it); the flag is simply gone."""
    CalendarEntry.objects.filter(pk=dropped.hold.pk).update(status=CalendarEntry.Status.ACTIVE)
    shown = panel(office)
    assert not items(shown, "Marketplace dropped a booking")
    assert not items(shown, "enter details")


# --- cost -------------------------------------------------------------------------------------------


def add_holds(tenant, *, day: int, count: int) -> None:
    for i in range(count):
        boat = BoatFactory(tenant=tenant)
        hold_on(boat, start=local(tenant, 2026, 12, day + i, 10, 0), end=local(tenant, 2026, 12, day + i, 13, 0))
        hold_on(
            boat,
            "getmyboat",
            start=local(tenant, 2026, 12, day + i, 12, 0),
            end=local(tenant, 2026, 12, day + i, 14, 0),
        )
        flagged = hold_on(
            boat, "samboat", start=local(tenant, 2026, 12, day + i, 16, 0), end=local(tenant, 2026, 12, day + i, 18, 0)
        )
        BookingFactory(tenant=tenant, boat=boat, source="samboat", start=flagged.start, end=flagged.end)
        CalendarEntry.objects.filter(pk=flagged.pk).update(status=CalendarEntry.Status.CANCELLED)


def test_needs_attention_costs_the_same_queries_for_2_and_10_boats_with_holds(
    office, tenant, django_assert_max_num_queries
):
    add_holds(tenant, day=3, count=2)
    with CaptureQueriesContext(connection) as few:
        shown = panel(office)
    assert len(items(shown, "enter details")) == 4
    assert len(items(shown, "Marketplace hold clash")) == 2
    assert len(items(shown, "Marketplace dropped a booking")) == 2
    add_holds(tenant, day=10, count=8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        shown = panel(office)
    assert len(items(shown, "enter details")) == 20
    assert len(items(shown, "Marketplace hold clash")) == 10
    assert len(items(shown, "Marketplace dropped a booking")) == 10
