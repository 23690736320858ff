"""Staff and crew side of "Who's coming": waiver versions in the admin, the day sheet, the captain's sheet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guestpages.models import Waiver
from guestpages.passengers import PassengerEntry, passenger_list_save, waiver_publish
from guestpages.services import guest_page_ensure
from tests.crew.conftest import open_link
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign, local, staff_user

BEFORE = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # four days before the Dec 5 charters


@pytest.fixture
def frozen():
    with time_machine.travel(BEFORE, tick=False) as traveller:
        yield traveller


@pytest.fixture
def office(tenant):
    client = Client()
    client.force_login(staff_user(tenant))
    return client


def give_list(booking, *, waiver: Waiver | None, names=(("Jordan Rivers", True), ("Sam Rivers", False))):
    entries = [PassengerEntry(name=n, is_adult=adult, accepted_name=n if adult else "") for n, adult in names]
    return passenger_list_save(
        page=guest_page_ensure(booking=booking),
        entries=entries,
        emergency_name="Pat Rivers",
        emergency_phone="+1 619 555 0142",
        waiver_version=waiver.version if waiver else None,
        client_ip="198.51.100.7",
    )


# --- the waiver in the admin ---------------------------------------------------------------------


def test_staff_add_a_waiver_as_version_1(office, tenant):
    response = office.post(reverse("admin:guestpages_waiver_add"), {"tenant": tenant.pk, "text": "First words."})

    assert response.status_code == 302, response.content.decode()[:2000]
    waiver = Waiver.objects.get()
    assert (waiver.tenant, waiver.version, waiver.text) == (tenant, 1, "First words.")


def test_editing_an_accepted_waiver_saves_a_new_version_and_keeps_the_old_text(office, tenant, booking, frozen):
    first = waiver_publish(tenant=tenant, text="First words.")
    give_list(booking, waiver=first)
    url = reverse("admin:guestpages_waiver_change", args=[first.pk])

    response = office.post(url, {"text": "Second words."}, follow=True)

    assert response.status_code == 200
    assert "Saved as version 2" in response.content.decode()
    first.refresh_from_db()
    assert first.text == "First words."  # what Jordan accepted
    assert first.acceptances.get().full_name == "Jordan Rivers"
    assert Waiver.objects.get(tenant=tenant, version=2).text == "Second words."
    assert office.get(reverse("admin:guestpages_waiver_delete", args=[first.pk])).status_code == 403


def test_versions_count_per_brand(tenant, other_tenant):
    assert [waiver_publish(tenant=tenant, text=t).version for t in "abc"] == [1, 2, 3]
    assert waiver_publish(tenant=other_tenant, text="x").version == 1


def test_staff_of_another_brand_do_not_see_its_waivers(tenant, other_tenant):
    waiver = waiver_publish(tenant=tenant, text="Queen only.")
    client = Client()
    client.force_login(staff_user(other_tenant, username="keywest"))

    assert client.get(reverse("admin:guestpages_waiver_change", args=[waiver.pk])).status_code in (302, 404)
    assert "Queen only." not in client.get(reverse("admin:guestpages_waiver_changelist")).content.decode()


# --- the day sheet ---------------------------------------------------------------------------------


def sheet(client) -> str:
    response = client.get(reverse("operations:day_sheet", kwargs={"day": "2026-12-05"}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_day_sheet_shows_names_waiver_states_and_the_emergency_contact(office, tenant, booking, frozen):
    later = BookingFactory(tenant=tenant, guest_name="Casey Later", start=local(tenant, 2026, 12, 5, 16, 0))
    give_list(later, waiver=None, names=(("Casey Shore", True),))  # given before the brand had a waiver
    assert 'Casey Shore <span class="muted">· no waiver (the brand has none)</span>' in sheet(office)
    waiver = waiver_publish(tenant=tenant, text="Words.")
    give_list(booking, waiver=waiver, names=(("Jordan Rivers", True), ("Sam Rivers", False)))
    waiver_publish(tenant=tenant, text="Newer words.")  # Jordan's acceptance stays the v1 one

    html = sheet(office)

    assert 'Jordan Rivers <span class="muted">· waiver accepted v1</span>' in html
    assert 'Sam Rivers <span class="muted">· not an adult</span>' in html
    assert 'Casey Shore <span class="muted">· waiver not accepted</span>' in html
    assert "Pat Rivers · +1 619 555 0142" in html
    assert "Passenger list and waivers: not collected" not in html


def test_a_charter_without_a_list_still_says_not_collected(office, tenant, booking, frozen):
    html = sheet(office)
    assert "Passenger list and waivers: not collected" in html
    assert "Emergency contact" not in html


def test_the_day_sheet_keeps_a_constant_query_count(office, tenant, frozen, django_assert_max_num_queries):
    waiver = waiver_publish(tenant=tenant, text="Words.")
    boats = [BoatFactory(tenant=tenant, name=f"Boat {n}") for n in range(4)]

    def add(first: int, n: int) -> None:
        for i in range(first, first + n):
            start = local(tenant, 2026, 12, 5, 7, 0) + timedelta(hours=2) * (i // 4)
            booking = BookingFactory(tenant=tenant, boat=boats[i % 4], start=start, end=start + timedelta(hours=1))
            give_list(booking, waiver=waiver, names=((f"Adult {i}", True), (f"Child {i}", False)))

    add(0, 2)
    with CaptureQueriesContext(connection) as at_two:
        sheet(office)
    add(2, 10)
    with django_assert_max_num_queries(len(at_two)):
        html = sheet(office)
    assert html.count("waiver accepted v1") == 12 and "Child 11" in html


# --- the captain ---------------------------------------------------------------------------------------


def test_the_captain_sees_the_list_only_in_the_details_window(tenant, booking, frozen):
    from crew.models import Assignment

    waiver = waiver_publish(tenant=tenant, text="Words.")
    give_list(booking, waiver=waiver)
    captain = assign(booking, CrewMemberFactory(name="Maya Captain", tenants=[tenant]), "captain", "50", "5")
    Assignment.objects.filter(pk=captain.pk).update(status=Assignment.Status.ACCEPTED)
    captain.refresh_from_db()
    phone = open_link(captain)
    url = reverse("operations_crew:crew_day_sheet", kwargs={"event_id": booking.crew_event.pk})

    frozen.move_to(booking.start - timedelta(hours=25))
    early = phone.get(url).content.decode()
    assert "Jordan Rivers" not in early and "Pat Rivers" not in early and "555 0142" not in early

    frozen.move_to(booking.start - timedelta(hours=2))
    html = phone.get(url).content.decode()
    assert "Jordan Rivers" in html and "waiver accepted v1" in html
    assert "Pat Rivers · +1 619 555 0142" in html
