from django.apps import AppConfig


class MarketplacesConfig(AppConfig):
    """Marketplace calendars in step: each boat's feeds imported as holds, and its own feed exported."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "marketplaces"
    verbose_name = "Marketplaces"
