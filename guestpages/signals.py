from django.dispatch import receiver

from bookings.models import Booking
from bookings.signals import booking_saved
from guestpages.services import guest_page_schedule_publish


@receiver(booking_saved, sender=Booking, dispatch_uid="guestpages_publish_on_booking_saved")
def publish_on_booking_saved(sender, booking: Booking, created: bool, **kwargs) -> None:
    guest_page_schedule_publish(booking=booking, reason="booking created" if created else "booking changed")
