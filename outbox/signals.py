from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from outbox.models import Effect
from outbox.services import effect_enqueue


@receiver(post_save, sender=Effect, dispatch_uid="outbox_enqueue_new_effect")
def enqueue_new_effect(sender, instance: Effect, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        transaction.on_commit(lambda: effect_enqueue(effect_id=instance.pk))
