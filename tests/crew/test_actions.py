"""Checklist, accept and decline through the crew views with CSRF enforced; and who may reach what."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from bookings.models import Booking
from bookings.services import booking_save
from crew.models import Assignment
from outbox.models import Effect
from outbox.services import effect_run
from tests.crew.conftest import BEFORE_CHARTER, open_link, post
from tests.factories import BookingFactory, CrewMemberFactory, assign, local, staff_user

pytestmark = pytest.mark.django_db


def url(name: str, event, **kwargs) -> str:
    return reverse(f"crew:{name}", kwargs={"event_id": event.pk, **kwargs})


def tick(client, event, item, done: bool):
    return post(client, url("checklist", event, item_id=item.pk), {"done": "1" if done else "0"})


def test_ticking_records_who_and_when_and_unticking_clears_it(charter, frozen):
    client = open_link(charter.mine)
    item = charter.event.checklist_items.get(text="Fuel checked")
    response = tick(client, charter.event, item, True)
    assert response.status_code == 302 and response["Location"].endswith("#checklist")
    item.refresh_from_db()
    assert item.done and item.done_by == charter.member and item.done_at == BEFORE_CHARTER
    page = client.get(url("event", charter.event)).content.decode()
    assert "Checklist 1/2" in page and "Sam Deck, Dec 1" in page
    tick(client, charter.event, item, False)
    item.refresh_from_db()
    assert not item.done and item.done_by is None and item.done_at is None


def test_a_second_tick_keeps_the_first_tickers_name(charter, tenant):
    item = charter.event.checklist_items.first()
    sam = open_link(charter.mine)
    maya = open_link(Assignment.objects.get(crew_member=charter.captain))
    tick(sam, charter.event, item, True)
    tick(maya, charter.event, item, True)
    item.refresh_from_db()
    assert item.done_by == charter.member


def test_crew_posts_without_the_csrf_token_are_refused(charter):
    client = open_link(charter.mine)
    item = charter.event.checklist_items.first()
    for path, data in (
        (url("checklist", charter.event, item_id=item.pk), {"done": "1"}),
        (url("accept", charter.event), {}),
        (url("decline", charter.event), {"reason": "no"}),
    ):
        assert client.post(path, data).status_code == 403
    item.refresh_from_db()
    charter.mine.refresh_from_db()
    assert not item.done and charter.mine.status == Assignment.Status.INVITED


def test_get_does_not_change_anything(charter):
    client = open_link(charter.mine)
    assert client.get(url("accept", charter.event)).status_code == 405
    charter.mine.refresh_from_db()
    assert charter.mine.status == Assignment.Status.INVITED


def test_accepting_is_recorded_with_the_crew_member_as_the_actor(charter, frozen):
    client = open_link(charter.mine)
    response = post(client, url("accept", charter.event))
    assert response.status_code == 302
    charter.mine.refresh_from_db()
    assert charter.mine.status == Assignment.Status.ACCEPTED and charter.mine.responded_at == BEFORE_CHARTER
    latest = charter.mine.history.first()
    assert latest.history_actor == f"crew:{charter.member.pk} Sam Deck"
    page = client.get(url("event", charter.event)).content.decode()
    assert "You accepted" in page and "you are confirmed" in page


def test_declining_with_a_reason_emails_the_brands_staff(charter, tenant):
    staff_user(tenant, username="office")
    client = open_link(charter.mine)
    post(client, url("decline", charter.event), {"reason": "Sick kid"})
    charter.mine.refresh_from_db()
    assert charter.mine.status == Assignment.Status.DECLINED and charter.mine.decline_reason == "Sick kid"
    assert charter.mine.history.first().history_actor.startswith(f"crew:{charter.member.pk} ")
    [notify] = Effect.objects.filter(kind=Effect.Kind.NOTIFY_DECLINE, target_id=charter.mine.pk)
    post(client, url("decline", charter.event), {"reason": "again"})  # a second tap
    assert Effect.objects.filter(kind=Effect.Kind.NOTIFY_DECLINE).count() == 1
    assert effect_run(effect_id=notify.pk)[0] == "done"
    [message] = mail.outbox
    assert message.to == ["office@example.com"]
    assert "Sam Deck declined" in message.subject and "Sick kid" in message.body


def test_declining_without_a_reason_is_fine(charter):
    client = open_link(charter.mine)
    post(client, url("decline", charter.event))
    charter.mine.refresh_from_db()
    assert charter.mine.status == Assignment.Status.DECLINED and charter.mine.decline_reason == ""


def test_declined_crew_cannot_accept_or_tick_from_their_phone(charter):
    client = open_link(charter.mine)
    post(client, url("decline", charter.event), {"reason": "away"})
    post(client, url("accept", charter.event))
    item = charter.event.checklist_items.first()
    tick(client, charter.event, item, True)
    charter.mine.refresh_from_db()
    item.refresh_from_db()
    assert charter.mine.status == Assignment.Status.DECLINED and not item.done
    assert "ask the office" in client.get(url("event", charter.event)).content.decode().lower()


def test_nothing_to_accept_on_a_cancelled_charter(charter):
    client = open_link(charter.mine)
    booking = charter.booking
    booking.status = Booking.Status.CANCELLED
    booking_save(booking=booking)
    post(client, url("accept", charter.event))
    charter.mine.refresh_from_db()
    assert charter.mine.status == Assignment.Status.INVITED
    assert "This charter is cancelled" in client.get(url("event", charter.event)).content.decode()


def test_a_material_change_asks_for_acceptance_again(charter):
    client = open_link(charter.mine)
    post(client, url("accept", charter.event))
    captain = Assignment.objects.get(crew_member=charter.captain)
    Assignment.objects.filter(pk=captain.pk).update(status=Assignment.Status.DECLINED)
    Effect.objects.all().delete()
    booking = charter.booking
    booking.meeting_point = "Shelter Island, slip 9"
    booking_save(booking=booking)
    charter.mine.refresh_from_db()
    assert charter.mine.status == Assignment.Status.INVITED and charter.mine.responded_at is None
    assert charter.mine.history.first().status == Assignment.Status.INVITED  # staff see the reset in history
    [invite] = Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION)  # the declined captain is left alone
    assert invite.target_id == charter.mine.pk
    effect_run(effect_id=invite.pk)
    [message] = mail.outbox
    assert message.subject.startswith("Updated:") and "Shelter Island, slip 9" in message.body
    page = client.get(url("event", charter.event)).content.decode()
    assert "Can you make it?" in page and "Shelter Island, slip 9" in page


def test_a_change_crew_do_not_care_about_keeps_their_acceptance(charter):
    client = open_link(charter.mine)
    post(client, url("accept", charter.event))
    booking = charter.booking
    booking.gross_amount = booking.gross_amount + 1
    booking_save(booking=booking)
    charter.mine.refresh_from_db()
    assert charter.mine.status == Assignment.Status.ACCEPTED


# --- Who may reach what -----------------------------------------------------------------------


@pytest.fixture
def other_brand_event(other_tenant):
    booking = BookingFactory(tenant=other_tenant, start=local(other_tenant, 2026, 12, 7, 9, 0))
    booking.crew_event.checklist_items.create(position=1, text="Their item")
    member = CrewMemberFactory(name="Kim KeyWest", tenants=[other_tenant])
    assign(booking, member, "deckhand", "30", "4")
    return booking.crew_event


@pytest.fixture
def colleague_event(tenant):
    """Same brand, another crew member's charter."""
    booking = BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 8, 9, 0))
    assign(booking, CrewMemberFactory(name="Lee Colleague", tenants=[tenant]), "deckhand", "25", "4")
    booking.crew_event.checklist_items.create(position=1, text="Colleague's item")
    return booking.crew_event


@pytest.mark.parametrize("which", ["other_brand_event", "colleague_event"])
def test_crew_cannot_reach_events_they_are_not_on(charter, request, which):
    theirs = request.getfixturevalue(which)
    client = open_link(charter.mine)
    assert client.get(url("event", theirs)).status_code == 404
    assert post(client, url("accept", theirs)).status_code == 404
    assert post(client, url("decline", theirs), {"reason": "x"}).status_code == 404
    item = theirs.checklist_items.first()
    assert post(client, url("checklist", theirs, item_id=item.pk), {"done": "1"}).status_code == 404
    # their checklist item through my own event: the pair must match
    assert post(client, url("checklist", charter.event, item_id=item.pk), {"done": "1"}).status_code == 404
    item.refresh_from_db()
    assert not item.done
    assert set(Assignment.objects.filter(event=theirs).values_list("status", flat=True)) == {"invited"}
    home = client.get(reverse("crew:home")).content.decode()
    assert "Kim KeyWest" not in home and "Lee Colleague" not in home


def test_guessing_ids_finds_nothing(charter, other_brand_event, colleague_event):
    client = open_link(charter.mine)
    mine = charter.event.pk
    found = [
        event_id
        for event_id in range(1, max(mine, other_brand_event.pk, colleague_event.pk) + 5)
        if client.get(reverse("crew:event", kwargs={"event_id": event_id})).status_code == 200
    ]
    assert found == [mine]


def test_a_crew_member_of_two_brands_sees_only_their_own_assignments(charter, other_tenant, other_brand_event):
    charter.member.tenants.add(other_tenant)
    booking = BookingFactory(tenant=other_tenant, start=local(other_tenant, 2026, 12, 9, 9, 0))
    assign(booking, charter.member, "deckhand", "30", "4")
    client = open_link(charter.mine)
    assert client.get(url("event", booking.crew_event)).status_code == 200
    assert client.get(url("event", other_brand_event)).status_code == 404


def test_staff_see_crew_replies_and_ticks_in_the_admin(charter, tenant):
    client = open_link(charter.mine)
    post(client, url("accept", charter.event))
    tick(client, charter.event, charter.event.checklist_items.get(text="Fuel checked"), True)
    staff = Client()
    staff.force_login(staff_user(tenant))
    event_page = staff.get(reverse("admin:crew_crewevent_change", args=[charter.event.pk])).content.decode()
    assert '<option value="accepted" selected>Accepted</option>' in event_page
    assert "Sam Deck" in event_page and "Fuel checked" in event_page
    changelist = staff.get(reverse("admin:bookings_booking_changelist")).content.decode()
    assert "1/2" in changelist
