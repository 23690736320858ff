"""Placeholder: filled in by the operator's day work."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404("Not built yet.")


day_sheet = day_sheet_pdf = crew_day_sheet = _todo
