"""Credentials: staff are told once per credential and threshold when one is about to expire."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from crew.models import (
    Credential,
    CredentialExpiryNotice,
)
from outbox.errors import PermanentError
from outbox.models import Effect
from outbox.services import effect_schedule


def credential_expiry_notices_schedule(*, today=None, dry_run: bool = False) -> list[tuple[Credential, int]]:
    """Tell staff about credentials that expire within each of ``CREDENTIAL_EXPIRY_NOTICE_DAYS``.

    Each (credential, expiry date, threshold) is told once: its notice row is
    created with the outbox effect in one transaction, under a unique constraint,
    so two schedulers at once or a rerun add nothing. A renewed credential (a new
    expiry date) is told again when its new date comes near. When several
    thresholds are reached at once (a credential entered late) one email goes.
    Returns the (credential, threshold) pairs told now.
    """
    today = today or timezone.localdate()
    thresholds = sorted(settings.CREDENTIAL_EXPIRY_NOTICE_DAYS)
    horizon = today + timedelta(days=thresholds[-1])
    # A later credential of the same kind (or one that never expires) is the renewal: nothing to chase.
    renewed = Credential.objects.filter(
        Q(expires_on__gt=OuterRef("expires_on")) | Q(expires_on__isnull=True),
        crew_member_id=OuterRef("crew_member_id"),
        kind_id=OuterRef("kind_id"),
    )
    due = (
        Credential.objects.filter(expires_on__gte=today, expires_on__lte=horizon, crew_member__active=True)
        .exclude(Exists(renewed))
        .select_related("crew_member", "kind")
        .order_by("expires_on", "pk")
    )
    told = []
    for credential in due:
        reached = [t for t in thresholds if credential.expires_on <= today + timedelta(days=t)]
        done = set(
            CredentialExpiryNotice.objects.filter(credential=credential, expires_on=credential.expires_on).values_list(
                "threshold_days", flat=True
            )
        )
        new = [t for t in reached if t not in done]
        if not new:
            continue
        if dry_run:
            told.append((credential, min(new)))
            continue
        try:
            with transaction.atomic():
                for threshold in new:
                    CredentialExpiryNotice.objects.create(
                        credential=credential, expires_on=credential.expires_on, threshold_days=threshold
                    )
                effect_schedule(
                    kind=Effect.Kind.NOTIFY_CREDENTIAL_EXPIRY,
                    target_id=credential.pk,
                    booking_id=None,
                    reason=f"expires within {min(new)} days",
                )
        except IntegrityError:
            continue  # another scheduler told staff first
        told.append((credential, min(new)))
    return told


def credential_expiry_notify_effect(effect: Effect) -> str:
    """Outbox handler: email the staff of every brand the crew member works for about one credential."""
    credential = Credential.objects.select_related("crew_member", "kind").filter(pk=effect.target_id).first()
    if credential is None:
        raise PermanentError("The credential no longer exists.")
    member = credential.crew_member
    brands = list(member.tenants.order_by("name").prefetch_related("staff"))
    recipients = sorted({u.email for t in brands for u in t.staff.all() if u.is_active and u.email})
    if not recipients:
        recipients = sorted({t.sender_email for t in brands})
    if not recipients:
        raise PermanentError("Nobody to tell: the crew member works for no brand.")
    days = (credential.expires_on - timezone.localdate()).days if credential.expires_on else None
    context = {"credential": credential, "member": member, "days": days, "brands": brands}
    body = render_to_string("email/credential_expiring.txt", context)
    sender = brands[0] if brands else None
    message = EmailMultiAlternatives(
        subject=f"{member.name}'s {credential.kind.name} expires on {credential.expires_on:%b %-d, %Y}",
        body=body,
        from_email=f"{sender.name} <{sender.sender_email}>" if sender else settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"X-Charterops-Effect": str(effect.pk)},
    )
    message.send()
    status = getattr(message, "anymail_status", None)
    return (status.message_id if status is not None and status.message_id else "") or ""


def credential_scan_discard(*, name: str) -> None:
    """Delete a scan file nothing points at any more (its credential deleted, or a new scan uploaded).

    Runs after the commit that dropped it, so a rolled-back change keeps its file; a file
    already gone is fine.
    """
    from crew.storage import CredentialScanStorage

    if name:
        CredentialScanStorage().delete(name)
