"""Magic links: signed, scoped to one assignment, expiring, revocable one at a time.

The token signs (assignment id, link version). Bumping the assignment's
``link_version`` revokes every link issued before; the expiry follows the
event's end, so a link for a charter that moves later lives longer with it.
Nothing is stored but the version number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

SALT = "charterops.crew.magic-link"


class LinkError(Exception):
    """Why a link cannot be used: ``code`` is tampered, revoked, expired or unknown."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def link_token(assignment) -> str:
    return signing.dumps({"a": assignment.pk, "v": assignment.link_version}, salt=SALT, compress=False)


def link_url(assignment) -> str:
    """Absolute URL from the configured base URL, never from a request's Host header."""
    return settings.CHARTEROPS_BASE_URL + reverse("crew:link", kwargs={"token": link_token(assignment)})


def link_expires_at(assignment):
    return assignment.event.booking.end + timedelta(hours=settings.CREW_LINK_VALID_AFTER_END_HOURS)


@dataclass(frozen=True)
class LinkClaim:
    assignment_id: int
    version: int


def link_read(token: str) -> LinkClaim:
    try:
        data = signing.loads(token, salt=SALT)
        return LinkClaim(assignment_id=int(data["a"]), version=int(data["v"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkError("tampered") from exc


def link_check(token: str):
    """The assignment a token opens, or :class:`LinkError`."""
    from crew.models import Assignment

    claim = link_read(token)
    assignment = (
        Assignment.objects.select_related("event__booking__tenant", "crew_member")
        .filter(pk=claim.assignment_id)
        .first()
    )
    # A removed assignment, a revoked link and a crew member staff switched off all look the same.
    if assignment is None or assignment.link_version != claim.version or not assignment.crew_member.active:
        raise LinkError("revoked")
    if timezone.now() > link_expires_at(assignment):
        raise LinkError("expired")
    return assignment
