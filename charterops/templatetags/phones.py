"""``{{ number|phone }}``: a stored E.164 number as people read it ("+1 858-555-0199")."""

from __future__ import annotations

from django import template

from charterops.phones import phone_display

register = template.Library()


@register.filter
def phone(value: str) -> str:
    return phone_display(value or "")
