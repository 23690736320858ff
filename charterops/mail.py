"""Email on a laptop: one line per message on the console, with the link to click.

Django's console backend prints the whole MIME message (headers, quoted-printable
text, the HTML part), which buries the magic link. With debug on this backend is the
default: ``Email to maya@example.com: <subject> — <first link>``.
"""

from __future__ import annotations

import re
import sys
import threading

from django.core.mail.backends.base import BaseEmailBackend

_LINK = re.compile(r"https?://[^\s<>\"')\]]+")


def first_link(text: str) -> str:
    match = _LINK.search(text or "")
    return match.group(0).rstrip(".,;:") if match else ""


def summary(message) -> str:
    link = first_link(message.body)
    if not link:
        for content, _mimetype in getattr(message, "alternatives", []) or []:
            link = first_link(str(content))
            if link:
                break
    line = f"Email to {', '.join(message.recipients())}: {message.subject}"
    return f"{line} — {link}" if link else line


class ConsoleSummaryBackend(BaseEmailBackend):
    """Writes one summary line per message to ``stream`` (stdout by default)."""

    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages) -> int:
        sent = 0
        with self._lock:
            for message in email_messages or []:
                if not message.recipients():
                    continue
                self.stream.write(summary(message) + "\n")
                self.stream.flush()
                sent += 1
        return sent
