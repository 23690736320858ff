"""The CloudFront Function's rules in Python, for the dev server.

``cloudfront/guest_rewrite.js`` is what runs at the edge; both are tested
against the same table of cases (``cloudfront/rewrite_cases.json``).
"""

from __future__ import annotations

import re

from guestpages.models import SLUG_MAX_LENGTH, SLUG_PATTERN

PREFIX = "/g/"
_SLUG = re.compile(f"^{SLUG_PATTERN}$")

NOT_FOUND = None


def rewrite(uri: str) -> str | None:
    """The origin path for a viewer ``uri``, or ``None`` for a 404 answered at the edge."""
    if not uri.startswith(PREFIX):
        return uri
    rest = uri[len(PREFIX) :]
    if rest.endswith(".html"):
        rest = rest[: -len(".html")]
    # fullmatch: with match(), "$" also accepts a trailing newline.
    if not rest or len(rest) > SLUG_MAX_LENGTH or not _SLUG.fullmatch(rest):
        return NOT_FOUND
    return f"/{rest}.html"
