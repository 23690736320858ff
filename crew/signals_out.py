"""Signals crew sends, so the apps built on it (messaging) are never imported from here."""

from django.dispatch import Signal

# Sent by ``crew_invite_schedule`` inside its transaction when an assignment's invitation is
# (re)scheduled, so messaging can text it too. Receivers schedule work; they never send.
# Arguments: assignment, reason, effect_id (the invitation email's effect: one text per email).
invitation_scheduled = Signal()
