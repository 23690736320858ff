"""Texts through Amazon SNS (moto): guests and crew, sender ids, opt-outs, quiet hours, SNS errors.

moto 5.2.5 records each text in ``sns_backends[account]["us-east-1"].sms_messages`` as
(number, text) but not its attributes, so the sender id is read from the request itself.
moto answers ``check_if_phone_number_is_opted_out`` True for every number ending in 99:
BookingFactory's guest (+1 858 555 0199) is opted out there; the other tests use other numbers.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import time_machine
from botocore.stub import Stubber
from django.core.management import call_command

from crew.models import Assignment
from crew.services import crew_invite_resend
from messaging import sms
from messaging.models import Channel, Message, Suppression
from messaging.render import message_render
from messaging.services.sms_messages import crew_invitation_sms_schedule, quiet_hours_until
from outbox.models import Effect
from outbox.services import effect_run, pending_for_relay
from tests.factories import BookingFactory, CrewMemberFactory, assign, local

pytestmark = pytest.mark.django_db

US_GUEST = "+18585550142"
UK_GUEST = "+447400123456"


@pytest.fixture
def sns(aws_credentials, settings):
    """moto's SNS, the app's client built inside it, and every Publish request as sent."""
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    with mock_aws():
        sms.sms_client_reset()
        settings.SMS_BACKEND = "sns"
        settings.AWS_SNS_ENDPOINT_URL = None
        settings.AWS_SNS_REGION_NAME = "us-east-1"
        requests: list[dict] = []
        client = sms.sms_client()
        client.meta.events.register("provide-client-params.sns.Publish", lambda params, **kw: requests.append(params))
        backend = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        yield SimpleNamespace(requests=requests, texts=lambda: list(backend.sms_messages.values()))
    sms.sms_client_reset()


def at(tenant, *args):
    """A moment on the brand's wall clock, for time_machine."""
    return local(tenant, *args)


def guest_texts(booking) -> list[Message]:
    return list(Message.objects.filter(booking=booking, channel=Channel.SMS).exclude(kind=Message.Kind.CREW_INVITATION))


def sender_ids(requests: list[dict]) -> list[str | None]:
    return [r["MessageAttributes"].get("AWS.SNS.SMS.SenderID", {}).get("StringValue") for r in requests]


def saved_and_run(tenant, capture, **fields):
    """A booking saved as the admin saves it, its guest page published and every message effect run."""
    tenant.sms_sender_id = "QueenSD"
    tenant.save()
    with capture(execute=True):
        return BookingFactory(tenant=tenant, **fields)


# --- guests ---------------------------------------------------------------------------------------


def test_a_guest_confirmation_is_texted_through_sns_without_a_sender_id_to_a_us_number(
    sns, tenant, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(tenant, 2026, 12, 1, 9, 0), tick=False):
        booking = saved_and_run(tenant, django_capture_on_commit_callbacks, guest_phone="(858) 555-0142")
    assert booking.guest_phone == US_GUEST  # stored as E.164 by the booking's clean()
    [text] = guest_texts(booking)
    assert (text.kind, text.recipient, text.status) == (Message.Kind.CONFIRMATION, US_GUEST, Message.Status.SENT)
    body = message_render(text).sms
    assert body and sns.texts() == [(US_GUEST, body)]
    assert text.provider_message_id == text.effect.provider_message_id != ""
    [request] = sns.requests
    assert request["MessageAttributes"]["AWS.SNS.SMS.SMSType"]["StringValue"] == "Transactional"
    assert sender_ids(sns.requests) == [None]  # the US refuses alphanumeric sender ids


def test_a_uk_guest_sees_the_brands_sender_id(sns, tenant, django_capture_on_commit_callbacks):
    with time_machine.travel(at(tenant, 2026, 12, 1, 9, 0), tick=False):
        booking = saved_and_run(tenant, django_capture_on_commit_callbacks, guest_phone="+44 7400 123456")
    [text] = guest_texts(booking)
    assert text.status == Message.Status.SENT
    assert [number for number, _ in sns.texts()] == [UK_GUEST]
    assert sender_ids(sns.requests) == ["QueenSD"]


def test_an_opted_out_number_is_not_texted_and_is_recorded_as_undeliverable(
    sns, tenant, django_capture_on_commit_callbacks
):
    opted_out = "+18585550199"  # moto: every number ending in 99 replied STOP
    with time_machine.travel(at(tenant, 2026, 12, 1, 9, 0), tick=False):
        booking = saved_and_run(tenant, django_capture_on_commit_callbacks, guest_phone=opted_out)
    [text] = guest_texts(booking)
    assert text.status == Message.Status.SKIPPED
    assert "opted out" in text.detail
    assert text.effect.status == Effect.Status.SENT  # handled: never retried
    assert sns.texts() == [] and sns.requests == []
    suppression = Suppression.objects.get(channel=Channel.SMS, address=opted_out)
    assert suppression.reason == Suppression.Reason.OPTED_OUT
    # The email confirmation still went: only the number is undeliverable.
    assert Message.objects.get(booking=booking, channel=Channel.EMAIL, kind=Message.Kind.CONFIRMATION).status == (
        Message.Status.SENT
    )


# --- quiet hours ------------------------------------------------------------------------------------


def test_a_text_due_at_night_waits_until_eight_and_then_goes(sns, tenant, django_capture_on_commit_callbacks):
    with time_machine.travel(at(tenant, 2026, 12, 1, 22, 30), tick=False):
        booking = saved_and_run(tenant, django_capture_on_commit_callbacks, guest_phone=US_GUEST)
    [text] = guest_texts(booking)
    effect = text.effect
    eight = at(tenant, 2026, 12, 2, 8, 0)
    assert text.status == Message.Status.DELAYED and "Dec 2 08:00" in text.detail
    assert (effect.status, effect.attempts, effect.next_attempt_at) == (Effect.Status.QUEUED, 0, eight)
    assert sns.texts() == []
    with time_machine.travel(at(tenant, 2026, 12, 2, 7, 59), tick=False):
        assert effect.pk not in set(pending_for_relay().values_list("pk", flat=True))  # the relay leaves it
    with time_machine.travel(eight, tick=False):
        assert effect.pk in set(pending_for_relay().values_list("pk", flat=True))
        assert effect_run(effect_id=effect.pk)[0] == "done"
    text.refresh_from_db()
    assert text.status == Message.Status.SENT
    assert text.sent_at == eight
    assert sns.texts() == [(US_GUEST, message_render(text).sms)]
    effect.refresh_from_db()
    assert (effect.status, effect.attempts) == (Effect.Status.SENT, 1)


def test_a_reminder_text_held_by_quiet_hours_goes_at_eight_though_its_window_has_passed(
    sns, tenant, django_capture_on_commit_callbacks
):
    # A 09:00 charter: its 2-hour reminder is due at 07:00, inside quiet hours. The email goes then;
    # the text waits until 08:00, past the reminder's 30-minute window, and still goes.
    start = at(tenant, 2026, 12, 3, 9, 0)
    with time_machine.travel(at(tenant, 2026, 12, 1, 12, 0), tick=False):
        booking = saved_and_run(tenant, django_capture_on_commit_callbacks, guest_phone=US_GUEST, start=start)
    with (
        time_machine.travel(at(tenant, 2026, 12, 3, 7, 5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("send_due_messages", stdout=io.StringIO())
    seven = at(tenant, 2026, 12, 3, 7, 0)  # the 48-hour reminder was due before the booking: skipped
    reminders = {
        m.channel: m for m in Message.objects.filter(booking=booking, kind=Message.Kind.REMINDER, scheduled_for=seven)
    }
    assert reminders[Channel.EMAIL].status == Message.Status.SENT
    text = reminders[Channel.SMS]
    assert text.status == Message.Status.DELAYED
    with time_machine.travel(at(tenant, 2026, 12, 3, 8, 0), tick=False):
        assert effect_run(effect_id=text.effect_id)[0] == "done"
    text.refresh_from_db()
    assert text.status == Message.Status.SENT
    assert (US_GUEST, message_render(text).sms) in sns.texts()


def test_quiet_hours_end_at_eight_on_the_clock_across_a_daylight_saving_night(
    sns, tenant, django_capture_on_commit_callbacks
):
    # Clocks go forward at 02:00 on Sunday March 14, 2027 in San Diego: the night is an hour shorter.
    start = at(tenant, 2027, 3, 20, 10, 0)
    with time_machine.travel(at(tenant, 2027, 3, 13, 22, 30), tick=False):
        booking = saved_and_run(tenant, django_capture_on_commit_callbacks, guest_phone=US_GUEST, start=start)
    [text] = guest_texts(booking)
    eight_pdt = datetime(2027, 3, 14, 15, 0, tzinfo=UTC)  # 08:00 PDT (UTC-7), not 16:00 UTC as on PST
    assert text.effect.next_attempt_at == eight_pdt
    with time_machine.travel(eight_pdt, tick=False):
        assert effect_run(effect_id=text.effect_id)[0] == "done"
    assert [number for number, _ in sns.texts()] == [US_GUEST]


@pytest.mark.parametrize(
    ("wall", "until"),
    [
        ((2026, 12, 1, 20, 59), None),
        ((2026, 12, 1, 21, 0), (2026, 12, 2, 8, 0)),
        ((2026, 12, 2, 0, 30), (2026, 12, 2, 8, 0)),
        ((2026, 12, 2, 7, 59), (2026, 12, 2, 8, 0)),
        ((2026, 12, 2, 8, 0), None),
        # Clocks go back at 02:00 on November 7, 2027: a night an hour longer still ends at 08:00 PST.
        ((2027, 11, 6, 23, 0), (2027, 11, 7, 8, 0)),
    ],
)
def test_quiet_hours_are_21_to_8_in_the_brands_zone(tenant, wall, until):
    message = Message(booking=BookingFactory.build(tenant=tenant), kind=Message.Kind.REMINDER, channel=Channel.SMS)
    got = quiet_hours_until(message, now=at(tenant, *wall).astimezone(UTC))
    assert got == (at(tenant, *until) if until else None)


# --- SNS errors -------------------------------------------------------------------------------------


def _queued_text(tenant, capture, number=US_GUEST) -> Message:
    """A confirmation text whose effect has not run (the broker never got it)."""
    with time_machine.travel(at(tenant, 2026, 12, 1, 9, 0), tick=False):
        booking = saved_and_run(tenant, capture, guest_phone="")
    message = Message.objects.create(
        booking=booking,
        kind=Message.Kind.CONFIRMATION,
        channel=Channel.SMS,
        recipient=number,
        key=f"confirmation:{booking.pk}:sms:resend:1",
    )
    from outbox.services import effect_schedule

    effect = effect_schedule(
        kind=Effect.Kind.SEND_MESSAGE, target_id=message.pk, booking_id=booking.pk, unique_key=message.key
    )
    Message.objects.filter(pk=message.pk).update(effect=effect)
    message.refresh_from_db()
    return message


def test_a_throttled_text_is_retried_later(sns, tenant, django_capture_on_commit_callbacks):
    throttled = _queued_text(tenant, django_capture_on_commit_callbacks)
    with time_machine.travel(at(tenant, 2026, 12, 1, 9, 5), tick=False), Stubber(sms.sms_client()) as stub:
        stub.add_response("check_if_phone_number_is_opted_out", {"isOptedOut": False})
        stub.add_client_error("publish", service_error_code="Throttling", http_status_code=400)
        assert effect_run(effect_id=throttled.effect_id)[0] == "retry"
    throttled.refresh_from_db()
    assert throttled.status == Message.Status.QUEUED
    assert throttled.effect.status == Effect.Status.QUEUED and "Throttling" in throttled.effect.last_error


def test_an_invalid_parameter_marks_the_text_failed_with_the_reason(sns, tenant, django_capture_on_commit_callbacks):
    refused = _queued_text(tenant, django_capture_on_commit_callbacks)
    with time_machine.travel(at(tenant, 2026, 12, 1, 9, 5), tick=False), Stubber(sms.sms_client()) as stub:
        stub.add_response("check_if_phone_number_is_opted_out", {"isOptedOut": False})
        stub.add_client_error(
            "publish", service_error_code="InvalidParameter", service_message="Invalid parameter", http_status_code=400
        )
        assert effect_run(effect_id=refused.effect_id)[0] == "failed"
    refused.refresh_from_db()
    assert refused.status == Message.Status.FAILED and "InvalidParameter" in refused.detail
    assert refused.effect.status == Effect.Status.FAILED and refused.effect.attempts == 1


# --- crew invitations -------------------------------------------------------------------------------


@pytest.fixture
def charter(tenant):
    with time_machine.travel(at(tenant, 2026, 12, 1, 9, 0), tick=False):
        yield BookingFactory(tenant=tenant, guest_phone="")


def crew_texts() -> list[Message]:
    return list(Message.objects.filter(kind=Message.Kind.CREW_INVITATION).order_by("id"))


def test_crew_who_opted_in_get_one_text_per_invitation_email(
    sns, tenant, charter, django_capture_on_commit_callbacks, mailoutbox
):
    tenant.sms_sender_id = "QueenSD"
    tenant.save()
    texted = CrewMemberFactory(name="Maya Captain", phone="619 555 0142", sms_opt_in=True, tenants=[tenant])
    emailed = CrewMemberFactory(name="Sam Deck", phone="+1 619 555 0143", sms_opt_in=False, tenants=[tenant])
    with (
        time_machine.travel(at(tenant, 2026, 12, 1, 9, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        mine = assign(charter, texted, "captain", "50.00", "3")
        assign(charter, emailed, "deckhand", "25.00", "5")
    assert len(mailoutbox) == 2  # both still get the email
    [text] = crew_texts()
    email_effect = Effect.objects.get(kind=Effect.Kind.SEND_INVITATION, target_id=mine.pk)
    assert text.key == f"crew_invitation:{mine.pk}:sms:{email_effect.pk}"
    assert (text.recipient, text.status, text.assignment_id) == ("+16195550142", Message.Status.SENT, mine.pk)
    [(number, body)] = sns.texts()
    assert number == "+16195550142"
    assert body.startswith("Queen of San Diego: You're invited: Captain on ")
    assert charter.boat.name in body and "Sat Dec 5 at 10:00" in body
    link = body.rsplit(" ", 1)[-1]
    assert link.startswith("https://ops.example.com/crew/")
    # No pay, no other crew, no guest.
    for secret in ("50.00", "$", "Sam Deck", charter.guest_name, str(charter.gross_amount)):
        assert secret not in body
    assert sender_ids(sns.requests) == [None]  # a US number

    # Staff resend: a new invitation email, so a new text; scheduling the same email again adds nothing.
    with time_machine.travel(at(tenant, 2026, 12, 1, 10, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            resent = crew_invite_resend(assignment=mine)
        again = crew_invitation_sms_schedule(assignment=mine, reason="re-sent by staff", email_effect_id=resent.pk)
    assert len(crew_texts()) == 2 and again.key == f"crew_invitation:{mine.pk}:sms:{resent.pk}"
    assert Effect.objects.filter(unique_key=again.key).count() == 1
    assert len(sns.texts()) == 2


def test_a_crew_text_is_skipped_once_the_crew_member_declined(sns, tenant, charter):
    member = CrewMemberFactory(phone="+1 619 555 0142", sms_opt_in=True, tenants=[tenant])
    with time_machine.travel(at(tenant, 2026, 12, 1, 9, 0), tick=False):
        assignment = assign(charter, member, "captain", "50.00", "3")  # effects not run yet
        Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.DECLINED)
        [text] = crew_texts()
        assert effect_run(effect_id=text.effect_id)[0] == "done"
    text.refresh_from_db()
    assert text.status == Message.Status.SKIPPED and "declined" in text.detail
    assert sns.texts() == []


def test_crew_without_a_mobile_number_get_no_text(tenant, charter):
    member = CrewMemberFactory(phone="", sms_opt_in=True, tenants=[tenant])
    with time_machine.travel(at(tenant, 2026, 12, 1, 9, 0), tick=False):
        assign(charter, member, "captain", "50.00", "3")
    assert crew_texts() == []


def test_the_console_backend_prints_one_line_per_text(settings, capsys):
    settings.SMS_BACKEND = "console"
    message_id = sms.sms_send(phone_e164=US_GUEST, text="Queen of San Diego:\nsee you Saturday", sender_id="QueenSD")
    assert message_id.startswith("console-")
    assert capsys.readouterr().out == f"Text to {US_GUEST}: Queen of San Diego: see you Saturday\n"
    assert sms.sms_opted_out(US_GUEST) is False


def test_sender_ids_only_where_the_country_allows_them():
    assert not sms.sender_id_allowed("+18585550142")  # US
    assert not sms.sender_id_allowed("+14165550142")  # Canada
    assert sms.sender_id_allowed(UK_GUEST)
    assert sms.sender_id_allowed("+61412345678")  # Australia
