"""Send every guest message that is due now: reminders, thank-yous, photos. Beat runs it every 5 minutes."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from messaging.models import Message
from messaging.services import due_messages_send
from messaging.services.rules import local_label


def describe(message: Message) -> str:
    booking = message.booking
    line = (
        f"{message.get_kind_display()} by {message.get_channel_display().lower()} to {message.recipient}"
        f" for booking #{booking.pk} ({booking.guest_name}, {local_label(booking.start, booking)})"
    )
    if message.scheduled_for is not None and message.status != Message.Status.SKIPPED:
        line += f", due at {local_label(message.scheduled_for, booking)}"
    return line


class Command(BaseCommand):
    help = "Schedule every reminder, thank-you and photos email that is due; record missed reminders as skipped."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what is due; write and send nothing.")

    def handle(self, *args, dry_run: bool, **options):
        result = due_messages_send(dry_run=dry_run)
        verb = "Would send" if dry_run else "Scheduled"
        for message in result.scheduled:
            self.stdout.write(f"{verb}: {describe(message)}")
        for message in result.skipped:
            self.stdout.write(self.style.WARNING(f"Skipped: {describe(message)}: {message.detail}"))
        summary = (
            f"{len(result.scheduled)} message(s) {'due' if dry_run else 'scheduled'}, {len(result.skipped)} skipped"
        )
        self.stdout.write(self.style.SUCCESS(summary + (" (dry run: nothing written)." if dry_run else ".")))
