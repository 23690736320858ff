"""Small explicit validators for JSON bodies and query strings.

Each reader records a message per field instead of raising at the first one,
so a client sees every problem of its request at once.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from charterops.inputs import text_errors, text_problem, time_parse


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message", "fields"}}`` with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        headers=None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}
        self.extra = extra or {}

    def as_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields, **self.extra}}


def invalid(fields: dict[str, list[str]], message: str = "The request has invalid fields.") -> ApiError:
    return ApiError(400, "invalid", message, fields)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; numbers with a fraction become Decimal, never float."""
    try:
        data = json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, "malformed_json", f"The body is not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "The body must be a JSON object.")
    # Before any field is read: text no database can store is refused wherever it sits in the body.
    unstorable = text_errors(data)
    if unstorable:
        raise invalid(unstorable, "The body has text that cannot be stored.")
    return data


def conflict(exc) -> ApiError:
    """409 for a write that would double-book a boat or a crew member; ``conflicts`` names what is in the way
    (with the other booking's id where there is one). Nothing of the request was written."""
    return ApiError(
        409,
        "conflict",
        " ".join(c.message for c in exc.clashes),
        messages_of(exc),
        extra={"conflicts": [c.as_json() for c in exc.clashes]},
    )


def messages_of(exc: ValidationError) -> dict[str, list[str]]:
    """A model ValidationError as field -> messages (non-field errors under ``non_field_errors``)."""
    if hasattr(exc, "error_dict"):
        return {("non_field_errors" if k == "__all__" else k): list(v) for k, v in exc.message_dict.items()}
    return {"non_field_errors": list(exc.messages)}


class Reader:
    """Reads typed values out of a mapping, collecting errors under dotted field names."""

    def __init__(self, data: dict[str, Any], prefix: str = "", errors: dict[str, list[str]] | None = None):
        self.data = data
        self.prefix = prefix
        self.errors: dict[str, list[str]] = {} if errors is None else errors

    def name(self, field: str) -> str:
        return f"{self.prefix}{field}"

    def error(self, field: str, message: str) -> None:
        self.errors.setdefault(self.name(field), []).append(message)

    def has(self, field: str) -> bool:
        return field in self.data

    def only(self, allowed: set[str]) -> None:
        for field in sorted(set(self.data) - allowed):
            self.error(field, "Unknown field.")

    def _get(self, field: str, required: bool) -> Any:
        if field not in self.data or self.data[field] is None:
            if required:
                self.error(field, "This field is required.")
            return None
        return self.data[field]

    def string(self, field: str, *, required: bool = False, max_length: int, blank: bool = True) -> str | None:
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(field, "Must be a string.")
            return None
        if not blank and not value.strip():
            self.error(field, "Must not be blank.")
            return None
        if len(value) > max_length:
            self.error(field, f"At most {max_length} characters.")
            return None
        problem = text_problem(value)
        if problem:
            self.error(field, problem)
            return None
        return value

    def integer(self, field: str, *, required: bool = False, min_value: int = 1, max_value: int = 2**62) -> int | None:
        value = self._get(field, required)
        if value is None:
            return None
        # bool is an int in Python; true must not mean booking 1.
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(field, "Must be an integer.")
            return None
        if not min_value <= value <= max_value:
            self.error(field, f"Must be between {min_value} and {max_value}.")
            return None
        return value

    def decimal(self, field: str, *, required: bool = False, max_value: Decimal, places: int = 2) -> Decimal | None:
        value = self._get(field, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            self.error(field, 'Must be a decimal number (a string such as "25.00" or a number).')
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(field, "Must be a decimal number.")
            return None
        if not number.is_finite() or number < 0 or number > max_value:
            self.error(field, f"Must be between 0 and {max_value}.")
            return None
        if number != number.quantize(Decimal(1).scaleb(-places)):
            self.error(field, f"At most {places} decimal places.")
            return None
        return number

    def choice(self, field: str, choices: list[str], *, required: bool = False) -> str | None:
        value = self.string(field, required=required, max_length=80)
        if value is not None and value not in choices:
            self.error(field, f"Must be one of: {', '.join(choices)}.")
            return None
        return value

    def email(self, field: str, *, required: bool = False) -> str | None:
        value = self.string(field, required=required, max_length=254)
        if value is None:
            return None
        try:
            validate_email(value)
        except ValidationError:
            self.error(field, "Must be an email address.")
            return None
        return value

    def aware_datetime(self, field: str, *, required: bool = False) -> dt.datetime | None:
        value = self.string(field, required=required, max_length=64)
        if value is None:
            return None
        return self.parse_aware(field, value)

    def parse_aware(self, field: str, value: str) -> dt.datetime | None:
        """``value`` as a time in UTC within the supported years (``charterops.inputs.time_parse``)."""
        try:
            return time_parse(value)
        except ValidationError as exc:
            self.error(field, exc.messages[0])
            return None

    def array(self, field: str, *, required: bool = False, max_items: int) -> list | None:
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, list):
            self.error(field, "Must be an array.")
            return None
        if len(value) > max_items:
            self.error(field, f"At most {max_items} items.")
            return None
        return value
