"""Signals other apps listen to, so the charter core never imports the apps built on it."""

from django.dispatch import Signal

# Sent by ``booking_save`` inside its transaction, after the booking, its calendar entry and
# its crew event are saved. Receivers schedule work (outbox rows); they never send anything.
# Arguments: booking, created, change (a bookings.services.BookingChange: what moved, whether the
# status changed).
booking_saved = Signal()
