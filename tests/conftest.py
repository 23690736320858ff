from __future__ import annotations

import pytest

from tests.aws import aws, aws_credentials, invalidations  # noqa: F401 - moto fixtures for every folder
from tests.factories import BookingFactory, CrewMemberFactory, TenantFactory, assign


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a file, so a Celery worker subprocess can open the same test database."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHARTEROPS_BASE_URL = "https://ops.example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from outbox import services

    services.broker_reset()


@pytest.fixture
def tenant(db):
    return TenantFactory(name="Queen of San Diego", slug="queen", guest_domain="queenofsandiego.com")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(
        name="Key West Sunsets", slug="keywest", guest_domain="keywestsunsets.example", timezone="America/New_York"
    )


@pytest.fixture
def worked_example(tenant):
    """The booking of the brief: net to owner 289.41."""
    booking = BookingFactory(tenant=tenant)
    captain = CrewMemberFactory(name="Maya Captain", tenants=[tenant])
    deck1 = CrewMemberFactory(name="Sam Deck", tenants=[tenant])
    deck2 = CrewMemberFactory(name="Lee Deck", tenants=[tenant])
    assign(booking, captain, "captain", "50.00", "3")
    assign(booking, deck1, "deckhand", "25.00", "5")
    assign(booking, deck2, "deckhand", "25.00", "5")
    return booking
