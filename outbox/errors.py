"""Which failures of an outside system are worth retrying."""

from __future__ import annotations

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

TRANSIENT_AWS_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "InternalError",
        "InternalFailure",
        "ServiceFailure",
    }
)


class PermanentError(Exception):
    """A failure retrying cannot fix (bad configuration, unknown target)."""


class Deferred(Exception):
    """Not now, but later: the effect waits until ``until`` without using up an attempt (quiet hours)."""

    def __init__(self, until, reason: str = ""):
        super().__init__(reason or f"deferred until {until.isoformat()}")
        self.until = until
        self.reason = reason


def is_transient(exc: BaseException) -> bool:
    """True for errors a later attempt may not meet: 5xx, throttling, broken connections."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, PermanentError):
            return False
        if isinstance(
            current,
            (
                EndpointConnectionError,
                ConnectionClosedError,
                ConnectTimeoutError,
                ReadTimeoutError,
                ConnectionError,
                TimeoutError,
            ),
        ):
            return True
        if isinstance(current, ClientError):
            error = current.response.get("Error", {})
            status = current.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            return error.get("Code") in TRANSIENT_AWS_CODES or status >= 500 or status == 429
        status = getattr(current, "status_code", None)
        if isinstance(status, int) and (status >= 500 or status == 429):
            return True
        # anymail and others wrap the provider's exception: look at the cause.
        current = current.__cause__ or current.__context__
    return False
