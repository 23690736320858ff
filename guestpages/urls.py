from django.urls import re_path

from guestpages import views

app_name = "guestpages"

urlpatterns = [
    # Before the catch-all: any single segment, so a malformed slug gets the endpoint's JSON 404.
    re_path(r"^(?P<slug>[^/]+)/uploads$", views.upload_grant, name="upload_grant"),
    re_path(r"^(?P<slug>[^/]+)/passengers$", views.passengers, name="passengers"),
    re_path(r"^(?P<rest>.*)$", views.serve_local, name="serve"),
]
