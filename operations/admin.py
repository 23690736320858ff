"""The booking page as staff use it: the charter core's admin plus what the apps above it add.

``bookings`` cannot import ``guestpages`` (it stands below it), so the guest photos
inline joins the booking page here, one floor up.
"""

from django.contrib import admin

from bookings.admin import BookingAdmin
from bookings.models import Booking
from guestpages.admin import PhotoUploadInline


class OperationsBookingAdmin(BookingAdmin):
    inlines = (*BookingAdmin.inlines, PhotoUploadInline)


admin.site.unregister(Booking)
admin.site.register(Booking, OperationsBookingAdmin)
