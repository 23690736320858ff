"""Time off: crew enter it on their page, staff in the admin, and nobody is put on a charter while away."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from bookings.availability import ConflictError
from crew.models import Assignment, TimeOff
from tests.crew.conftest import open_link, post
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, assign, local, staff_user

pytestmark = pytest.mark.django_db

# Four days before Sam's charter (2026-12-05 10:00-15:00 in San Diego).
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TIME_OFF = reverse("crew:time_off")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sam(tenant):
    return CrewMemberFactory(name="Sam Deck", email="sam@example.com", tenants=[tenant])


@pytest.fixture
def on_sea_breeze(frozen, tenant, sam):
    """Sam's assignment on Sea Breeze, Dec 5 10:00-15:00 Los Angeles time (the link his session comes from)."""
    booking = BookingFactory(
        tenant=tenant,
        boat=BoatFactory(tenant=tenant, name="Sea Breeze"),
        guest_name="Jordan Guest",
        start=local(tenant, 2026, 12, 5, 10, 0),
    )
    return assign(booking, sam, "deckhand", "25.00", "5")


@pytest.fixture
def phone(on_sea_breeze):
    """Sam's phone, signed in through his magic link."""
    return open_link(on_sea_breeze)


def away(phone, start: str, end: str, note: str = ""):
    return post(phone, TIME_OFF, {"start": start, "end": end, "note": note})


# --- the crew page -------------------------------------------------------------------------------


def test_crew_enter_time_off_in_their_brands_zone_and_see_it_listed(phone, sam):
    page = phone.get(TIME_OFF)
    assert page.status_code == 200
    assert "Times in America/Los_Angeles" in page.content.decode()

    response = away(phone, "2026-12-10T08:00", "2026-12-12T18:00", "Family wedding")

    assert response.status_code == 302 and response["Location"] == TIME_OFF
    entry = TimeOff.objects.get(crew_member=sam)
    assert entry.start == datetime(2026, 12, 10, 16, 0, tzinfo=UTC)  # 08:00 PST
    assert entry.end == datetime(2026, 12, 13, 2, 0, tzinfo=UTC)  # 18:00 PST
    assert entry.entered_by == "crew"
    listed = phone.get(TIME_OFF).content.decode()
    assert "Thu, Dec 10 8:00 AM" in listed and "Sat, Dec 12 6:00 PM PST" in listed
    assert "Family wedding" in listed


def test_crew_time_off_across_the_spring_dst_change_keeps_the_wall_clock(phone, sam):
    response = away(phone, "2027-03-13T20:00", "2027-03-14T20:00")

    assert response.status_code == 302
    entry = TimeOff.objects.get(crew_member=sam)
    assert entry.start == datetime(2027, 3, 14, 4, 0, tzinfo=UTC)  # PST, -8
    assert entry.end == datetime(2027, 3, 15, 3, 0, tzinfo=UTC)  # PDT, -7: a 23-hour day


def test_a_time_the_clocks_skip_is_refused_not_guessed(phone, sam):
    response = away(phone, "2027-03-14T02:30", "2027-03-14T20:00")

    assert response.status_code == 400
    assert "America/Los_Angeles" in response.content.decode()
    assert not TimeOff.objects.exists()


def test_crew_remove_their_own_time_off(phone, sam):
    away(phone, "2026-12-10T08:00", "2026-12-12T18:00", "Family wedding")
    entry = TimeOff.objects.get(crew_member=sam)

    response = post(phone, reverse("crew:time_off_delete", kwargs={"time_off_id": entry.pk}))

    assert response.status_code == 302
    assert not TimeOff.objects.exists()
    assert "Family wedding" not in phone.get(TIME_OFF).content.decode()


def test_the_history_of_crew_entered_time_off_names_the_crew_member(phone, sam):
    away(phone, "2026-12-10T08:00", "2026-12-12T18:00")
    entry = TimeOff.objects.get(crew_member=sam)
    post(phone, reverse("crew:time_off_delete", kwargs={"time_off_id": entry.pk}))

    actors = dict(TimeOff.history.filter(id=entry.pk).values_list("history_type", "history_actor"))

    assert actors["+"].startswith("crew:") and "Sam Deck" in actors["+"]
    assert actors["-"].startswith("crew:")


def test_time_off_over_a_charter_crew_are_still_on_is_refused_naming_the_boat(phone, sam):
    response = away(phone, "2026-12-05T09:00", "2026-12-05T12:00")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Sea Breeze" in page and "still on your list" in page
    assert not TimeOff.objects.exists()


def test_a_declined_charter_does_not_block_time_off(phone, sam, tenant):
    later = BookingFactory(
        tenant=tenant, boat=BoatFactory(tenant=tenant, name="Harbor Light"), start=local(tenant, 2026, 12, 8, 10, 0)
    )
    declined = assign(later, sam, "deckhand", "25.00", "5")
    Assignment.objects.filter(pk=declined.pk).update(status=Assignment.Status.DECLINED)

    response = away(phone, "2026-12-08T00:00", "2026-12-09T00:00")

    assert response.status_code == 302
    assert TimeOff.objects.filter(crew_member=sam).count() == 1


def test_crew_cannot_remove_someone_elses_time_off(phone, tenant):
    lee = CrewMemberFactory(name="Lee Deck", tenants=[tenant])
    theirs = TimeOff.objects.create(
        crew_member=lee, start=local(tenant, 2026, 12, 10, 0, 0), end=local(tenant, 2026, 12, 11, 0, 0)
    )

    response = post(phone, reverse("crew:time_off_delete", kwargs={"time_off_id": theirs.pk}))

    assert response.status_code == 404
    assert TimeOff.objects.filter(pk=theirs.pk).exists()


def test_anonymous_visitors_are_sent_to_ask_for_a_new_link(frozen, sam, tenant):
    entry = TimeOff.objects.create(
        crew_member=sam, start=local(tenant, 2026, 12, 10, 0, 0), end=local(tenant, 2026, 12, 11, 0, 0)
    )
    expected = reverse("crew:new_link") + "?ended=1"

    assert Client().get(TIME_OFF)["Location"] == expected
    response = Client().post(reverse("crew:time_off_delete", kwargs={"time_off_id": entry.pk}))

    assert response.status_code == 302 and response["Location"] == expected
    assert TimeOff.objects.filter(pk=entry.pk).exists()


# --- staff in the admin --------------------------------------------------------------------------


@pytest.fixture
def office(client, tenant):
    client.force_login(staff_user(tenant, username="queen-office"))
    return client


def admin_time_off(client, member, start: tuple[str, str], end: tuple[str, str], note: str = ""):
    return client.post(
        reverse("admin:crew_timeoff_add"),
        {
            "crew_member": member.pk,
            "start_0": start[0],
            "start_1": start[1],
            "end_0": end[0],
            "end_1": end[1],
            "note": note,
            "_save": "Save",
        },
    )


def test_staff_add_time_off_typed_in_the_brands_zone(frozen, office, sam):
    assert "Times in America/Los_Angeles" in office.get(reverse("admin:crew_timeoff_add")).content.decode()

    response = admin_time_off(office, sam, ("2026-12-10", "08:00"), ("2026-12-12", "18:00"), "Called in")

    assert response.status_code == 302
    entry = TimeOff.objects.get(crew_member=sam)
    assert entry.start == datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
    assert entry.end == datetime(2026, 12, 13, 2, 0, tzinfo=UTC)
    assert entry.entered_by == "staff:queen-office"


def test_staff_time_off_over_an_assignment_shows_the_error_and_saves_nothing(office, sam, on_sea_breeze):
    response = admin_time_off(office, sam, ("2026-12-05", "09:00"), ("2026-12-05", "12:00"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert any("Sea Breeze" in e for e in form.errors["start"])
    assert "Sea Breeze" in response.content.decode()
    assert not TimeOff.objects.exists()


# --- the rule in the service ----------------------------------------------------------------------


def test_an_assignment_inside_time_off_is_refused_without_the_private_note(frozen, tenant, sam):
    TimeOff.objects.create(
        crew_member=sam,
        start=local(tenant, 2026, 12, 10, 0, 0),
        end=local(tenant, 2026, 12, 12, 0, 0),
        note="Knee surgery",
    )
    booking = BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 11, 10, 0))

    with pytest.raises(ConflictError) as refused:
        assign(booking, sam, "deckhand", "25.00", "5")

    text = " ".join(refused.value.messages)
    assert "Sam Deck is away" in text
    assert "Knee surgery" not in text
    assert not Assignment.objects.filter(event__booking=booking).exists()


def test_staff_time_off_over_another_brands_charter_does_not_name_its_boat(office, sam, other_tenant):
    sam.tenants.add(other_tenant)
    theirs = BookingFactory(
        tenant=other_tenant,
        boat=BoatFactory(tenant=other_tenant, name="Conch Republic"),
        guest_name="Theirs Guest",
        start=local(other_tenant, 2026, 12, 7, 17, 0),
    )
    assign(theirs, sam, "deckhand", "30.00", "4")

    response = admin_time_off(office, sam, ("2026-12-07", "00:00"), ("2026-12-08", "00:00"))

    assert response.status_code == 200 and not TimeOff.objects.exists()  # still refused
    page = response.content.decode()
    assert "Conch Republic" not in page and "Theirs Guest" not in page


def test_a_new_entry_is_read_in_the_zone_of_the_person_it_is_for(frozen, client, tenant, other_tenant):
    """Staff of two brands add time off for a Key West captain: the times are Key West's, as shown later."""
    user = staff_user(tenant, other_tenant, username="both-offices")
    client.force_login(user)
    ana = CrewMemberFactory(name="Ana Ruiz", tenants=[other_tenant])
    response = admin_time_off(client, ana, ("2026-12-10", "08:00"), ("2026-12-10", "18:00"))
    assert response.status_code == 302
    entry = TimeOff.objects.get(crew_member=ana)
    assert entry.start == datetime(2026, 12, 10, 13, 0, tzinfo=UTC)  # 08:00 EST
    page = client.get(reverse("admin:crew_timeoff_change", args=[entry.pk])).content.decode()
    assert "Times in America/New_York" in page and 'value="08:00:00"' in page
