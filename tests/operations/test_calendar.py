"""The admin calendar: the page and its JSON (scoped like the admin, in the brand's zone, a constant number of
queries)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Boat, Booking, CalendarEntry
from crew.models import TimeOff
from tests.factories import BoatFactory, BookingFactory, ChecklistFactory, CrewMemberFactory, assign, local, staff_user
from tests.operations.calendar_support import DECEMBER, EVENTS, MOVE, PAGE, by_id, events, move, snapshot  # noqa: F401

pytestmark = pytest.mark.django_db


# The page


def test_the_page_is_an_admin_page_with_lanes_and_the_brand_zone(office_client, charter, small_boat, elsewhere):
    response = office_client.get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<div class="breadcrumbs">' in body and 'id="header"' in body  # the admin's own chrome
    assert "operations/vendor/event-calendar/event-calendar.min.js" in body
    assert "Times in <strong>America/Los_Angeles</strong>" in body
    config = response.context["calendar_config"]
    assert config["resources"] == [
        {"id": small_boat.pk, "title": "Little Tern"},
        {"id": charter.boat_id, "title": "Queen of San Diego"},
    ]
    assert config["view"] == "resourceTimeGridWeek" and config["canMove"] is True
    assert config["timezone"] == "America/Los_Angeles"
    assert "Maya Captain" in body  # the crew picker
    for secret in ("Key West Sunsets", "Conch Republic", "Keywest Only Crew"):
        assert secret not in body


def test_the_zone_is_the_chosen_brands_and_defaults_to_the_first(client, tenant, other_tenant):
    both = staff_user(other_tenant, tenant, username="both")
    client.force_login(both)
    first = client.get(PAGE)  # Key West Sunsets comes first by name
    assert first.context["filters"].tenant == other_tenant
    assert "Times in <strong>America/New_York</strong> (EST)" in first.content.decode()
    chosen = client.get(PAGE, {"tenant": tenant.pk, "date": "2026-07-04"})
    assert "Times in <strong>America/Los_Angeles</strong> (PDT)" in chosen.content.decode()
    assert chosen.context["calendar_config"]["timezone"] == "America/Los_Angeles"


def test_today_and_the_now_line_follow_the_brands_offset_now(office_client):
    # Event times travel as wall clock; only "today" uses the calendar's own zone.
    with time_machine.travel(datetime(2026, 12, 1, 7, 0, tzinfo=UTC), tick=False):
        winter = office_client.get(PAGE).context["calendar_config"]
    assert winter["nowOffset"] == "-08:00"
    assert winter["date"] == "2026-11-30"  # 23:00 in San Diego, still yesterday there
    with time_machine.travel(datetime(2026, 7, 1, 19, 0, tzinfo=UTC), tick=False):
        assert office_client.get(PAGE).context["calendar_config"]["nowOffset"] == "-07:00"


def test_staff_of_no_brand_get_a_note_not_an_error(client):
    lonely = staff_user(username="lonely")
    client.force_login(lonely)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "You do not manage any brand yet" in response.content.decode()
    assert events(client).status_code == 404


def test_the_page_asks_for_a_login_and_hides_other_brands(client, office_client, other_tenant, elsewhere):
    assert client.get(PAGE).status_code == 302
    assert office_client.get(PAGE, {"tenant": other_tenant.pk}).status_code == 404
    assert office_client.get(PAGE, {"boat": elsewhere.boat.pk}).status_code == 404
    assert office_client.get(PAGE, {"crew_member": elsewhere.member.pk}).status_code == 404
    assert office_client.get(PAGE, {"tenant": "x"}).status_code == 400
    assert office_client.get(PAGE, {"date": "9999-12-31"}).status_code == 200  # back to today


def test_staff_without_booking_permissions_cannot_open_it(client, tenant):
    nobody = get_user_model().objects.create_user("nobody", password="x", is_staff=True)
    tenant.staff.add(nobody)
    client.force_login(nobody)
    assert client.get(PAGE).status_code == 403
    assert events(client, tenant=tenant.pk).status_code == 403


def test_the_admin_home_and_the_booking_list_link_to_it(office_client):
    from django.urls import reverse

    assert f'href="{PAGE}"' in office_client.get(reverse("admin:index")).content.decode()
    assert f'href="{PAGE}"' in office_client.get(reverse("admin:bookings_booking_changelist")).content.decode()


# The JSON


def test_a_charter_carries_what_staff_need(office_client, charter):
    event = by_id(events(office_client))[f"booking-{charter.pk}"]
    assert event["resourceIds"] == [charter.boat_id]
    assert event["start"] == "2026-12-05T10:00:00" and event["end"] == "2026-12-05T13:00:00"
    assert event["startEditable"] is True
    assert "co-confirmed" in event["classNames"]
    props = event["extendedProps"]
    assert props["boat"] == "Queen of San Diego"
    assert props["guest"] == "Jordan Guest" and props["party"] == 6
    assert (props["crewAccepted"], props["crewInvited"]) == (1, 2)  # the declined deckhand is not counted
    assert (props["checklistDone"], props["checklistTotal"]) == (1, 2)
    assert props["url"] == reverse("admin:bookings_booking_change", args=[charter.pk])
    assert props["when"] == "Sat Dec 5, 10:00–13:00 PST"


def test_states_weather_owed_and_cancelled_cannot_be_dragged(office_client, tenant, boat):
    owed = BookingFactory(tenant=tenant, boat=boat, status=Booking.Status.WEATHER_OWED)
    cancelled = BookingFactory(tenant=tenant, boat=boat, status=Booking.Status.CANCELLED)
    found = by_id(events(office_client))
    assert "co-weather-owed" in found[f"booking-{owed.pk}"]["classNames"]
    assert "co-cancelled" in found[f"booking-{cancelled.pk}"]["classNames"]
    assert found[f"booking-{cancelled.pk}"]["extendedProps"]["statusLabel"] == "Cancelled"
    assert not found[f"booking-{owed.pk}"]["startEditable"]
    assert not found[f"booking-{cancelled.pk}"]["startEditable"]


def test_staff_who_may_only_view_see_charters_they_cannot_drag(client, tenant, charter):
    viewer = get_user_model().objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_booking"))
    tenant.staff.add(viewer)
    client.force_login(viewer)
    assert by_id(events(client))[f"booking-{charter.pk}"]["startEditable"] is False
    assert client.get(PAGE).context["calendar_config"]["canMove"] is False


def test_blocks_sit_on_their_lanes_and_a_brand_blackout_on_every_lane(office_client, tenant, boat, small_boat, charter):
    def entry(title="Other", **kw):
        start = local(tenant, 2026, 12, 7, 8, 0)
        return CalendarEntry.objects.create(
            tenant=tenant, title=title, start=start, end=start + timedelta(hours=4), **kw
        )

    maintenance = entry(kind=CalendarEntry.Kind.MAINTENANCE, boat=small_boat, title="Engine service")
    blackout = entry(kind=CalendarEntry.Kind.BLACKOUT, title="Harbor parade")
    boat_blackout = entry(kind=CalendarEntry.Kind.BLACKOUT, boat=boat, title="Haul-out")
    not_blocks = [
        entry(kind=CalendarEntry.Kind.OTHER, boat=boat),
        entry(kind=CalendarEntry.Kind.MAINTENANCE),  # maintenance of no boat blocks nothing
        entry(kind=CalendarEntry.Kind.BLACKOUT, status=CalendarEntry.Status.CANCELLED),
    ]
    found = by_id(events(office_client))
    assert found[f"block-{maintenance.pk}"]["resourceIds"] == [small_boat.pk]
    assert "co-maintenance" in found[f"block-{maintenance.pk}"]["classNames"]
    assert sorted(found[f"block-{blackout.pk}"]["resourceIds"]) == sorted([boat.pk, small_boat.pk])
    assert found[f"block-{blackout.pk}"]["extendedProps"]["wholeBrand"] is True
    assert found[f"block-{boat_blackout.pk}"]["resourceIds"] == [boat.pk]
    assert not found[f"block-{blackout.pk}"]["startEditable"]
    for other in not_blocks:
        assert f"block-{other.pk}" not in found
    # The charter's own calendar entry is the charter, not a block.
    assert f"block-{charter.calendar_entry.pk}" not in found

    # One boat picked: its lane only, the brand's blackout on it.
    only = by_id(events(office_client, boat=small_boat.pk))
    assert f"booking-{charter.pk}" not in only
    assert only[f"block-{blackout.pk}"]["resourceIds"] == [small_boat.pk]
    assert f"block-{boat_blackout.pk}" not in only and f"block-{maintenance.pk}" in only


def test_time_off_shows_only_for_the_crew_member_picked_and_without_the_note(office_client, tenant, boat, charter):
    sam = charter.crew_event.assignments.get(crew_member__name="Sam Deck").crew_member
    away = TimeOff.objects.create(
        crew_member=sam,
        start=local(tenant, 2026, 12, 11, 12, 0),
        end=local(tenant, 2026, 12, 12, 20, 0),
        note="Private: hospital appointment",
    )
    plain = by_id(events(office_client))
    assert not [k for k in plain if k.startswith("timeoff")]
    response = events(office_client, crew_member=sam.pk)
    found = by_id(response)
    bar, hours = found[f"timeoff-{away.pk}"], found[f"timeoff-{away.pk}-hours"]
    assert bar["allDay"] is True and (bar["start"], bar["end"]) == ("2026-12-11", "2026-12-13")
    assert "Sam Deck away" in bar["title"]
    assert hours["display"] == "background"
    assert (hours["start"], hours["end"]) == ("2026-12-11T12:00:00", "2026-12-12T20:00:00")
    assert hours["resourceIds"] == [boat.pk]
    assert "hospital" not in response.content.decode()


def test_staff_of_one_brand_never_see_another_brands_calendar(office_client, tenant, other_tenant, charter, elsewhere):
    response = events(office_client)
    body = response.content.decode()
    assert f"booking-{charter.pk}" in body
    for secret in (
        "Secret Keywest Guest",
        "Conch Republic",
        "Keywest hurricane drill",
        f"booking-{elsewhere.booking.pk}",
    ):
        assert secret not in body
    # Asking for the other brand, its boat or its crew answers as if they did not exist.
    assert events(office_client, tenant=other_tenant.pk).status_code == 404
    assert events(office_client, boat=elsewhere.boat.pk).status_code == 404
    assert events(office_client, tenant=tenant.pk, crew_member=elsewhere.member.pk).status_code == 404
    assert events(office_client, tenant=other_tenant.pk).json() == {
        "error": "No such brand.",
        "messages": ["No such brand."],
    }


def test_a_boat_handed_to_another_brand_does_not_bring_the_old_brands_charters(client, tenant, other_tenant, charter):

    Boat.objects.filter(pk=charter.boat_id).update(tenant=other_tenant)
    client.force_login(staff_user(other_tenant, username="keywest"))
    found = by_id(events(client, tenant=other_tenant.pk))
    assert f"booking-{charter.pk}" not in found
    assert "Jordan Guest" not in events(client, tenant=other_tenant.pk).content.decode()


def test_superusers_see_every_brand_one_at_a_time(client, tenant, other_tenant, charter, elsewhere):
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "x"))
    keywest = by_id(events(client, tenant=other_tenant.pk))
    assert list(keywest) == [
        f"booking-{elsewhere.booking.pk}",
        f"block-{CalendarEntry.objects.get(title='Keywest hurricane drill').pk}",
    ]
    assert keywest[f"booking-{elsewhere.booking.pk}"]["start"] == "2026-12-05T10:00:00"  # its own zone
    assert f"booking-{charter.pk}" in by_id(events(client, tenant=tenant.pk))


@pytest.mark.parametrize(
    "params",
    [
        {"start": ""},
        {"start": "yesterday"},
        {"start": "2026-13-01"},
        {"end": "2026-11-01"},  # before the start
        {"end": "2027-06-01"},  # too long a range
        {"start": "２０２６-１１-３０"},
        {"start": "2026-11-30" * 10},
        {"start": "9999-12-31T23:00:00", "end": "9999-12-31T23:59:00"},  # past UTC's year 9999
        {"start": "0001-01-01", "end": "0001-01-02"},
        {"tenant": "abc"},
        {"tenant": "-1"},
        {"tenant": "1.5"},
        {"tenant": "９"},
        {"tenant": "99999999999999999999999"},
        {"boat": "x"},
        {"crew_member": "1; DROP TABLE"},
    ],
)
def test_bad_queries_get_a_400_with_a_message(office_client, charter, params):
    response = office_client.get(EVENTS, {**DECEMBER, **params})
    assert response.status_code == 400, response.content
    assert response.json()["messages"][0]


def test_missing_ids_are_404_not_500(office_client, charter):
    for params in ({"tenant": 999999}, {"boat": 999999}, {"crew_member": 999999}):
        assert events(office_client, **params).status_code == 404


def test_the_range_is_read_in_the_brands_zone(office_client, tenant, boat):
    # 23:30 on New Year's Eve in San Diego is already Jan 1 in UTC.
    eve = BookingFactory(
        tenant=tenant, boat=boat, start=local(tenant, 2026, 12, 31, 23, 30), end=local(tenant, 2027, 1, 1, 1, 30)
    )
    assert eve.start.astimezone(UTC).date().isoformat() == "2027-01-01"
    december = by_id(office_client.get(EVENTS, {"start": "2026-12-01", "end": "2026-12-31T23:00:00"}))
    assert f"booking-{eve.pk}" not in december
    late = by_id(office_client.get(EVENTS, {"start": "2026-12-31", "end": "2027-01-01"}))
    assert late[f"booking-{eve.pk}"]["start"] == "2026-12-31T23:30:00"
    assert late[f"booking-{eve.pk}"]["end"] == "2027-01-01T01:30:00"


def test_wall_clock_times_either_side_of_daylight_saving(office_client, tenant, boat):
    winter = BookingFactory(
        tenant=tenant, boat=boat, start=local(tenant, 2026, 3, 7, 10, 0), end=local(tenant, 2026, 3, 7, 13, 0)
    )
    summer = BookingFactory(
        tenant=tenant, boat=boat, start=local(tenant, 2026, 3, 8, 10, 0), end=local(tenant, 2026, 3, 8, 13, 0)
    )
    # The same wall-clock time, an hour apart in UTC.
    assert winter.start.astimezone(UTC).hour == 18 and summer.start.astimezone(UTC).hour == 17
    found = by_id(office_client.get(EVENTS, {"start": "2026-03-02", "end": "2026-03-09"}))
    assert found[f"booking-{winter.pk}"]["start"] == "2026-03-07T10:00:00"
    assert found[f"booking-{summer.pk}"]["start"] == "2026-03-08T10:00:00"
    assert found[f"booking-{winter.pk}"]["extendedProps"]["when"].endswith("PST")
    assert found[f"booking-{summer.pk}"]["extendedProps"]["when"].endswith("PDT")


def test_the_json_runs_a_constant_number_of_queries(office_client, tenant, django_assert_max_num_queries):
    boats = [BoatFactory(tenant=tenant) for _ in range(3)]
    for b in boats:
        ChecklistFactory(boat=b)
    crew = [CrewMemberFactory(tenants=[tenant]) for _ in range(3)]

    made = []

    def grow(n):
        for i in range(len(made), len(made) + n):
            made.append(i)
            start = local(tenant, 2026, 12, 1 + i // 3, 8 + (i % 3) * 4, 0)
            booking = BookingFactory(tenant=tenant, boat=boats[i % 3], start=start, end=start + timedelta(hours=3))
            assign(booking, crew[i % 3], "deckhand", "25", "3")
            CalendarEntry.objects.create(
                tenant=tenant, boat=boats[i % 3], kind=CalendarEntry.Kind.MAINTENANCE, title=f"Check {i}",
                start=start + timedelta(hours=3, minutes=30), end=start + timedelta(hours=3, minutes=45),
            )  # fmt: skip
            TimeOff.objects.create(crew_member=crew[0], start=start, end=start + timedelta(minutes=10))

    def count():
        office_client.get(EVENTS, {**DECEMBER, "crew_member": crew[0].pk})  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = office_client.get(EVENTS, {**DECEMBER, "crew_member": crew[0].pk})
        return len(queries), len(response.json()["events"])

    grow(3)
    small, small_events = count()
    grow(27)
    large, large_events = count()
    assert large_events > small_events * 5
    assert small == large, (small, large)
    with django_assert_max_num_queries(small):
        office_client.get(EVENTS, {**DECEMBER, "crew_member": crew[0].pk})
