"""Which messages a booking calls for: confirmation after publish, change, cancellation and weather-owed notices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from bookings.models import Booking
from bookings.services import booking_save
from guestpages.services import guest_page_schedule_publish
from messaging.models import Channel, Message
from messaging.services import message_resend
from messaging.services.rules import booking_state_hash
from outbox.models import Effect
from outbox.services import effect_run
from tests.factories import BookingFactory, local
from tests.messaging.conftest import messages, run_queued

pytestmark = pytest.mark.django_db


def guest_emails(booking) -> list:
    return [m for m in mail.outbox if m.to == [booking.guest_email]]


def save(booking, capture, **changes):
    booking = Booking.objects.get(pk=booking.pk)
    for name, value in changes.items():
        setattr(booking, name, value)
    with capture(execute=True):
        booking_save(booking=booking, service="tests")
    return booking


def test_the_confirmation_goes_once_after_the_page_is_published(published, django_capture_on_commit_callbacks):
    confirmations = messages(published, Message.Kind.CONFIRMATION)
    assert {(m.channel, m.key) for m in confirmations} == {
        (Channel.EMAIL, f"confirmation:{published.pk}:email"),
        (Channel.SMS, f"confirmation:{published.pk}:sms"),
    }
    assert {m.status for m in confirmations} == {Message.Status.SENT}
    assert confirmations[0].recipient == "jordan.guest@example.com" and confirmations[1].recipient == "+18585550199"
    assert len(guest_emails(published)) == 1
    # The booking page's side-effect rows say which message each effect sends.
    assert {m.effect.reason for m in confirmations} == {
        "Confirmation by email (guest page published)",
        "Confirmation by text message (guest page published)",
    }

    with django_capture_on_commit_callbacks(execute=True):
        guest_page_schedule_publish(booking=published, reason="published again")

    assert len(messages(published, Message.Kind.CONFIRMATION)) == 2
    assert len(guest_emails(published)) == 1
    assert Effect.objects.filter(kind=Effect.Kind.PUBLISH_GUEST_PAGE, status=Effect.Status.SENT).count() == 2


def test_no_confirmation_before_the_page_is_published(tenant, now):
    booking = BookingFactory(tenant=tenant)  # on_commit never ran: the page is not published yet
    assert messages(booking) == []

    publish = Effect.objects.get(kind=Effect.Kind.PUBLISH_GUEST_PAGE, booking=booking)
    effect_run(effect_id=publish.pk)

    assert [m.channel for m in messages(booking, Message.Kind.CONFIRMATION)] == [Channel.EMAIL, Channel.SMS]


def test_staff_resend_makes_a_new_confirmation_each_time(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = message_resend(booking=published, kind=Message.Kind.CONFIRMATION)
    second = message_resend(booking=published, kind=Message.Kind.CONFIRMATION)

    assert [m.key for m in first] == [
        f"confirmation:{published.pk}:email:resend:1",
        f"confirmation:{published.pk}:sms:resend:1",
    ]
    assert second[0].key == f"confirmation:{published.pk}:email:resend:2"
    assert len(guest_emails(published)) == 2  # the first and its resend; the second resend is still queued


def test_resend_is_refused_when_the_guest_cannot_be_reached_or_the_charter_is_over(tenant, now):
    unreachable = BookingFactory(tenant=tenant, guest_email="", guest_phone="")
    with pytest.raises(ValidationError, match="cannot be reached"):
        message_resend(booking=unreachable, kind=Message.Kind.CONFIRMATION)

    over = BookingFactory(tenant=tenant)
    now.move_to(over.end + timedelta(minutes=1))
    with pytest.raises(ValidationError, match="charter is over"):
        message_resend(booking=over, kind=Message.Kind.CONFIRMATION)
    assert Message.objects.count() == 0


def test_nothing_for_a_charter_entered_after_it_ended(tenant, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        backfilled = BookingFactory(tenant=tenant, start=local(tenant, 2026, 11, 1, 10, 0))
    save(backfilled, django_capture_on_commit_callbacks, meeting_point="Shelter Island")
    save(backfilled, django_capture_on_commit_callbacks, status=Booking.Status.CANCELLED)

    assert messages(backfilled) == []
    assert mail.outbox == []


def test_nothing_for_a_guest_without_email_or_phone(tenant, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = BookingFactory(tenant=tenant, guest_email="", guest_phone="")
    save(booking, django_capture_on_commit_callbacks, start=booking.start + timedelta(hours=1))
    assert messages(booking) == []


def test_email_only_guest_gets_email_only(tenant, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = BookingFactory(tenant=tenant, guest_phone="")
    assert [m.channel for m in messages(booking)] == [Channel.EMAIL]


def test_a_move_sends_a_change_notice_a_notes_only_save_does_not(published, django_capture_on_commit_callbacks):
    save(published, django_capture_on_commit_callbacks, guest_notes="Bring a cake", internal_notes="VIP")
    assert messages(published, Message.Kind.CHANGE) == []

    moved = save(
        published,
        django_capture_on_commit_callbacks,
        start=published.start + timedelta(hours=1),
        end=published.end + timedelta(hours=1),
    )
    changes = messages(published, Message.Kind.CHANGE)
    assert [m.key for m in changes] == [
        f"change:{published.pk}:email:{booking_state_hash(moved)}",
        f"change:{published.pk}:sms:{booking_state_hash(moved)}",
    ]
    assert {m.status for m in changes} == {Message.Status.SENT}

    save(moved, django_capture_on_commit_callbacks, meeting_point="Shelter Island, dock 4")
    assert len(messages(published, Message.Kind.CHANGE)) == 4  # one per distinct change and channel


def test_moving_back_to_an_earlier_time_tells_the_guest_again(published, django_capture_on_commit_callbacks):
    original = {"start": published.start, "end": published.end}
    save(published, django_capture_on_commit_callbacks, start=published.start + timedelta(hours=1))
    save(published, django_capture_on_commit_callbacks, start=published.start + timedelta(hours=2))
    save(published, django_capture_on_commit_callbacks, start=published.start + timedelta(hours=1))
    save(published, django_capture_on_commit_callbacks, **original)

    keys = [m.key for m in messages(published, Message.Kind.CHANGE) if m.channel == Channel.EMAIL]
    assert len(keys) == 4 and keys[2] == f"{keys[0]}:2"
    assert {m.status for m in messages(published, Message.Kind.CHANGE)} == {Message.Status.SENT}


def test_a_change_superseded_before_it_went_is_skipped(published):
    # Saved twice while the worker was away: only the notice of the final time goes.
    booking = Booking.objects.get(pk=published.pk)
    booking.start += timedelta(hours=1)
    booking_save(booking=booking, service="tests")
    booking.start += timedelta(hours=1)
    booking_save(booking=booking, service="tests")

    run_queued()

    first, _first_sms, last, _last_sms = messages(published, Message.Kind.CHANGE)
    first.refresh_from_db()
    last.refresh_from_db()
    assert (first.status, first.detail) == (Message.Status.SKIPPED, "superseded by a later change")
    assert last.status == Message.Status.SENT
    assert len([m for m in mail.outbox if "change" in m.subject.lower()]) == 1


@pytest.mark.parametrize(
    ("status", "kind"),
    [(Booking.Status.CANCELLED, Message.Kind.CANCELLATION), (Booking.Status.WEATHER_OWED, Message.Kind.WEATHER_OWED)],
)
def test_cancelled_and_weather_owed_notices(published, django_capture_on_commit_callbacks, status, kind):
    changed = save(published, django_capture_on_commit_callbacks, status=status)

    notices = messages(published, kind)
    stamp = changed.updated_at.strftime("%Y%m%dT%H%M%SZ")
    assert [m.key for m in notices] == [f"{kind}:{published.pk}:email:{stamp}", f"{kind}:{published.pk}:sms:{stamp}"]
    assert {m.status for m in notices} == {Message.Status.SENT}
    assert len(guest_emails(published)) == 2  # the confirmation, then the notice


def test_no_cancellation_notice_for_a_guest_never_confirmed(tenant, now, django_capture_on_commit_callbacks):
    booking = BookingFactory(tenant=tenant)  # the page never published: no confirmation
    save(booking, django_capture_on_commit_callbacks, status=Booking.Status.CANCELLED)
    assert messages(booking, Message.Kind.CANCELLATION) == []
