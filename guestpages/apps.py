from django.apps import AppConfig


class GuestpagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "guestpages"
    verbose_name = "Guest pages"

    def ready(self) -> None:
        from guestpages import signals  # noqa: F401
