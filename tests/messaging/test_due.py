"""Messages due with time: reminders in their 30-minute window, late ones skipped and shown, thank-you, photos."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from bookings.models import Booking
from bookings.services import booking_save
from guestpages import uploads
from guestpages.models import PhotoUpload
from messaging.models import Channel, Message
from messaging.services import due_messages_send
from tests.factories import BookingFactory, local
from tests.messaging.conftest import messages

pytestmark = pytest.mark.django_db

# BookingFactory's charter: Saturday December 5, 10:00-15:00 PST. Its reminders: Thursday 10:00 and Saturday 08:00.
DUE_48 = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
DUE_2 = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
END = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)


def run(at: datetime, capture, *args: str) -> str:
    out = io.StringIO()
    with time_machine.travel(at, tick=False), capture(execute=True):
        call_command("send_due_messages", *args, stdout=out)
    return out.getvalue()


def reminders(booking) -> list[Message]:
    return messages(booking, Message.Kind.REMINDER)


def test_a_reminder_goes_from_its_moment_until_30_minutes_after_once(published, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    assert "0 message(s) scheduled, 0 skipped" in run(DUE_48 - timedelta(minutes=1), capture)
    assert reminders(published) == []

    output = run(DUE_48 + timedelta(minutes=29), capture)
    again = run(DUE_48 + timedelta(minutes=30), capture)

    assert f"Scheduled: Reminder by email to jordan.guest@example.com for booking #{published.pk}" in output
    assert "due at Thu Dec 3 10:00" in output and "2 message(s) scheduled, 0 skipped." in output
    assert "0 message(s) scheduled, 0 skipped" in again
    sent = reminders(published)
    assert [m.key for m in sent] == [
        f"reminder:{published.pk}:email:20261203T1800Z",
        f"reminder:{published.pk}:sms:20261203T1800Z",
    ]
    assert {m.status for m in sent} == {Message.Status.SENT} and sent[0].scheduled_for == DUE_48
    assert len([m for m in mail.outbox if "remind" in m.subject.lower() or "reminder" in m.body.lower()]) >= 1

    run(DUE_2, capture)
    assert len(reminders(published)) == 4


def test_a_reminder_more_than_30_minutes_late_is_skipped_and_shown(published, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    output = run(DUE_48 + timedelta(minutes=31), django_capture_on_commit_callbacks)

    skipped = reminders(published)
    assert {(m.status, m.detail) for m in skipped} == {
        (Message.Status.SKIPPED, "due at Thu Dec 3 10:00; sending was down")
    }
    assert all(m.effect_id is None for m in skipped)
    assert "Skipped: Reminder by email" in output and "sending was down" in output
    assert "0 message(s) scheduled, 2 skipped." in output
    assert mail.outbox == []
    assert "0 message(s) scheduled, 0 skipped" in run(DUE_48 + timedelta(hours=2), django_capture_on_commit_callbacks)


def test_a_booking_entered_after_its_reminder_moment(tenant, django_capture_on_commit_callbacks):
    with time_machine.travel(DUE_48 + timedelta(hours=5), tick=False):
        booking = BookingFactory(tenant=tenant, guest_phone="")

    run(DUE_48 + timedelta(hours=5, minutes=10), django_capture_on_commit_callbacks)

    (skipped,) = reminders(booking)
    assert skipped.detail == "due at Thu Dec 3 10:00; booking entered later"


def test_a_booking_entered_within_its_reminders_window_still_gets_it(tenant, django_capture_on_commit_callbacks):
    with time_machine.travel(DUE_48 + timedelta(minutes=10), tick=False):
        booking = BookingFactory(tenant=tenant, guest_phone="")

    run(DUE_48 + timedelta(minutes=15), django_capture_on_commit_callbacks)

    (reminder,) = reminders(booking)
    assert reminder.status == Message.Status.SENT and reminder.scheduled_for == DUE_48


def test_changed_twice_before_it_is_due_one_reminder_for_the_final_time(published, django_capture_on_commit_callbacks):
    booking = Booking.objects.get(pk=published.pk)
    for hours in (24, 2):  # Sunday 10:00, then Sunday 12:00
        booking.start += timedelta(hours=hours)
        booking.end += timedelta(hours=hours)
        with django_capture_on_commit_callbacks(execute=True):
            booking_save(booking=booking, service="tests")

    run(DUE_48, django_capture_on_commit_callbacks)
    run(DUE_48 + timedelta(days=1), django_capture_on_commit_callbacks)
    assert reminders(published) == []

    run(DUE_48 + timedelta(days=1, hours=2, minutes=5), django_capture_on_commit_callbacks)

    final = reminders(published)
    assert [m.key.rsplit(":", 1)[1] for m in final] == ["20261204T2000Z", "20261204T2000Z"]
    assert {m.status for m in final} == {Message.Status.SENT}


def test_reminders_across_the_dst_change_go_at_local_10_and_8(tenant, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        booking = BookingFactory(tenant=tenant, start=local(tenant, 2026, 3, 9, 10, 0), guest_phone="")

    run(datetime(2026, 3, 7, 17, 0, tzinfo=UTC), django_capture_on_commit_callbacks)  # 48 real hours before
    assert reminders(booking) == []
    run(datetime(2026, 3, 7, 18, 0, tzinfo=UTC), django_capture_on_commit_callbacks)  # Saturday 10:00 PST
    run(datetime(2026, 3, 9, 15, 0, tzinfo=UTC), django_capture_on_commit_callbacks)  # Monday 08:00 PDT

    assert [m.key.rsplit(":", 1)[1] for m in reminders(booking)] == ["20260307T1800Z", "20260309T1500Z"]
    assert {m.status for m in reminders(booking)} == {Message.Status.SENT}


def test_nothing_due_for_cancelled_or_unreachable(tenant, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False):
        BookingFactory(tenant=tenant, status=Booking.Status.CANCELLED)
        BookingFactory(tenant=tenant, guest_email="", guest_phone="")
    run(DUE_48, django_capture_on_commit_callbacks)
    run(DUE_2 + timedelta(hours=1), django_capture_on_commit_callbacks)
    assert Message.objects.filter(kind=Message.Kind.REMINDER).count() == 0


def test_dry_run_writes_nothing(published, django_capture_on_commit_callbacks):
    output = run(DUE_48 + timedelta(minutes=5), django_capture_on_commit_callbacks, "--dry-run")
    assert "Would send: Reminder by text message to +18585550199" in output
    assert "2 message(s) due, 0 skipped (dry run: nothing written)." in output
    assert reminders(published) == []


def test_thank_you_after_the_charter_not_for_a_no_show(published, tenant, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False):
        no_show = BookingFactory(tenant=tenant)
    Booking.objects.filter(pk=no_show.pk).update(no_show=True)
    mail.outbox.clear()

    run(END - timedelta(minutes=1), django_capture_on_commit_callbacks)
    run(END + timedelta(minutes=5), django_capture_on_commit_callbacks)
    run(END + timedelta(hours=3), django_capture_on_commit_callbacks)

    (thanks,) = messages(published, Message.Kind.THANK_YOU)
    assert (thanks.key, thanks.channel, thanks.status) == (
        f"thank_you:{published.pk}:email",
        Channel.EMAIL,
        Message.Status.SENT,
    )
    assert messages(no_show, Message.Kind.THANK_YOU) == []
    assert [m.to for m in mail.outbox] == [["jordan.guest@example.com"]]


@pytest.fixture
def bucket(aws, settings):
    settings.AWS_S3_ENDPOINT_URL = None
    settings.AWS_S3_REGION_NAME = "us-east-1"
    uploads.reset_clients()
    yield aws.s3
    uploads.reset_clients()


def photo(booking, s3, *, arrived: bool = True) -> PhotoUpload:
    upload = PhotoUpload.objects.create(
        booking=booking,
        key=f"photos/{booking.pk}/{PhotoUpload.objects.count()}.png",
        content_type="image/png",
        declared_size=9,
        consent="ok to share",
        expires_at=booking.end,
    )
    if arrived:
        s3.put_object(Bucket=booking.tenant.s3_bucket, Key=upload.key, Body=b"png bytes")
    return upload


def test_photos_go_when_the_upload_window_closes(bucket, tenant, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False):
        with_photos = BookingFactory(tenant=tenant)
        without = BookingFactory(tenant=tenant, guest_name="Sam Other")
    photo(with_photos, bucket)
    closes = END + timedelta(hours=tenant.upload_window_hours_after_end)

    run(closes - timedelta(minutes=5), django_capture_on_commit_callbacks)
    assert Message.objects.filter(kind=Message.Kind.PHOTOS).count() == 0
    output = run(closes + timedelta(minutes=5), django_capture_on_commit_callbacks)
    run(closes + timedelta(minutes=10), django_capture_on_commit_callbacks)

    (sent,) = messages(with_photos, Message.Kind.PHOTOS)
    assert sent.status == Message.Status.SENT
    (skipped,) = messages(without, Message.Kind.PHOTOS)
    assert (skipped.status, skipped.detail) == (Message.Status.SKIPPED, "no photos were uploaded")
    assert "Skipped: Photos by email" in output
    (email,) = [m for m in mail.outbox if m.attachments]
    assert email.extra_headers["X-Charterops-Message"] == str(sent.pk)
    assert email.attachments[0][2] == "application/zip"


def test_photos_granted_but_never_arrived_are_skipped_at_send_time(bucket, tenant, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False):
        booking = BookingFactory(tenant=tenant)
    photo(booking, bucket, arrived=False)

    run(END + timedelta(hours=tenant.upload_window_hours_after_end, minutes=1), django_capture_on_commit_callbacks)

    (skipped,) = messages(booking, Message.Kind.PHOTOS)
    assert skipped.status == Message.Status.SKIPPED
    assert skipped.detail.startswith("no photos were uploaded")


def test_queries_stay_bounded_as_due_bookings_grow(tenant, django_assert_max_num_queries):
    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False):
        for _ in range(50):
            BookingFactory(tenant=tenant)

    with time_machine.travel(DUE_48 - timedelta(minutes=1), tick=False), django_assert_max_num_queries(6):
        assert due_messages_send().scheduled == []  # 50 upcoming bookings, none due: a constant few queries

    with time_machine.travel(DUE_48, tick=False), django_assert_max_num_queries(6 + 50 * 2 + 100 * 9):
        result = due_messages_send()  # per booking a savepoint; per message its own 9 reads and writes
    assert len(result.scheduled) == 100
