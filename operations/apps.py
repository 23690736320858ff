from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The operator's day: what needs attention now (more of the day comes here)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "operations"
    verbose_name = "Operator's day"
