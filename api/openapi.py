"""The OpenAPI 3.0 document of the service API, written by hand next to the views it describes."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from bookings.models import Booking, CalendarEntry

ERROR_CODES = [
    "invalid",
    "malformed_json",
    "body_too_large",
    "unsupported_media_type",
    "invalid_idempotency_key",
    "idempotency_key_reused",
    "conflict",
    "unauthorized",
    "rate_limited",
    "method_not_allowed",
    "secrets_unavailable",
]


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    descriptions = {
        400: (
            "Invalid body or parameters; `fields` names each problem (by path, e.g. `assignments[0].role`). "
            "Text no database can store (a lone surrogate such as \\ud800, or NUL) is refused wherever it is."
        ),
        401: "Missing or wrong credential.",
        405: "Method not allowed.",
        409: (
            "`conflict`: the write would double-book a boat or a crew member (or a concurrent change got there "
            "first); `conflicts` names what is in the way, with the other booking's id. Nothing was written."
        ),
        413: "The body is larger than the limit.",
        415: "The body is not application/json.",
        422: "The Idempotency-Key was used before with a different body.",
        429: "Too many wrong credentials from this address.",
        503: "Credentials cannot be checked right now.",
    }
    return {str(code): _error(descriptions[code]) for code in codes}


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retry with the same key and body to get the first response without a second change.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}
REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "Present when an Idempotency-Key was sent: true if this is the stored first response.",
        "schema": {"type": "string", "enum": ["true", "false"]},
    }
}
DATETIME = {
    "type": "string",
    "format": "date-time",
    "description": "ISO-8601 with a UTC offset; in UTC between 1900-01-01T00:00:00Z and 2200-12-31T23:59:59Z.",
}
MONEY = {"type": "string", "pattern": r"^\d{1,8}(\.\d{1,2})?$", "example": "25.00"}

_CHECK = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "fail"]},
        "detail": {"type": "string"},
        "error": {"type": "string", "description": "The kind of failure (an exception class name)."},
    },
}
HEALTH = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "fail"]},
        "checks": {
            "type": "object",
            "required": ["database", "broker", "buckets"],
            "properties": {
                "database": _CHECK,
                "broker": _CHECK,
                "buckets": {"type": "object", "description": "By brand slug.", "additionalProperties": _CHECK},
            },
        },
    },
}


def openapi_document() -> dict[str, Any]:
    """The document served at ``/api/openapi.json``."""
    max_body = settings.API_MAX_BODY_BYTES
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "charterops service API",
            "version": "1.0.0",
            "description": (
                "JSON endpoints for internal services. Errors always have the shape "
                '`{"error": {"code", "message", "fields"}}`. '
                f"Bodies larger than {max_body} bytes get 413."
            ),
        },
        "paths": {
            "/api/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Readiness check (no credential): database, broker, each brand's guest-page bucket.",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "Every check is ok.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}},
                        },
                        "503": {
                            "description": "At least one check failed; `checks` says which.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}},
                        },
                    },
                }
            },
            "/api/calendar/entries": {
                "get": {
                    "operationId": "listCalendarEntries",
                    "summary": "Calendar entries overlapping [start, end), ordered by start then id.",
                    "security": [{"dashboardToken": []}],
                    "parameters": [
                        {"name": "start", "in": "query", "schema": DATETIME},
                        {"name": "end", "in": "query", "schema": DATETIME},
                        {"name": "tenant", "in": "query", "schema": {"type": "string", "maxLength": 60}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": settings.API_PAGE_SIZE_MAX},
                        },
                        {
                            "name": "cursor",
                            "in": "query",
                            "description": "A next_cursor this API returned; anything else is a 400 on `cursor`.",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "One page; pass next_cursor as cursor for the next one.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["results", "next_cursor"],
                                        "properties": {
                                            "results": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/CalendarEntry"},
                                            },
                                            "next_cursor": {"type": "string", "nullable": True},
                                        },
                                    }
                                }
                            },
                        },
                        **_errors(400, 401, 429, 503),
                    },
                },
                "post": {
                    "operationId": "createCalendarEntry",
                    "summary": "Create a calendar entry (created_by_service is the caller).",
                    "security": [{"dashboardToken": []}],
                    "parameters": [IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/CalendarEntryCreate"}}
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Created (or the replayed first response).",
                            "headers": REPLAYED_HEADER,
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CalendarEntry"}}},
                        },
                        **_errors(400, 401, 409, 413, 415, 422, 429, 503),
                    },
                },
            },
            "/api/events": {
                "post": {
                    "operationId": "saveCrewEvent",
                    "summary": "Create or update the crew event of a booking, with its crew.",
                    "description": (
                        "Find the booking by `booking` (id) or by `source` + `external_reference` + `tenant`. "
                        "Text fields left out stay as they are. `assignments`, when given, is the whole crew: "
                        "new people are invited by email after commit, people left out are removed."
                    ),
                    "security": [{"serviceKey": []}],
                    "parameters": [IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CrewEventSave"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "Updated.",
                            "headers": REPLAYED_HEADER,
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CrewEvent"}}},
                        },
                        "201": {
                            "description": "The crew event was created.",
                            "headers": REPLAYED_HEADER,
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CrewEvent"}}},
                        },
                        **_errors(400, 401, 409, 413, 415, 422, 429, 503),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "dashboardToken": {"type": "apiKey", "in": "header", "name": "X-Dashboard-Token"},
                "serviceKey": {"type": "http", "scheme": "bearer", "description": "A service key (bcrypt-checked)."},
            },
            "schemas": {
                "Health": HEALTH,
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message", "fields"],
                            "properties": {
                                "code": {"type": "string", "enum": ERROR_CODES},
                                "message": {"type": "string"},
                                "fields": {
                                    "type": "object",
                                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                },
                                "conflicts": {
                                    "type": "array",
                                    "description": "With code conflict: each booking, block, charter, time off or "
                                    "missing credential in the way.",
                                    "items": {
                                        "type": "object",
                                        "required": ["kind", "message"],
                                        "properties": {
                                            "kind": {
                                                "type": "string",
                                                "enum": ["booking", "block", "crew", "time_off", "credential"],
                                            },
                                            "message": {"type": "string"},
                                            "booking": {"type": "integer"},
                                            "calendar_entry": {"type": "integer"},
                                        },
                                    },
                                },
                            },
                        }
                    },
                },
                "CalendarEntryCreate": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["tenant", "title", "start", "end"],
                    "properties": {
                        "tenant": {"type": "string", "description": "The brand's slug.", "maxLength": 60},
                        "title": {"type": "string", "minLength": 1, "maxLength": 200},
                        "start": DATETIME,
                        "end": {**DATETIME, "description": "After start; ISO-8601 with a UTC offset."},
                        "kind": {"type": "string", "enum": list(CalendarEntry.Kind.values), "default": "other"},
                        "booking": {"type": "integer", "minimum": 1, "nullable": True},
                        "boat": {
                            "type": "integer",
                            "minimum": 1,
                            "nullable": True,
                            "description": "Maintenance or a blackout on this boat blocks it (a blackout without a "
                            "boat blocks every boat of the brand); a block over a confirmed charter is a 409.",
                        },
                    },
                },
                "CalendarEntry": {
                    "type": "object",
                    "required": ["id", "tenant", "title", "start", "end", "kind", "status", "booking"],
                    "properties": {
                        "id": {"type": "integer"},
                        "tenant": {"type": "string"},
                        "title": {"type": "string"},
                        "start": DATETIME,
                        "end": DATETIME,
                        "kind": {"type": "string", "enum": list(CalendarEntry.Kind.values)},
                        "status": {"type": "string", "enum": list(CalendarEntry.Status.values)},
                        "booking": {"type": "integer", "nullable": True},
                        "boat": {"type": "integer", "nullable": True},
                        "created_by_service": {"type": "string"},
                    },
                },
                "AssignmentWanted": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["role", "paid_hours"],
                    "description": "Exactly one of crew_member (id) and crew_member_email.",
                    "properties": {
                        "crew_member": {"type": "integer", "minimum": 1},
                        "crew_member_email": {"type": "string", "format": "email"},
                        "role": {"type": "string", "description": "Role slug, e.g. captain or deckhand."},
                        "hourly_rate": {**MONEY, "description": "Defaults to the crew member's rate."},
                        "paid_hours": {"type": "string", "pattern": r"^\d{1,2}(\.\d{1,2})?$", "example": "5"},
                    },
                },
                "CrewEventSave": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "booking": {"type": "integer", "minimum": 1},
                        "source": {"type": "string", "enum": list(Booking.Source.values)},
                        "external_reference": {"type": "string", "maxLength": 80},
                        "tenant": {"type": "string", "maxLength": 60},
                        "weather_briefing": {"type": "string", "maxLength": 10000},
                        "logistics": {"type": "string", "maxLength": 10000},
                        "gate_code": {"type": "string", "maxLength": 60},
                        "assignments": {
                            "type": "array",
                            "maxItems": 50,
                            "items": {"$ref": "#/components/schemas/AssignmentWanted"},
                        },
                    },
                },
                "CrewEvent": {
                    "type": "object",
                    "required": ["id", "booking", "weather_briefing", "logistics", "gate_code", "assignments"],
                    "properties": {
                        "id": {"type": "integer"},
                        "booking": {"type": "integer"},
                        "weather_briefing": {"type": "string"},
                        "logistics": {"type": "string"},
                        "gate_code": {"type": "string"},
                        "assignments": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "crew_member", "role", "hourly_rate", "paid_hours", "status"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "crew_member": {"type": "integer"},
                                    "crew_member_email": {"type": "string"},
                                    "role": {"type": "string"},
                                    "hourly_rate": MONEY,
                                    "paid_hours": {"type": "string"},
                                    "status": {"type": "string", "enum": ["invited", "accepted", "declined"]},
                                },
                            },
                        },
                        "changes": {
                            "type": "object",
                            "properties": {
                                k: {"type": "array", "items": {"type": "integer"}}
                                for k in ("added", "updated", "removed")
                            },
                        },
                    },
                },
            },
        },
    }
