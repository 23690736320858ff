from django.apps import AppConfig


class OutboxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outbox"
    verbose_name = "Side effects"

    def ready(self) -> None:
        from outbox import signals  # noqa: F401
