"""Who made a change: a staff user, a crew member or a service.

django-simple-history records the staff user of the current request. Crew
(who have no user account) and services (API keys, commands) are recorded in
``history_actor``, set around the write with :func:`acting_as`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

_actor: contextvars.ContextVar[str] = contextvars.ContextVar("charterops_audit_actor", default="")


@contextmanager
def acting_as(label: str) -> Iterator[None]:
    """Attribute every history row written inside the block to ``label``
    (``crew:<id> <name>``, ``service:<name>``, ``command:<name>``)."""
    token = _actor.set(label[:120])
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> str:
    return _actor.get()


class AuditActor(models.Model):
    """Base of the historical models: adds who did it when it was not a staff user."""

    history_actor = models.CharField("actor", max_length=120, blank=True)

    class Meta:
        abstract = True


@receiver(pre_create_historical_record, dispatch_uid="charterops_audit_actor")
def _stamp_actor(sender, history_instance, **kwargs) -> None:
    label = current_actor()
    if not label and history_instance.history_user_id:
        label = f"staff:{history_instance.history_user}"
    history_instance.history_actor = label or "system"
