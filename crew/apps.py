from django.apps import AppConfig


class CrewConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crew"
    verbose_name = "Crew"

    def ready(self) -> None:
        from crew import signals  # noqa: F401
