"""Crew invitations through anymail's Amazon SES backend, against moto's SES."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest

from bookings.services import booking_save
from crew.models import Assignment
from crew.services import assignment_remove, crew_invite_resend
from outbox.models import Effect
from outbox.services import effect_run
from tests.aws import sent_emails
from tests.factories import BookingFactory, CrewMemberFactory, assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def ses(aws, settings):
    settings.EMAIL_BACKEND = "anymail.backends.amazon_ses.EmailBackend"
    return aws


def invitations(assignment) -> list[Effect]:
    return list(Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION, target_id=assignment.pk).order_by("id"))


GUEST = "jordan.guest@example.com"


def crew_emails() -> list:
    """What SES sent to crew; the guest also gets their confirmation (and change notices) from messaging."""
    return [m for m in sent_emails() if GUEST not in m.destinations]


def guest_emails() -> list:
    return [m for m in sent_emails() if GUEST in m.destinations]


def run_all():
    for effect in Effect.objects.filter(status=Effect.Status.QUEUED).order_by("id"):
        effect_run(effect_id=effect.pk)


def test_one_email_per_new_assignment_with_a_link_from_the_base_url(ses, tenant):
    booking = BookingFactory(tenant=tenant)
    member = CrewMemberFactory(tenants=[tenant], email="deck@example.com")
    assignment = assign(booking, member, "deckhand", "25", "5")
    [effect] = invitations(assignment)
    assert effect_run(effect_id=effect.pk)[0] == "done"
    assert effect_run(effect_id=effect.pk)[0] == "skipped"  # delivered twice by the broker: one email
    [message] = sent_emails()
    assert set(message.destinations) == {"deck@example.com"}
    parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
    assert parsed["From"] == f"{tenant.name} <{tenant.sender_email}>"
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "https://ops.example.com/crew/link/" in text and "https://ops.example.com/crew/link/" in html
    effect.refresh_from_db()
    assert effect.status == Effect.Status.SENT and effect.provider_message_id


def test_unverified_sender_fails_for_good_with_the_error(ses, tenant):
    tenant.sender_email = "nobody@unverified.example"
    tenant.save()
    booking = BookingFactory(tenant=tenant)
    assignment = assign(booking, CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "5")
    [effect] = invitations(assignment)
    assert effect_run(effect_id=effect.pk)[0] == "failed"
    effect.refresh_from_db()
    assert effect.status == Effect.Status.FAILED
    assert "MessageRejected" in effect.last_error
    assert sent_emails() == []


def test_editing_money_sends_nothing_but_moving_the_charter_resends(ses, tenant):
    booking = BookingFactory(tenant=tenant)
    assignment = assign(booking, CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "5")
    run_all()
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.ACCEPTED)
    booking.gross_amount += 10
    booking_save(booking=booking)
    run_all()
    assert len(crew_emails()) == 1
    booking.start += timedelta(hours=1)
    booking.end += timedelta(hours=1)
    booking_save(booking=booking)
    run_all()
    assert len(crew_emails()) == 2
    assert len(guest_emails()) == 2  # the confirmation, then the change notice (not one for the money edit)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.INVITED  # asked to accept again
    assert invitations(assignment)[-1].reason == "time, boat or meeting point changed"


def test_staff_resend_sends_again_and_revoke_changes_the_link(ses, tenant):
    booking = BookingFactory(tenant=tenant)
    assignment = assign(booking, CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "5")
    run_all()
    crew_invite_resend(assignment=assignment, revoke=True)
    run_all()
    first, second = crew_emails()
    assert link_of(first) != link_of(second)


def link_of(message) -> str:
    text = email.message_from_string(message.raw_data, policy=email.policy.default).get_body(("plain",)).get_content()
    return text.split("https://ops.example.com/crew/link/", 1)[1].split("/", 1)[0]


def test_removed_crew_member_gets_no_email(ses, tenant):
    booking = BookingFactory(tenant=tenant)
    assignment = assign(booking, CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "5")
    [effect] = invitations(assignment)
    assignment_remove(assignment=assignment)
    assert effect_run(effect_id=effect.pk)[0] == "failed"
    effect.refresh_from_db()
    assert "no longer exists" in effect.last_error
    assert sent_emails() == []
