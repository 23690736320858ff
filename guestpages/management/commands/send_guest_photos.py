"""Email a booking's guest photos to the guest as one zip, after the charter."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bookings.models import Booking
from guestpages.photos import PhotosNotSent, guest_photos_send


class Command(BaseCommand):
    help = "Zip the photos guests uploaded for a booking and email them to the guest (after the charter)."

    def add_arguments(self, parser):
        parser.add_argument("booking_id", type=int, help="Id of the booking (shown in the admin URL).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be sent; send nothing.")

    def handle(self, *args, booking_id: int, dry_run: bool, **options):
        booking = Booking.objects.select_related("tenant", "boat").filter(pk=booking_id).first()
        if booking is None:
            raise CommandError(f"No booking with id {booking_id}.")
        try:
            result = guest_photos_send(booking=booking, dry_run=dry_run)
        except PhotosNotSent as exc:
            raise CommandError(str(exc)) from exc
        if result.sent:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Sent {result.photo_count} photo(s) ({result.zip_bytes} bytes zipped) to {result.recipient}."
                )
            )
        elif dry_run and result.photo_count:
            self.stdout.write(
                f"Dry run: would email {result.photo_count} photo(s), {result.zip_bytes} bytes, to {result.recipient}."
            )
        else:
            self.stdout.write(self.style.WARNING(f"Skipped: {result.skipped_reason}."))
