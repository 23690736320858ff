"""Crew pages. Crew have no passwords: a magic link starts a session limited to their events."""

from __future__ import annotations

from django.http import HttpResponse


def link(request, token: str):
    return HttpResponse("Crew pages are not built yet.", status=501, content_type="text/plain")
