"""resend_crew_invites: through crew_invite_resend, for one event or for invitations since a date."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from crew.models import Assignment
from outbox.models import Effect
from tests.factories import BookingFactory, CrewMemberFactory, assign

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("resend_crew_invites", *args, stdout=out)
    return out.getvalue()


def invites(assignment) -> int:
    return Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION, target_id=assignment.pk).count()


@pytest.fixture
def crewed(tenant):
    booking = BookingFactory(tenant=tenant, start=timezone.now() + timedelta(days=5))
    people = [assign(booking, CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "4") for _ in range(3)]
    Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION).update(status=Effect.Status.SENT, attempts=1)
    Assignment.objects.filter(pk=people[2].pk).update(status=Assignment.Status.DECLINED)
    return booking, people


def test_event_resends_to_everyone_who_has_not_declined(crewed):
    booking, (a, b, declined) = crewed
    out = run("--event", str(booking.crew_event.pk))
    assert "Re-sending 2 invitation(s)" in out
    assert (invites(a), invites(b), invites(declined)) == (2, 2, 1)
    assert "0 already waiting" in out
    again = run("--event", str(booking.crew_event.pk))
    assert "Re-sending 0 invitation(s); 2 already waiting" in again  # the queued ones are not doubled
    assert (invites(a), invites(b)) == (2, 2)


def test_revoke_bumps_every_link(crewed):
    booking, (a, _, _) = crewed
    run("--event", str(booking.crew_event.pk), "--revoke")
    a.refresh_from_db()
    assert a.link_version == 2


def test_since_resends_only_unanswered_invitations_from_then_on(crewed):
    booking, (a, b, _) = crewed
    Assignment.objects.filter(pk=b.pk).update(status=Assignment.Status.ACCEPTED)
    Assignment.objects.filter(pk=a.pk).update(created_at=timezone.now() - timedelta(days=10))
    out = run("--since", (timezone.now() - timedelta(days=20)).date().isoformat())
    assert "Re-sending 1 invitation(s)" in out
    assert (invites(a), invites(b)) == (2, 1)
    assert "Re-sending 0" in run("--since", (timezone.now() - timedelta(days=1)).date().isoformat())


def test_past_or_cancelled_charters_and_dry_run(crewed, tenant):
    booking, (a, _, _) = crewed
    out = run("--event", str(booking.crew_event.pk), "--dry-run")
    assert "would re-send to" in out and invites(a) == 1
    past = BookingFactory(tenant=tenant, start=timezone.now() - timedelta(days=5))
    assign(past, CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "4")
    assert "0 matched" in run("--event", str(past.crew_event.pk))


def test_needs_exactly_one_selector_and_a_real_event():
    with pytest.raises(CommandError):
        run()
    with pytest.raises(CommandError):
        run("--event", "1", "--since", "2026-01-01")
    with pytest.raises(CommandError, match="No crew event"):
        run("--event", "999999")
    with pytest.raises(CommandError):
        run("--since", "not-a-date")
