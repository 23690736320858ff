from django.apps import AppConfig


class GuestpagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "guestpages"
