"""Guest messages as the brand writes them: subject, plain text, HTML and a text message. (Owner: rendering.)"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str  # "" for kinds never texted (thank-you, photos)


def message_render(message) -> Rendered:
    raise NotImplementedError
