from django.urls import re_path

from guestpages import views

app_name = "guestpages"

urlpatterns = [
    re_path(r"^(?P<rest>.*)$", views.serve_local, name="serve"),
]
