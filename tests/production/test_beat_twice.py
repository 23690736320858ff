"""Two beats by mistake: each scheduled task runs twice at once, on two database connections, with one effect.

The relay only hands effects to the broker; running one claims its row first (SELECT ... FOR UPDATE
on PostgreSQL, the write lock on SQLite), so a second delivery is skipped. Credential expiry creates
its notice rows under a unique constraint in the same transaction as the email's outbox row, so the
second scheduler adds nothing. (The idempotency purge is a DELETE of old rows; the marketplace feed
sync is its own helper's to prove.) Tasks run in-process here, as with no broker; tests/integration
runs them through a real worker.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone

from crew.models import Credential, CredentialExpiryNotice, CredentialKind
from crew.tasks import notify_expiring_credentials
from outbox import services
from outbox.models import Effect
from outbox.tasks import relay
from tests.factories import BookingFactory, CrewMemberFactory, assign, staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def twice_at_once(task) -> list:
    """Run ``task`` in two threads released together; what each returned (or raised)."""
    gate = threading.Barrier(2)
    results: list = [None, None]

    def run(i: int) -> None:
        try:
            gate.wait(timeout=30)
            results[i] = task()
        except Exception as exc:  # noqa: BLE001 - the test looks at what each run got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_relays_at_once_send_one_invitation(tenant, monkeypatch):
    # The broker was down when the booking was saved: the invitation waits in the outbox for the relay.
    monkeypatch.setattr(services, "_broker_down_until", float("inf"))
    assignment = assign(BookingFactory(tenant=tenant), CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "5")
    invitation = Effect.objects.get(kind=Effect.Kind.SEND_INVITATION, target_id=assignment.pk)
    assert invitation.status == Effect.Status.QUEUED and mail.outbox == []

    results = twice_at_once(relay)

    assert not any(isinstance(r, Exception) for r in results), results
    invitation.refresh_from_db()
    assert invitation.status == Effect.Status.SENT
    assert invitation.attempts == 1
    assert [m.to for m in mail.outbox if "/crew/link/" in m.body] == [[assignment.crew_member.email]]


def test_two_credential_expiry_runs_at_once_email_the_staff_once(tenant):
    staff_user(tenant, username="queen-office")
    maya = CrewMemberFactory(name="Maya Captain", tenants=[tenant])
    held = Credential.objects.create(
        crew_member=maya,
        # get_or_create: a transactional test flushes what the migration seeded.
        kind=CredentialKind.objects.get_or_create(slug="uscg-license", defaults={"name": "USCG license"})[0],
        expires_on=timezone.localdate() + timedelta(days=50),
    )

    results = twice_at_once(notify_expiring_credentials)

    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(results) == [0, 1]  # one run told staff, the other found it done
    assert CredentialExpiryNotice.objects.filter(credential=held).count() == 1
    assert Effect.objects.filter(kind=Effect.Kind.NOTIFY_CREDENTIAL_EXPIRY).count() == 1
    assert [m.to for m in mail.outbox if " expires on " in m.subject] == [["queen-office@example.com"]]
