from django.apps import AppConfig


class GuestpagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "guestpages"
    verbose_name = "Guest pages"

    def ready(self) -> None:
        from crew.checkin import passenger_names_provider_register
        from guestpages import signals  # noqa: F401
        from guestpages.crew_checkin import listed_passengers

        # Crew is below guest pages: the captain's check-in reads the passenger list through this hook.
        passenger_names_provider_register(listed_passengers)
