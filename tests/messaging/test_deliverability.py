"""What a delivery event does to a message and an address, and where staff see an undeliverable address."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from anymail.signals import AnymailTrackingEvent, tracking

import messaging.admin_crew  # noqa: F401 - messaging/admin.py imports it too; loading it twice is harmless
from messaging.models import Channel, Message, Suppression
from messaging.services import suppression_for, tracking_event_record
from tests.factories import BookingFactory, CrewMemberFactory

pytestmark = pytest.mark.django_db

SES_ID = "0100018c4d2e7f3a-test-000000"


def event(event_type: str, *, recipient: str = "jordan.guest@example.com", message_id: str = SES_ID, **extra):
    return AnymailTrackingEvent(event_type=event_type, message_id=message_id, recipient=recipient, **extra)


def hard_bounce(**extra):
    return event(
        "bounced",
        description="Permanent: General",
        mta_response="smtp; 550 5.1.1 user unknown",
        esp_event={"bounce": {"bounceType": "Permanent", "bounceSubType": "General"}},
        **extra,
    )


@pytest.fixture
def sent(tenant) -> Message:
    booking = BookingFactory(tenant=tenant)
    message, _ = Message.objects.update_or_create(
        key=f"confirmation:{booking.pk}:email",
        defaults={
            "booking": booking,
            "kind": Message.Kind.CONFIRMATION,
            "channel": Channel.EMAIL,
            "recipient": "Jordan.Guest@example.com",
            "status": Message.Status.SENT,
            "provider_message_id": SES_ID,
        },
    )
    return message


def test_suppression_for_reads_email_case_and_spaces_alike(db):
    Suppression.objects.create(channel=Channel.EMAIL, address="maya@example.com", reason=Suppression.Reason.BOUNCE)
    Suppression.objects.create(channel=Channel.SMS, address="+16195550100", reason=Suppression.Reason.OPTED_OUT)

    assert suppression_for(channel=Channel.EMAIL, address=" Maya@Example.COM ").reason == "bounce"
    assert suppression_for(channel=Channel.SMS, address="+16195550100").reason == "opted_out"
    assert suppression_for(channel=Channel.SMS, address="maya@example.com") is None
    assert suppression_for(channel=Channel.EMAIL, address="") is None


def test_the_anymail_signal_reaches_the_service(sent):
    tracking.send(sender=object, event=hard_bounce(), esp_name="Amazon SES")

    sent.refresh_from_db()
    assert sent.status == Message.Status.BOUNCED
    assert Suppression.objects.get().address == "jordan.guest@example.com"


def test_a_bounce_for_an_unknown_message_still_suppresses_the_address(db):
    # Crew invitations and other mail have no Message row: the address is what matters.
    tracking_event_record(event=hard_bounce(message_id="someone-else", recipient="Crew@Example.com"), esp_name="x")

    assert suppression_for(channel=Channel.EMAIL, address="crew@example.com").reason == "bounce"


def test_a_complaint_after_a_bounce_keeps_the_first_reason_and_one_row(sent):
    tracking_event_record(event=hard_bounce(), esp_name="Amazon SES")
    tracking_event_record(event=event("complained", description="abuse"), esp_name="Amazon SES")

    assert list(Suppression.objects.values_list("reason", flat=True)) == ["bounce"]
    sent.refresh_from_db()
    assert sent.status == Message.Status.COMPLAINED  # a complaint is news even after a bounce


def test_a_delivery_after_a_complaint_does_not_move_back(sent):
    tracking_event_record(event=event("complained"), esp_name="Amazon SES")
    tracking_event_record(event=event("delivered"), esp_name="Amazon SES")

    sent.refresh_from_db()
    assert sent.status == Message.Status.COMPLAINED
    assert sent.delivered_at is None


def test_events_that_change_nothing_staff_need(sent):
    for kind in ("queued", "deferred", "opened", "clicked", "unknown"):
        tracking_event_record(event=event(kind), esp_name="Amazon SES")

    sent.refresh_from_db()
    assert sent.status == Message.Status.SENT
    assert not Suppression.objects.exists()


def test_a_rejected_message_is_failed_but_the_address_kept(sent):
    tracking_event_record(event=event("rejected", description="Bad content"), esp_name="Amazon SES")

    sent.refresh_from_db()
    assert sent.status == Message.Status.FAILED
    assert sent.detail == "Bad content"
    assert not Suppression.objects.exists()


def test_an_event_for_another_recipient_leaves_the_message(sent):
    tracking_event_record(event=event("delivered", recipient="cc@example.com"), esp_name="Amazon SES")

    sent.refresh_from_db()
    assert sent.status == Message.Status.SENT


def test_a_message_never_sent_is_not_touched(sent):
    Message.objects.filter(pk=sent.pk).update(status=Message.Status.SKIPPED, detail="the booking is cancelled")

    tracking_event_record(event=event("delivered"), esp_name="Amazon SES")

    sent.refresh_from_db()
    assert (sent.status, sent.detail) == (Message.Status.SKIPPED, "the booking is cancelled")


def test_the_crew_member_page_says_the_email_bounced_and_the_number_opted_out(admin_client, tenant):
    member = CrewMemberFactory(email="maya.captain@example.com", phone="+1 619 555 0100", tenants=[tenant])
    with time_machine.travel(datetime(2026, 11, 28, 18, 0, tzinfo=UTC), tick=False):
        tracking_event_record(
            event=hard_bounce(recipient="maya.captain@example.com", message_id="invite"), esp_name="Amazon SES"
        )
        Suppression.objects.create(channel=Channel.SMS, address="+16195550100", reason=Suppression.Reason.OPTED_OUT)

    page = admin_client.get(f"/admin/crew/crewmember/{member.pk}/change/").content.decode()

    assert "Email maya.captain@example.com is undeliverable: bounced on 28 Nov 2026" in page
    assert "550 5.1.1 user unknown" in page
    assert "Number +16195550100 opted out of text messages on 28 Nov 2026" in page


def test_the_crew_member_page_of_a_reachable_member_says_nothing_alarming(admin_client, tenant):
    member = CrewMemberFactory(email="sam.deck@example.com", tenants=[tenant])

    page = admin_client.get(f"/admin/crew/crewmember/{member.pk}/change/").content.decode()

    assert "Undeliverable" in page  # the line is there...
    assert "is undeliverable" not in page and "opted out" not in page  # ...and empty
