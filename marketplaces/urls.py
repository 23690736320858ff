"""Public feeds: each boat's export calendar (``/feeds/boats/<token>.ics``)."""

from django.urls import path

from marketplaces import views

app_name = "marketplaces"

urlpatterns = [
    path("boats/<str:token>.ics", views.boat_export, name="boat_export"),
]
