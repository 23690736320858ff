from django.urls import path

from api import health, views

app_name = "api"

urlpatterns = [
    path("health", health.health, name="health"),
    path("openapi.json", views.openapi, name="openapi"),
    path("calendar/entries", views.calendar_entries, name="calendar-entries"),
    path("events", views.events, name="events"),
]
