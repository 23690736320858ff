"""The LOGGING setting: plain text on a laptop, one JSON object per line in production.

Crew magic-link and calendar tokens are credentials: the loggers that print request
lines and paths redact them (``crew.logfilters``) before any handler formats the
record, in both formats. The JSON formatter writes only plain values: an object
passed as ``extra`` (Django attaches the request, whose repr holds the path) is
left out rather than turned into text that would bypass the redaction.
"""

from __future__ import annotations

from typing import Any

from pythonjsonlogger.json import JsonFormatter

_PLAIN = (str, int, float, bool, type(None), list, dict)


class PlainJsonFormatter(JsonFormatter):
    """python-json-logger, keeping only JSON-native values of a record's extra fields."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in log_data.items() if isinstance(value, _PLAIN)}


def logging_config(*, json_lines: bool, level: str) -> dict[str, Any]:
    json_formatter = {
        "()": "charterops.logconfig.PlainJsonFormatter",
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    }
    text_server = {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_crew_tokens": {"()": "crew.logfilters.RedactCrewTokens"}},
        "formatters": {"json": json_formatter, "django.server": json_formatter if json_lines else text_server},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["redact_crew_tokens"],
                **({"formatter": "json"} if json_lines else {}),
            },
            "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "level": "INFO"},
        },
        "loggers": {
            "django.server": {
                "handlers": ["django.server"],
                "level": "INFO",
                "propagate": False,
                "filters": ["redact_crew_tokens"],
            },
            "django.request": {"filters": ["redact_crew_tokens"]},
            "django.security.csrf": {"filters": ["redact_crew_tokens"]},
            # gunicorn's own lines (its access log carries the request path, hence the filter).
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {
                "handlers": ["console"],
                "level": "INFO",
                "propagate": False,
                "filters": ["redact_crew_tokens"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
    }
