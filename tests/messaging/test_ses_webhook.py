"""SES bounce, complaint and delivery notifications posted through SNS to the tracking webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail

from messaging.models import Channel, Message, Suppression
from messaging.services import suppression_for
from messaging.webhooks import SesTrackingWebhookView
from outbox.models import Effect
from outbox.services import effect_run, effect_schedule
from tests.factories import BookingFactory, CrewMemberFactory, assign
from tests.messaging import sns_support
from tests.messaging.sns_support import CERT_PATH, SES_MESSAGE_ID, Signer, basic_auth, load, other_key, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_frozen_now")]

AUTH = basic_auth()
webhook_settings = sns_support.webhook_settings
signer = sns_support.signer


@pytest.fixture
def _frozen_now():
    with time_machine.travel(datetime(2026, 12, 1, 16, 10, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def sent(tenant) -> Message:
    """The guest's confirmation, sent through SES with the id the fixtures report on."""
    booking = BookingFactory(tenant=tenant)
    message, _ = Message.objects.update_or_create(
        key=f"confirmation:{booking.pk}:email",
        defaults={
            "booking": booking,
            "kind": Message.Kind.CONFIRMATION,
            "channel": Channel.EMAIL,
            "recipient": booking.guest_email,
            "status": Message.Status.SENT,
            "provider_message_id": SES_MESSAGE_ID,
            "sent_at": datetime(2026, 12, 1, 16, 2, tzinfo=UTC),
        },
    )
    return message


def _state(message: Message) -> tuple:
    message.refresh_from_db()
    return message.status, message.detail, message.delivered_at, Suppression.objects.count()


def test_without_basic_auth_sns_is_asked_for_it(client, signer, sent):
    response = post(client, signer.sign(load("ses_bounce_permanent")))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert _state(sent)[0] == Message.Status.SENT and not Suppression.objects.exists()


def test_wrong_basic_auth_is_refused(client, signer, sent, httpserver):
    response = post(client, signer.sign(load("ses_bounce_permanent")), auth=basic_auth("ses-hook:guess"))

    assert response.status_code == 400
    assert not Suppression.objects.exists()
    assert httpserver.log == []  # basic auth fails before any certificate is fetched


def test_a_tampered_notification_is_refused_and_changes_nothing(client, signer, sent):
    before = _state(sent)
    envelope = signer.sign(load("ses_bounce_permanent"))
    envelope["Message"] = envelope["Message"].replace("Permanent", "Permanent ")  # signed text changed

    response = post(client, envelope, auth=AUTH)

    assert response.status_code == 400
    assert _state(sent) == before


def test_a_notification_signed_by_another_key_is_refused(client, signer, sent):
    before = _state(sent)

    response = post(client, signer.sign(load("ses_bounce_permanent"), key=other_key()), auth=AUTH)

    assert response.status_code == 400
    assert _state(sent) == before


@pytest.mark.parametrize("signature", ["", "not base64!", "AAAA"])
def test_a_missing_or_garbled_signature_is_refused(client, signer, sent, signature):
    envelope = signer.sign(load("ses_bounce_permanent"))
    envelope["Signature"] = signature

    assert post(client, envelope, auth=AUTH).status_code == 400
    assert not Suppression.objects.exists()


def test_an_unknown_signature_version_is_refused(client, signer, sent):
    envelope = signer.sign(load("ses_bounce_permanent"))
    envelope["SignatureVersion"] = "3"

    assert post(client, envelope, auth=AUTH).status_code == 400
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_hard_bounce_marks_the_message_and_the_address(client, signer, sent, version):
    response = post(client, signer.sign(load("ses_bounce_permanent"), version=version), auth=AUTH)

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.BOUNCED
    assert "550 5.1.1 user unknown" in sent.detail
    suppression = suppression_for(channel=Channel.EMAIL, address="  Jordan.Guest@EXAMPLE.com ")
    assert suppression is not None
    assert suppression.reason == Suppression.Reason.BOUNCE
    assert "Permanent: General" in suppression.detail


def test_after_a_hard_bounce_a_later_guest_email_is_skipped(client, signer, sent):
    assert post(client, signer.sign(load("ses_bounce_permanent")), auth=AUTH).status_code == 200
    booking = sent.booking
    resend = Message.objects.create(
        booking=booking,
        kind=Message.Kind.CONFIRMATION,
        channel=Channel.EMAIL,
        recipient=booking.guest_email,
        key=f"confirmation:{booking.pk}:email:resend:1",
    )
    effect = effect_schedule(
        kind=Effect.Kind.SEND_MESSAGE, target_id=resend.pk, booking_id=booking.pk, unique_key=resend.key
    )
    mail.outbox.clear()

    effect_run(effect_id=effect.pk)

    resend.refresh_from_db()
    assert resend.status == Message.Status.SKIPPED
    assert "undeliverable" in resend.detail
    assert mail.outbox == []


def test_a_crew_invitation_to_a_bounced_address_is_not_attempted(client, signer, tenant):
    booking = BookingFactory(tenant=tenant)
    member = CrewMemberFactory(name="Maya Captain", email="maya.captain@example.com", tenants=[tenant])
    assignment = assign(booking, member, "captain", "50.00", "3")
    envelope = load("ses_bounce_permanent", recipient="Maya.Captain@example.com")
    assert post(client, signer.sign(envelope), auth=AUTH).status_code == 200
    effect = Effect.objects.create(
        kind=Effect.Kind.SEND_INVITATION, target_id=assignment.pk, booking_id=booking.pk, reason="test"
    )
    mail.outbox.clear()

    effect_run(effect_id=effect.pk)

    effect.refresh_from_db()
    assert effect.status == Effect.Status.FAILED
    assert "maya.captain@example.com: address undeliverable: bounced on 1 Dec 2026" in effect.last_error
    assert mail.outbox == []


def test_a_crew_invitation_to_a_good_address_still_goes(tenant):
    booking = BookingFactory(tenant=tenant)
    member = CrewMemberFactory(email="sam.deck@example.com", tenants=[tenant])
    assignment = assign(booking, member, "deckhand", "25.00", "5")
    Suppression.objects.create(channel=Channel.EMAIL, address="other@example.com", reason="bounce")
    effect = Effect.objects.create(kind=Effect.Kind.SEND_INVITATION, target_id=assignment.pk, booking_id=booking.pk)
    mail.outbox.clear()

    effect_run(effect_id=effect.pk)

    effect.refresh_from_db()
    assert effect.status == Effect.Status.SENT
    assert [m.to for m in mail.outbox] == [["sam.deck@example.com"]]


def test_a_complaint_suppresses_the_address(client, signer, sent):
    assert post(client, signer.sign(load("ses_delivery")), auth=AUTH).status_code == 200

    assert post(client, signer.sign(load("ses_complaint")), auth=AUTH).status_code == 200

    sent.refresh_from_db()
    assert sent.status == Message.Status.COMPLAINED
    suppression = suppression_for(channel=Channel.EMAIL, address=sent.recipient)
    assert suppression.reason == Suppression.Reason.COMPLAINT
    assert "abuse" in suppression.detail


def test_a_transient_bounce_does_not_suppress(client, signer, sent):
    assert post(client, signer.sign(load("ses_bounce_transient")), auth=AUTH).status_code == 200

    sent.refresh_from_db()
    assert sent.status == Message.Status.SENT
    assert sent.detail.startswith("Soft bounce: Transient: MailboxFull")
    assert suppression_for(channel=Channel.EMAIL, address=sent.recipient) is None


def test_a_delivery_marks_the_message_delivered(client, signer, sent):
    assert post(client, signer.sign(load("ses_delivery")), auth=AUTH).status_code == 200

    sent.refresh_from_db()
    assert sent.status == Message.Status.DELIVERED
    assert sent.delivered_at == datetime(2026, 12, 1, 16, 2, 14, 207000, tzinfo=UTC)  # SNS's timestamp
    assert not Suppression.objects.exists()


def test_the_same_notification_twice_changes_nothing_more(client, signer, sent):
    envelope = signer.sign(load("ses_bounce_permanent"))
    assert post(client, envelope, auth=AUTH).status_code == 200
    after_first = _state(sent)

    assert post(client, envelope, auth=AUTH).status_code == 200

    assert _state(sent) == after_first
    assert Suppression.objects.filter(address="jordan.guest@example.com").count() == 1


def test_a_late_delivery_does_not_hide_a_bounce(client, signer, sent):
    assert post(client, signer.sign(load("ses_bounce_permanent")), auth=AUTH).status_code == 200

    assert post(client, signer.sign(load("ses_delivery")), auth=AUTH).status_code == 200

    sent.refresh_from_db()
    assert sent.status == Message.Status.BOUNCED
    assert sent.delivered_at is None


def test_the_certificate_is_fetched_once_per_url(client, signer, sent, httpserver):
    post(client, signer.sign(load("ses_delivery")), auth=AUTH)
    post(client, signer.sign(load("ses_bounce_transient")), auth=AUTH)

    assert [request.path for request, _response in httpserver.log] == [CERT_PATH]


def test_a_certificate_on_a_foreign_host_is_refused_without_fetching(client, webhook_settings, sent, httpserver):
    # The local server holds a valid certificate, but the default setting trusts only Amazon's hosts.
    httpserver.expect_request(CERT_PATH).respond_with_data(b"never asked for")

    for url in (httpserver.url_for(CERT_PATH), "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem"):
        response = post(client, Signer(cert_url=url).sign(load("ses_bounce_permanent")), auth=AUTH)
        assert response.status_code == 400

    assert httpserver.log == []
    assert _state(sent)[0] == Message.Status.SENT and not Suppression.objects.exists()


def test_a_plain_http_certificate_url_is_refused_unless_allowed(client, signer, sent, webhook_settings, httpserver):
    webhook_settings.AWS_SNS_CERT_ALLOW_HTTP = False

    response = post(client, signer.sign(load("ses_bounce_permanent")), auth=AUTH)

    assert response.status_code == 400
    assert httpserver.log == []
    assert not Suppression.objects.exists()


def test_an_oversized_certificate_is_refused(client, signer, sent, httpserver):
    httpserver.clear_all_handlers()
    httpserver.expect_request(CERT_PATH).respond_with_data(b"-" * (70 * 1024))

    assert post(client, signer.sign(load("ses_bounce_permanent")), auth=AUTH).status_code == 400
    assert not Suppression.objects.exists()


def test_when_the_certificate_server_fails_sns_is_asked_to_retry(client, signer, sent, httpserver):
    httpserver.clear_all_handlers()
    httpserver.expect_request(CERT_PATH).respond_with_data("busy", status=503)

    response = post(client, signer.sign(load("ses_bounce_permanent")), auth=AUTH)

    assert response.status_code == 503
    assert not Suppression.objects.exists()


@pytest.fixture
def confirm_calls(monkeypatch):
    """What the view asks of SNS: anymail confirms a subscription through a boto3 client."""
    calls = []

    class FakeSns:
        def confirm_subscription(self, **kwargs):
            calls.append(kwargs)

        def close(self):
            pass

    monkeypatch.setattr(SesTrackingWebhookView, "get_boto_client", lambda self, service, **kw: FakeSns())
    return calls


def test_a_signed_subscription_confirmation_is_confirmed(client, signer, confirm_calls):
    envelope = signer.sign(load("sns_subscription_confirmation"))

    assert post(client, envelope, auth=AUTH).status_code == 200

    assert confirm_calls == [
        {"TopicArn": envelope["TopicArn"], "Token": envelope["Token"], "AuthenticateOnUnsubscribe": "true"}
    ]


@pytest.mark.parametrize("field", ["Token", "SubscribeURL", "TopicArn"])
def test_a_forged_subscription_confirmation_is_not_confirmed(client, signer, confirm_calls, field):
    envelope = signer.sign(load("sns_subscription_confirmation"))
    envelope[field] += "x"

    assert post(client, envelope, auth=AUTH).status_code == 400

    assert confirm_calls == []


def test_an_unsigned_subscription_confirmation_is_not_confirmed(client, webhook_settings, confirm_calls):
    envelope = load("sns_subscription_confirmation")  # Amazon's placeholder signature, Amazon's cert URL

    response = post(
        client, envelope, auth=AUTH, body=json.dumps({**envelope, "SigningCertURL": "https://x.test/a.pem"})
    )

    assert response.status_code == 400
    assert confirm_calls == []
