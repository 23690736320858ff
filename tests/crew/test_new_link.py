""" "Send me a new link": the same answer for everyone, rate limits, and the email through the outbox."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from bookings.models import Booking
from bookings.services import booking_save
from crew.models import Assignment
from crew.services import REASON_CREW_ASKED
from outbox.models import Effect
from outbox.services import effect_run
from tests.crew.conftest import link_path, post
from tests.factories import BookingFactory, assign, local

pytestmark = pytest.mark.django_db

NEW_LINK = reverse("crew:new_link")


def ask(email: str, ip: str = "10.0.0.1"):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ip)
    client.get(NEW_LINK)
    return post(client, NEW_LINK, {"email": email})


def requested() -> list[Effect]:
    return list(Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION, reason=REASON_CREW_ASKED).order_by("id"))


def test_known_and_unknown_addresses_get_the_same_answer(charter):
    known = ask("sam@example.com")
    unknown = ask("nobody@example.com", ip="10.0.0.2")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert known["Cache-Control"] == unknown["Cache-Control"] == "no-store"
    assert [e.target_id for e in requested()] == [charter.mine.pk]


def test_the_address_matches_whatever_its_case(charter):
    ask("  SAM@Example.com ")
    assert [e.target_id for e in requested()] == [charter.mine.pk]


def test_the_new_link_arrives_by_email_through_the_outbox_and_old_links_keep_working(charter):
    old_path = link_path(charter.mine)
    ask("sam@example.com")
    assert not mail.outbox  # nothing sent inside the request
    [effect] = requested()
    assert effect_run(effect_id=effect.pk)[0] == "done"
    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    assert "new link you asked for" in message.body
    assert "https://ops.example.com/crew/link/" in message.body
    # Anyone can type an address: asking must not cut the crew member's current link off.
    assert Client().get(old_path).status_code == 200


def test_only_links_worth_sending_are_sent(charter, tenant, other_tenant):
    member = charter.member
    declined = assign(
        BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 9, 9, 0)), member, "deckhand", "1", "1"
    )
    Assignment.objects.filter(pk=declined.pk).update(status=Assignment.Status.DECLINED)
    cancelled_booking = BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 10, 9, 0))
    assign(cancelled_booking, member, "deckhand", "1", "1")
    cancelled_booking.status = Booking.Status.CANCELLED
    booking_save(booking=cancelled_booking)
    past = assign(BookingFactory(tenant=tenant, start=local(tenant, 2026, 11, 1, 9, 0)), member, "deckhand", "1", "1")
    ask("sam@example.com")
    assert [e.target_id for e in requested()] == [charter.mine.pk]
    assert past.pk not in [e.target_id for e in requested()]


def test_inactive_crew_get_nothing(charter):
    charter.member.active = False
    charter.member.save()
    assert ask("sam@example.com").status_code == 200
    assert requested() == []


def test_rate_limited_per_address_whatever_the_ip(charter, settings):
    settings.CREW_NEW_LINK_RATE_PER_EMAIL = "3/h"
    answers = [ask("sam@example.com", ip=f"10.0.1.{i}").status_code for i in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    # An unknown address is limited the same way: the limit says nothing about who is crew.
    assert [ask("ghost@example.com", ip=f"10.0.2.{i}").status_code for i in range(4)] == [200, 200, 200, 429]
    assert ask("other@example.com", ip="10.0.3.1").status_code == 200  # other addresses unaffected


def test_rate_limited_per_ip_whatever_the_address(charter, settings):
    settings.CREW_NEW_LINK_RATE_PER_IP = "4/h"
    answers = [ask(f"person{i}@example.com", ip="10.9.9.9").status_code for i in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    limited = ask("sam@example.com", ip="10.9.9.9")
    assert limited.status_code == 429 and "Too many requests" in limited.content.decode()
    assert requested() == []  # a limited request schedules nothing
    assert ask("sam@example.com", ip="10.9.9.10").status_code == 200


def test_a_bad_address_is_a_form_error(charter):
    response = ask("not an email")
    assert response.status_code == 400 and requested() == []


def test_the_form_needs_the_csrf_token(charter):
    assert Client(enforce_csrf_checks=True).post(NEW_LINK, {"email": "sam@example.com"}).status_code == 403
    assert requested() == []
