"""The operator's day inside the admin: /admin/calendar/ and /admin/day/<date>/ (staff, scoped like the admin)."""

from django.contrib import admin
from django.urls import path

from operations import views_calendar, views_day, views_staff

# Staff only, logged in through the admin, with the admin's own redirect to its login page.
staff = admin.site.admin_view

app_name = "operations"

urlpatterns = [
    path("calendar/", staff(views_calendar.calendar_page), name="calendar"),
    path("calendar/events.json", staff(views_calendar.calendar_events), name="calendar_events"),
    path("calendar/move/", staff(views_calendar.calendar_move), name="calendar_move"),
    path("day/<str:day>/", staff(views_day.day_sheet), name="day_sheet"),
    path("day/<str:day>.pdf", staff(views_day.day_sheet_pdf), name="day_sheet_pdf"),
    path("staff/add/", staff(views_staff.staff_add), name="staff_add"),
]

# The captain's copy of the day sheet (one charter, no money) lives in the crew site's URL space.
crew_urlpatterns = [
    path("events/<int:event_id>/sheet/", views_day.crew_day_sheet, name="crew_day_sheet"),
]
