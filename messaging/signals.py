"""Thin adapters: the apps below say what happened; messaging schedules the messages it calls for."""

from __future__ import annotations

from anymail.signals import tracking
from django.dispatch import receiver

from bookings.models import Booking
from bookings.signals import booking_saved
from crew.models import Assignment
from crew.signals_out import invitation_scheduled
from guestpages.models import GuestPage
from guestpages.signals_out import guest_page_published
from messaging.services import (
    booking_notices_schedule,
    confirmation_schedule,
    crew_invitation_sms_schedule,
    tracking_event_record,
)


@receiver(booking_saved, sender=Booking, dispatch_uid="messaging_notices_on_booking_saved")
def notices_on_booking_saved(sender, booking: Booking, created: bool, change=None, **kwargs) -> None:
    booking_notices_schedule(booking=booking, change=change)


@receiver(guest_page_published, sender=GuestPage, dispatch_uid="messaging_confirmation_on_page_published")
def confirmation_on_page_published(sender, booking_id: int, **kwargs) -> None:
    confirmation_schedule(booking_id=booking_id)


@receiver(invitation_scheduled, sender=Assignment, dispatch_uid="messaging_crew_invitation_text")
def text_on_invitation_scheduled(sender, assignment: Assignment, reason: str, effect_id: int, **kwargs) -> None:
    crew_invitation_sms_schedule(assignment=assignment, reason=reason, email_effect_id=effect_id)


@receiver(tracking, dispatch_uid="messaging_delivery_tracking")
def delivery_tracking(sender, event, esp_name: str, **kwargs) -> None:
    tracking_event_record(event=event, esp_name=esp_name)
