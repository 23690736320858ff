"""Placeholder: filled in by the operator's day work."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404("Not built yet.")


calendar_page = calendar_events = calendar_move = _todo
