"""Money and staff-only notes never reach crew: every page, email, feed and error page they can get."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from bookings import finance
from bookings.services import booking_save
from crew.links import link_token
from crew.services import crew_invite_resend
from outbox.models import Effect
from outbox.services import effect_run
from tests.crew.conftest import link_path, open_link, post
from tests.factories import BookingFactory, CrewMemberFactory, assign, local

pytestmark = pytest.mark.django_db

GROSS = Decimal("98765.43")
FEE = Decimal("12345.67")
OTHER_RATE = Decimal("777.77")
NOTE = "REVENUE-SENTINEL"


def money_forms(value: Decimal) -> set[str]:
    return {str(value), f"{value:,}", str(value).replace(".", ",")}


@pytest.fixture
def sentinel_charter(charter, tenant):
    booking = charter.booking
    booking.gross_amount = GROSS
    booking.platform_fee = FEE
    booking.internal_notes = NOTE
    booking_save(booking=booking)
    other = CrewMemberFactory(name="Rich Rate", tenants=[tenant])
    assign(booking, other, "deckhand", str(OTHER_RATE), "4")
    breakdown = finance.booking_breakdown(booking)
    forbidden = {NOTE}
    for value in (
        GROSS,
        FEE,
        OTHER_RATE,
        finance.line_pay(OTHER_RATE, Decimal("4")),  # the other deckhand's pay
        finance.line_pay(Decimal("50.00"), Decimal("3")),  # the captain's pay
        Decimal("50.00"),  # the captain's rate
        breakdown.net_to_owner,
        breakdown.port_tax,
        breakdown.crew_pay,
    ):
        forbidden |= money_forms(value)
    return charter, forbidden


def everything_crew_can_reach(charter, frozen) -> dict[str, str]:
    """Each page, email and feed a crew member of ``charter`` can get, by name."""
    reached: dict[str, str] = {}
    frozen.move_to(charter.booking.start - timedelta(hours=2))  # gate code and phone on show
    client = Client(enforce_csrf_checks=True)
    reached["link page"] = client.get(link_path(charter.mine)).content.decode()
    open_link(charter.mine, client)
    reached["crew page"] = client.get(reverse("crew:home")).content.decode()
    event_url = reverse("crew:event", kwargs={"event_id": charter.event.pk})
    reached["event page"] = client.get(event_url).content.decode()
    post(client, reverse("crew:accept", kwargs={"event_id": charter.event.pk}))
    reached["event page after accepting"] = client.get(event_url).content.decode()
    feed = Client().get(reverse("crew:calendar", kwargs={"token": charter.member.calendar_token})).content
    # iCal folds long lines and escapes commas: read the values as a calendar app would.
    reached["calendar"] = "\n".join(
        str(value) for component in Calendar.from_ical(feed).walk() for value in component.values()
    )
    forged = link_token(charter.mine)[:-2] + "xx"
    reached["403 page"] = Client().get(reverse("crew:link", kwargs={"token": forged})).content.decode()
    elsewhere = BookingFactory(tenant=charter.booking.tenant, start=local(charter.booking.tenant, 2026, 12, 20, 9, 0))
    reached["404 page"] = client.get(
        reverse("crew:event", kwargs={"event_id": elsewhere.crew_event.pk})
    ).content.decode()
    asker = Client(enforce_csrf_checks=True)
    reached["new link form"] = asker.get(reverse("crew:new_link")).content.decode()
    reached["new link sent"] = post(asker, reverse("crew:new_link"), {"email": "sam@example.com"}).content.decode()

    # The emails: first invitation, a "changed" one, and one asked for.
    mail.outbox.clear()
    Effect.objects.all().delete()
    for reason in ("new assignment", "time, boat or meeting point changed", "crew asked for a new link"):
        effect = crew_invite_resend(assignment=charter.mine, reason=reason)
        effect_run(effect_id=effect.pk)
    assert len(mail.outbox) == 3
    for n, message in enumerate(mail.outbox):
        reached[f"email {n} subject"] = message.subject
        reached[f"email {n} text"] = message.body
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        reached[f"email {n} html"] = html

    frozen.move_to(charter.booking.end + timedelta(hours=49))
    reached["410 page"] = Client().get(link_path(charter.mine)).content.decode()
    return reached


def test_no_money_and_no_staff_notes_anywhere_crew_can_look(sentinel_charter, frozen):
    charter, forbidden = sentinel_charter
    reached = everything_crew_can_reach(charter, frozen)
    # The renders are real: each has the crew-side content it should.
    assert "$125.00 (estimate)" in reached["event page"]  # their own pay may show
    assert "Rich Rate · Deckhand" in reached["crew page"]  # the other crew's name and role may show
    assert "4711#" in reached["event page"]
    assert "This link has expired" in reached["410 page"]
    assert "This link does not work" in reached["403 page"]
    assert "Jordan Guest, party of 6" in reached["calendar"]
    leaks = {(name, value) for name, text in reached.items() for value in forbidden if value in text}
    assert leaks == set()


def test_gate_codes_and_guest_phones_stay_out_of_email_and_the_feed(sentinel_charter, frozen):
    charter, _ = sentinel_charter
    reached = everything_crew_can_reach(charter, frozen)
    for name, text in reached.items():
        if name.startswith("email") or name == "calendar":
            assert "4711#" not in text, name
            assert "858 555 0199" not in text, name
