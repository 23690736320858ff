from django.urls import path

from crew import views

app_name = "crew"

urlpatterns = [
    path("link/<str:token>/", views.link, name="link"),
]
