"""The outbox: recorded with the change, enqueued after commit, never lost, never doubled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from bookings.models import Booking
from bookings.services import booking_save
from outbox import services
from outbox.errors import PermanentError, is_transient
from outbox.models import Effect
from outbox.tasks import run_effect
from tests.bookings.test_admin import booking_form_data
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_effect, "apply_async", refuse)
    return calls


def test_effects_are_written_in_the_same_transaction_as_the_change(tenant):
    with pytest.raises(RuntimeError), transaction.atomic():
        BookingFactory(tenant=tenant)
        assert Effect.objects.count() == 1
        raise RuntimeError("rolled back")
    assert Effect.objects.count() == 0 and Booking.objects.count() == 0


def test_effects_are_enqueued_only_after_commit(tenant, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(run_effect, "apply_async", lambda args, countdown=None: sent.append(args[0]))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking = BookingFactory(tenant=tenant)
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [Effect.objects.get(booking=booking).pk]
    assert Effect.objects.get(booking=booking).enqueued_at is not None


def test_several_saves_before_a_worker_starts_share_one_publish(tenant):
    booking = BookingFactory(tenant=tenant)
    for note in ("one", "two", "three"):
        booking.guest_notes = note
        booking_save(booking=booking)
    assert Effect.objects.filter(booking=booking, kind=Effect.Kind.PUBLISH_GUEST_PAGE).count() == 1


def test_broker_down_the_save_succeeds_and_the_relay_finishes_later(
    tenant, broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        a = BookingFactory(tenant=tenant)
    with django_capture_on_commit_callbacks(execute=True):
        b = BookingFactory(tenant=tenant)
    # The second save did not wait for the broker again: one refused attempt per outage window.
    assert len(broker_down) == 1
    assert set(Effect.objects.values_list("status", "enqueued_at")) == {("queued", None)}
    monkeypatch.undo()  # the broker is back; in-process mode runs what it is given
    call_command("drain_outbox")
    publishes = Effect.objects.filter(booking__in=[a, b], kind=Effect.Kind.PUBLISH_GUEST_PAGE)
    assert list(publishes.values_list("status", flat=True)) == ["sent", "sent"]
    # Each published page scheduled the guest's confirmation (email and text); the next relay round sends them.
    call_command("drain_outbox")
    messages = Effect.objects.filter(booking__in=[a, b], kind=Effect.Kind.SEND_MESSAGE)
    assert list(messages.values_list("status", flat=True)) == ["sent"] * 4


def test_drain_outbox_fails_loudly_while_the_broker_is_down(tenant, broker_down):
    BookingFactory(tenant=tenant)
    with pytest.raises(CommandError, match="Nothing was lost"):
        call_command("drain_outbox")
    assert Effect.objects.get().status == Effect.Status.QUEUED


def test_admin_save_with_the_broker_down_is_not_a_500(
    admin_client, tenant, broker_down, django_capture_on_commit_callbacks
):
    booking = BookingFactory(tenant=tenant)
    data = booking_form_data(booking, guest_notes="new notes")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/bookings/booking/{booking.pk}/change/", data)
    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).guest_notes == "new notes"
    assert Effect.objects.get(booking=booking).status == Effect.Status.QUEUED


def test_a_running_effect_is_not_run_again_while_its_lease_holds(tenant, monkeypatch):
    booking = BookingFactory(tenant=tenant)
    effect = Effect.objects.get(booking=booking)
    Effect.objects.filter(pk=effect.pk).update(
        status=Effect.Status.RUNNING, claimed_until=timezone.now() + timedelta(minutes=5), attempts=1
    )
    assert services.effect_run(effect_id=effect.pk) == (services.RunOutcome.SKIPPED, None)
    # The worker died: after the lease the relay hands it out again and it completes.
    Effect.objects.filter(pk=effect.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert list(services.pending_for_relay().values_list("pk", flat=True)) == [effect.pk]
    assert services.effect_run(effect_id=effect.pk)[0] == services.RunOutcome.DONE
    effect.refresh_from_db()
    assert effect.attempts == 2 and effect.status == Effect.Status.SENT


def test_transient_errors_back_off_then_fail_after_the_last_attempt(tenant, settings, monkeypatch):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    booking = BookingFactory(tenant=tenant)
    effect = Effect.objects.get(booking=booking)
    monkeypatch.setitem(services.HANDLERS, Effect.Kind.PUBLISH_GUEST_PAGE, "tests.outbox.test_outbox.flaky_handler")
    for attempt in (1, 2):
        outcome, countdown = services.effect_run(effect_id=effect.pk)
        effect.refresh_from_db()
        assert outcome == "retry" and effect.status == "queued" and effect.attempts == attempt
        assert effect.next_attempt_at > timezone.now()
        # An early duplicate delivery does not jump the backoff.
        assert services.effect_run(effect_id=effect.pk)[0] == "skipped"
        Effect.objects.filter(pk=effect.pk).update(next_attempt_at=timezone.now())
    assert services.effect_run(effect_id=effect.pk)[0] == "failed"
    effect.refresh_from_db()
    assert effect.status == "failed" and "Could not connect" in effect.last_error


def flaky_handler(effect):
    raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")


def test_backoff_grows_with_jitter_and_stays_below_the_visibility_timeout(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 5
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 1800
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT = 600
    draws = {n: [services.backoff_seconds(n) for _ in range(200)] for n in (1, 2, 3, 10)}
    assert all(2.5 <= d <= 5 for d in draws[1]) and all(5 <= d <= 10 for d in draws[2])
    assert all(d <= 300 for d in draws[10])  # half the visibility timeout
    assert len(set(draws[3])) > 100  # jitter: retries of many effects do not stampede together


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (_client_error("InternalError", 500), True),
        (_client_error("ServiceUnavailable", 503), True),
        (_client_error("Throttling", 400), True),
        (_client_error("SlowDown", 503), True),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (TimeoutError("timed out"), True),
        (EndpointConnectionError(endpoint_url="https://x"), True),
        (_client_error("NoSuchBucket", 404), False),
        (_client_error("MessageRejected", 400), False),
        (_client_error("AccessDenied", 403), False),
        (PermanentError("gone"), False),
        (ValueError("bug"), False),
    ],
)
def test_which_errors_are_retried(exc, transient):
    assert is_transient(exc) is transient


def test_wrapped_provider_errors_are_classified_by_their_cause():
    from anymail.exceptions import AnymailAPIError

    try:
        try:
            raise _client_error("Throttling", 400)
        except ClientError as inner:
            raise AnymailAPIError("SES said no") from inner
    except AnymailAPIError as outer:
        assert is_transient(outer) is True
