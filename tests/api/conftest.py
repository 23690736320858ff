from __future__ import annotations

import secrets

import bcrypt
import pytest
from django.core.cache import cache
from django.test import Client

from api import auth
from api.secrets import secrets_reset
from crew.models import CrewEvent
from tests.factories import BookingFactory, CrewMemberFactory, role


@pytest.fixture(autouse=True)
def _fresh_api_state(settings):
    """Each test starts with no remembered keys, no failed-attempt counters and env secrets."""
    settings.CHARTEROPS_SECRETS_ID = ""
    settings.DASHBOARD_TOKEN = ""
    settings.SERVICE_KEY_HASH = ""
    settings.SERVICE_KEY_HASH_PREVIOUS = ""
    settings.SERVICE_KEY_PREVIOUS_EXPIRES_AT = ""
    cache.clear()
    auth.verified_cache_clear()
    secrets_reset()
    yield
    auth.verified_cache_clear()
    secrets_reset()


def make_key() -> tuple[str, str]:
    """A service key and its bcrypt hash at a low cost (the cost is not what these tests measure)."""
    key = secrets.token_urlsafe(32)
    return key, bcrypt.hashpw(key.encode(), bcrypt.gensalt(rounds=4)).decode()


@pytest.fixture
def service_key(settings) -> str:
    key, hashed = make_key()
    settings.SERVICE_KEY_HASH = hashed
    return key


@pytest.fixture
def dashboard_token(settings) -> str:
    settings.DASHBOARD_TOKEN = secrets.token_urlsafe(32)
    return settings.DASHBOARD_TOKEN


@pytest.fixture
def api() -> Client:
    """A client that enforces CSRF like a real browser-less caller would meet it."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def booking(tenant):
    return BookingFactory(tenant=tenant, party_size=4)


@pytest.fixture
def crew(tenant):
    role("captain")
    role("deckhand")
    return [
        CrewMemberFactory(name="Maya Captain", email="maya@example.com", tenants=[tenant]),
        CrewMemberFactory(name="Sam Deck", email="sam@example.com", tenants=[tenant]),
        CrewMemberFactory(name="Lee Deck", email="lee@example.com", tenants=[tenant]),
    ]


def event_of(booking) -> CrewEvent:
    return CrewEvent.objects.get(booking=booking)
