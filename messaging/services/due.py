"""Messages that fall due with time: reminders, the thank-you, the photos. (Owner: messaging core.)"""

from __future__ import annotations


def due_messages_send(*, now=None, dry_run: bool = False):
    raise NotImplementedError
