"""Make a new service key; the old one keeps working for a grace period."""

from __future__ import annotations

import secrets
from datetime import timedelta

import bcrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.auth import key_id
from api.secrets import SECRET_KEYS, secret_read, secret_write
from charterops.audit import acting_as


def new_service_key() -> str:
    """43 URL-safe characters (256 bits): well under bcrypt's 72-byte limit."""
    return secrets.token_urlsafe(32)


class Command(BaseCommand):
    help = (
        "Generate a new service API key and print it once. With CHARTEROPS_SECRETS_ID set, store its bcrypt "
        "hash in Secrets Manager and keep the current hash valid for --grace-hours; otherwise print the "
        "environment lines to set."
    )

    def add_arguments(self, parser):
        parser.add_argument("--grace-hours", type=float, default=24.0, help="How long the current key stays valid.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would change; generate nothing.")

    def handle(self, *args, grace_hours: float, dry_run: bool, **options):
        if grace_hours < 0:
            raise CommandError("--grace-hours must not be negative.")
        with acting_as("command:rotate_service_key"):
            self.rotate(grace_hours=grace_hours, dry_run=dry_run)

    def rotate(self, *, grace_hours: float, dry_run: bool) -> None:
        expires = (timezone.now() + timedelta(hours=grace_hours)).replace(microsecond=0).isoformat()
        secret_id = settings.CHARTEROPS_SECRETS_ID
        if secret_id:
            try:
                current = secret_read(secret_id)
            except Exception as exc:  # noqa: BLE001 - any AWS failure ends the command with its reason
                raise CommandError(f"Could not read secret {secret_id}: {exc}") from exc
        else:
            current = {key: getattr(settings, key, "") for key in SECRET_KEYS}
        old_hash = str(current.get("SERVICE_KEY_HASH") or "")
        if dry_run:
            where = f"secret {secret_id}" if secret_id else "the environment lines printed"
            old = key_id(old_hash) if old_hash else "none"
            self.stdout.write(
                f"Dry run: a new key would go to {where}; the current key ({old}) would work until {expires}."
            )
            return
        key = new_service_key()
        new_hash = bcrypt.hashpw(key.encode("ascii"), bcrypt.gensalt(rounds=settings.API_BCRYPT_ROUNDS)).decode()
        values = {
            **current,
            "SERVICE_KEY_HASH": new_hash,
            "SERVICE_KEY_HASH_PREVIOUS": old_hash,
            "SERVICE_KEY_PREVIOUS_EXPIRES_AT": expires if old_hash else "",
        }
        if secret_id:
            try:
                secret_write(secret_id, values)
            except Exception as exc:  # noqa: BLE001
                raise CommandError(f"Could not store the new hash in {secret_id}: {exc}. Nothing changed.") from exc
        self.stdout.write("New service key (shown once; give it to the calling service now):")
        self.stdout.write(f"  {key}")
        self.stdout.write(f"Key id in the audit trail: service:{key_id(new_hash)}")
        if secret_id:
            self.stdout.write(
                f"Stored its hash in {secret_id}; every process picks it up within the secrets cache TTL."
            )
        else:
            self.stdout.write("Set these environment variables and restart the web processes:")
            for name in ("SERVICE_KEY_HASH", "SERVICE_KEY_HASH_PREVIOUS", "SERVICE_KEY_PREVIOUS_EXPIRES_AT"):
                # Single quotes: bcrypt hashes contain "$", which a shell would expand.
                self.stdout.write(f"{name}='{values[name]}'")
        if old_hash:
            self.stdout.write(f"The previous key ({key_id(old_hash)}) keeps working until {expires}.")
        self.stdout.write(self.style.SUCCESS("Rotated."))
