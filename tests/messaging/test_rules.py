"""The rules: who can be reached, when reminders fall due (DST), and why a message is skipped at send time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from bookings.models import Booking
from messaging.models import Channel, Message, Suppression
from messaging.services.rules import booking_state_hash, guest_channels, reminder_moments, skip_reason
from tests.factories import BookingFactory, local
from tests.messaging.conftest import NOW

pytestmark = pytest.mark.django_db


def message(booking, kind=Message.Kind.CONFIRMATION, channel=Channel.EMAIL, **fields) -> Message:
    recipient = booking.guest_email if channel == Channel.EMAIL else "+18585550199"
    fields.setdefault("key", f"{kind}:{booking.pk}:{channel}")
    return Message(booking=booking, kind=kind, channel=channel, recipient=recipient, **fields)


def test_guest_channels(tenant, now):
    assert guest_channels(BookingFactory(tenant=tenant)) == [Channel.EMAIL, Channel.SMS]
    assert guest_channels(BookingFactory(tenant=tenant, guest_phone="")) == [Channel.EMAIL]
    assert guest_channels(BookingFactory(tenant=tenant, guest_email="")) == [Channel.SMS]
    assert guest_channels(BookingFactory(tenant=tenant, guest_email="", guest_phone="")) == []


def test_suppressed_addresses_are_not_channels(tenant, now):
    booking = BookingFactory(tenant=tenant, guest_email="Jordan.Guest@Example.com")
    Suppression.objects.create(channel=Channel.EMAIL, address="jordan.guest@example.com", reason="bounce")
    assert guest_channels(booking) == [Channel.SMS]
    Suppression.objects.create(channel=Channel.SMS, address="+18585550199", reason="opted_out")
    assert guest_channels(booking) == []


def test_reminders_on_the_local_wall_clock_across_the_spring_dst_change(tenant):
    # Monday March 9, 2026, 10:00 PDT; clocks went forward on Sunday March 8 at 02:00.
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        booking = BookingFactory(tenant=tenant, start=local(tenant, 2026, 3, 9, 10, 0))
    moments = dict(reminder_moments(booking))

    assert moments[48] == datetime(2026, 3, 7, 18, 0, tzinfo=UTC)  # Saturday 10:00 PST
    assert moments[2] == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # Monday 08:00 PDT
    assert timezone.localtime(moments[48], tenant.zone).hour == 10
    assert booking.start.astimezone(UTC) - moments[48].astimezone(UTC) == timedelta(
        hours=47
    )  # one hour fewer really passes


def test_reminders_follow_the_brand_offsets(tenant, now):
    tenant.reminder_offsets_hours = "24, 72"
    tenant.save()
    booking = BookingFactory(tenant=tenant)
    assert [hours for hours, _moment in reminder_moments(booking)] == [72, 24]


@pytest.mark.parametrize(
    ("status", "kind", "reason"),
    [
        (Booking.Status.CANCELLED, Message.Kind.REMINDER, "the booking is cancelled"),
        (Booking.Status.WEATHER_OWED, Message.Kind.CONFIRMATION, "the charter is weather-owed"),
        (Booking.Status.CONFIRMED, Message.Kind.CANCELLATION, "the booking is no longer cancelled"),
    ],
)
def test_status_reasons(tenant, now, status, kind, reason):
    booking = BookingFactory(tenant=tenant, status=status)
    assert skip_reason(message(booking, kind), now=NOW) == reason


def test_notices_need_a_confirmation_that_reached_the_guest(tenant, now):
    booking = BookingFactory(tenant=tenant, status=Booking.Status.CANCELLED)
    notice = message(booking, Message.Kind.CANCELLATION, key="cancellation:x")
    assert skip_reason(notice, now=NOW) == "the guest was never sent a confirmation"
    message(booking, status=Message.Status.DELIVERED).save()
    assert skip_reason(notice, now=NOW) == ""


def test_ended_charter_only_gets_thank_you_and_photos(tenant, now):
    booking = BookingFactory(tenant=tenant)
    after = booking.end + timedelta(minutes=5)
    assert skip_reason(message(booking), now=after) == "the charter has ended"
    assert skip_reason(message(booking, Message.Kind.THANK_YOU), now=after) == ""
    assert skip_reason(message(booking, Message.Kind.PHOTOS), now=after) == ""
    closed = booking.end + timedelta(hours=tenant.upload_window_hours_after_end, minutes=1)
    assert skip_reason(message(booking, Message.Kind.THANK_YOU), now=closed) == "the photo upload window has closed"
    Booking.objects.filter(pk=booking.pk).update(no_show=True)
    booking.refresh_from_db()
    assert skip_reason(message(booking, Message.Kind.THANK_YOU), now=after) == "the party did not come (no-show)"


def test_a_reminder_past_its_window_or_for_an_old_time_is_skipped(tenant, now):
    booking = BookingFactory(tenant=tenant)
    (_h, moment), _second = reminder_moments(booking)
    reminder = message(booking, Message.Kind.REMINDER, scheduled_for=moment)

    assert skip_reason(reminder, now=moment + timedelta(minutes=30)) == ""
    assert skip_reason(reminder, now=moment + timedelta(minutes=31)) == "too late: due at Thu Dec 3 10:00"
    booking.start += timedelta(hours=1)
    assert skip_reason(reminder, now=moment).startswith("the charter moved")


def test_a_change_notice_for_an_older_state_is_superseded(tenant, now):
    booking = BookingFactory(tenant=tenant)
    notice = message(booking, Message.Kind.CHANGE, key=f"change:{booking.pk}:email:{booking_state_hash(booking)}")
    assert skip_reason(notice, now=NOW) == ""
    booking.meeting_point = "Shelter Island"
    assert skip_reason(notice, now=NOW) == "superseded by a later change"


def test_suppressed_recipient_is_skipped(tenant, now):
    booking = BookingFactory(tenant=tenant)
    Suppression.objects.create(channel=Channel.EMAIL, address=booking.guest_email, reason="complaint")
    assert skip_reason(message(booking), now=NOW) == "undeliverable address: complaint (marked as spam)"


def test_nothing_for_a_charter_entered_after_it_ended(tenant, now):
    booking = BookingFactory(tenant=tenant, start=local(tenant, 2026, 11, 20, 10, 0))
    for kind in (Message.Kind.THANK_YOU, Message.Kind.PHOTOS):
        assert skip_reason(message(booking, kind), now=NOW) == "the charter had already ended when it was entered"
