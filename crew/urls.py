from django.urls import path

from crew import views

app_name = "crew"

urlpatterns = [
    path("", views.home, name="home"),
    path("earlier/", views.earlier, name="earlier"),
    path("link/<str:token>/", views.link, name="link"),
    path("new-link/", views.new_link, name="new_link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("events/<int:event_id>/", views.event, name="event"),
    path("events/<int:event_id>/accept/", views.accept, name="accept"),
    path("events/<int:event_id>/decline/", views.decline, name="decline"),
    path("events/<int:event_id>/checklist/<int:item_id>/", views.checklist, name="checklist"),
    path("events/<int:event_id>/trip/", views.trip, name="trip"),
    path("time-off/", views.time_off, name="time_off"),
    path("time-off/<int:time_off_id>/delete/", views.time_off_delete, name="time_off_delete"),
    path("calendar/<str:token>.ics", views.calendar, name="calendar"),
]
