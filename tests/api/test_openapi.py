"""The endpoints answer as /api/openapi.json says, for generated requests (schemathesis).

Derandomized, so CI sees the same requests on every run; odd text and times beyond what schemathesis
generates (lone surrogates, the calendar's edges, forged cursors, the guest upload endpoint) are in
test_odd_input_properties.py.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from charterops.wsgi import application
from crew.models import CrewMember
from tests.api.conftest import make_key
from tests.factories import BookingFactory, CrewMemberFactory, TenantFactory, role

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

KEY, KEY_HASH = make_key()


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: the WSGI app must not close the test transaction's connection."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(db, settings, keep_test_connection):
    settings.DASHBOARD_TOKEN = "schema-token"
    settings.SERVICE_KEY_HASH = KEY_HASH
    tenant = TenantFactory(slug="queen")
    role("captain")
    CrewMemberFactory(tenants=[tenant])
    BookingFactory(tenant=tenant, external_reference="BS-1234567")
    return {"X-Dashboard-Token": "schema-token", "Authorization": f"Bearer {KEY}"}


def test_the_document_describes_every_endpoint():
    raw = schema.raw_schema
    assert raw["openapi"].startswith("3.0")
    assert {"/api/health", "/api/calendar/entries", "/api/events"} <= set(raw["paths"])
    assert set(raw["components"]["securitySchemes"]) == {"dashboardToken", "serviceKey"}


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case, world):
    case.call_and_validate(headers=world, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_without_credentials_nothing_is_a_server_error(case, db, keep_test_connection):
    response = case.call()
    case.validate_response(response, checks=CHECKS)
    if case.operation.path != "/api/health":
        assert response.status_code in (401, 405, 429)  # 429: generated wrong credentials add up


def test_successful_responses_conform(world):
    """Generated bodies mostly earn a 400; these known-good ones prove the 2xx shapes."""
    good = [
        (
            "/api/calendar/entries",
            "POST",
            {
                "tenant": "queen",
                "title": "Haul-out",
                "start": "2026-03-02T08:00:00-08:00",
                "end": "2026-03-02T17:00:00-08:00",
            },
            201,
        ),
        ("/api/calendar/entries", "GET", None, 200),
        (
            "/api/events",
            "POST",
            {
                "source": "boatsetter",
                "external_reference": "BS-1234567",
                "tenant": "queen",
                "assignments": [
                    {"crew_member_email": CrewMember.objects.get().email, "role": "captain", "paid_hours": "3"}
                ],
            },
            200,
        ),
        ("/api/health", "GET", None, 200),
    ]
    for path, method, body, status in good:
        operation = schema[path][method]
        case = operation.Case(body=body, media_type="application/json") if body else operation.Case()
        response = case.call_and_validate(headers=world | {"Idempotency-Key": f"conform-{path}"}, checks=CHECKS)
        assert response.status_code == status, response.text
