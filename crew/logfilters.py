"""Keep crew tokens out of logs.

A magic link or a calendar URL is a credential: whoever reads a log line with
one can open a crew member's page or feed. Request lines (``django.server``)
and paths (``django.request``, ``django.security.csrf``) are redacted before
any handler formats them.
"""

from __future__ import annotations

import logging
import re

_PATTERNS = (
    (re.compile(r"(/crew/link/)[^/\s\"'?#]+"), r"\1[redacted]"),
    (re.compile(r"(/crew/calendar/)[^/\s\"'?#]+?(\.ics)"), r"\1[redacted]\2"),
    # A boat's export feed URL (marketplaces/urls.py) is a credential too.
    (re.compile(r"(/feeds/boats/)[^/\s\"'?#]+?(\.ics)"), r"\1[redacted]\2"),
)


def redact(text: str) -> str:
    """``text`` with every crew link and calendar token replaced by ``[redacted]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _clean(value):
    return redact(value) if isinstance(value, str) else value


class RedactCrewTokens(logging.Filter):
    """Rewrites the record in place (message and arguments); never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        return True
