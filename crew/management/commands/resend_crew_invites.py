"""Send crew invitations again through crew_invite_resend (after a mail outage, or for one event)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bookings.management.commands._helpers import date_or_datetime, each, progress
from bookings.models import Booking
from charterops.audit import acting_as
from crew.models import Assignment, CrewEvent
from crew.services import crew_invite_resend
from outbox.models import Effect


class Command(BaseCommand):
    help = (
        "Re-send crew invitations. --event ID: everyone on that event who has not declined. "
        "--since DATE: everyone invited on or after DATE who has not answered yet. "
        "Past and cancelled charters are skipped; an invitation already waiting to be sent is not doubled."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--event", type=int, help="Crew event id.")
        which.add_argument(
            "--since", type=date_or_datetime, help="Assignments created on or after DATE (UTC midnight)."
        )
        parser.add_argument("--revoke", action="store_true", help="Also make every earlier link stop working.")
        parser.add_argument("--dry-run", action="store_true", help="List who would get an email; send nothing.")

    def handle(self, *args, event: int | None, since, revoke: bool, dry_run: bool, **options):
        assignments = (
            Assignment.objects.select_related("event__booking", "crew_member")
            .exclude(status=Assignment.Status.DECLINED)
            .exclude(event__booking__status=Booking.Status.CANCELLED)
            .filter(event__booking__end__gte=timezone.now())
        )
        if event is not None:
            if not CrewEvent.objects.filter(pk=event).exists():
                raise CommandError(f"No crew event with id {event}.")
            assignments = assignments.filter(event_id=event)
        else:
            assignments = assignments.filter(created_at__gte=since, status=Assignment.Status.INVITED)
        total = assignments.count()
        waiting = 0
        scheduled = 0
        with acting_as("command:resend_crew_invites"):
            for assignment in progress(each(assignments), stdout=self.stdout, total=total, desc="invites", unit="crew"):
                already = Effect.objects.filter(
                    kind=Effect.Kind.SEND_INVITATION, target_id=assignment.pk, status=Effect.Status.QUEUED, attempts=0
                ).exists()
                if already and not revoke:
                    waiting += 1  # the queued one will send the current state
                    continue
                if dry_run:
                    self.stdout.write(f"would re-send to {assignment.crew_member.email} (assignment {assignment.pk})")
                else:
                    crew_invite_resend(assignment=assignment, revoke=revoke, reason="re-sent by command")
                scheduled += 1
        prefix = "Dry run: would re-send " if dry_run else "Re-sending "
        self.stdout.write(f"{prefix}{scheduled} invitation(s); {waiting} already waiting to be sent; {total} matched.")
