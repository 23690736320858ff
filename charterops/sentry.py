"""Error reports to Sentry, on when ``SENTRY_DSN`` is set.

A crew magic link or calendar URL is a credential, and a query string may carry
one too, so every event passes through :func:`before_send`: query strings are
dropped, stack frames carry no local variables, and every string in the event
(URL, headers, breadcrumbs, exception values) goes through the same redaction as the logs.
No personal data is sent (``send_default_pii=False``: no cookies, no user, no IP).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.utils.module_loading import import_string

# The same patterns as the log filter (settings name it the same way for LOGGING).
REDACT = "crew.logfilters.redact"


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _scrub(value: Any, redact) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _scrub(item, redact) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, redact) for item in value]
    return value


def before_send(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event with no query string and no crew token left in any of its strings."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("query_string", None)
        if isinstance(request.get("url"), str):
            request["url"] = _without_query(request["url"])
        headers = request.get("headers")
        if isinstance(headers, dict):
            for name in list(headers):
                if name.lower() == "referer" and isinstance(headers[name], str):
                    headers[name] = _without_query(headers[name])
    breadcrumbs = event.get("breadcrumbs")
    for crumb in breadcrumbs.get("values", []) if isinstance(breadcrumbs, dict) else []:
        data = crumb.get("data") if isinstance(crumb, dict) else None
        if isinstance(data, dict):
            data.pop("http.query", None)
            if isinstance(data.get("url"), str):
                data["url"] = _without_query(data["url"])
    return _scrub(event, import_string(REDACT))


def sentry_init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        # A view's local variables hold the token itself (its URL keyword argument) and guests' details:
        # stack traces go without them.
        include_local_variables=False,
        event_scrubber=EventScrubber(denylist=[*DEFAULT_DENYLIST, "token", "link"], recursive=True),
        traces_sample_rate=traces_sample_rate,
        before_send=before_send,
        before_send_transaction=before_send,
    )
