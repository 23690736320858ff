"""Signals guest pages send, so the apps built on them (messaging) are never imported from here."""

from django.dispatch import Signal

# Sent by the publish effect after the page is in the bucket and its paths are invalidated (the
# guest's link works). Receivers schedule work (outbox rows); they never send anything.
# Arguments: booking_id.
guest_page_published = Signal()
