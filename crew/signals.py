"""Credential scans are private data: a scan nothing points at is deleted once the change commits."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, pre_save
from django.dispatch import receiver

from crew.models import Credential
from crew.services import credential_scan_discard


@receiver(pre_save, sender=Credential, dispatch_uid="crew_discard_replaced_scan")
def discard_replaced_scan(sender, instance: Credential, raw: bool = False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    old = Credential.objects.filter(pk=instance.pk).values_list("scan", flat=True).first()
    if old and old != instance.scan.name:
        transaction.on_commit(lambda: credential_scan_discard(name=old))


@receiver(post_delete, sender=Credential, dispatch_uid="crew_discard_deleted_scan")
def discard_deleted_scan(sender, instance: Credential, **kwargs) -> None:
    name = instance.scan.name
    if name:
        transaction.on_commit(lambda: credential_scan_discard(name=name))
