"""Secrets from the environment or AWS Secrets Manager (moto), and rotate_service_key."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import bcrypt
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from api import secrets as api_secrets_module
from api.secrets import api_secrets, secrets_reset
from tests.api.conftest import make_key

pytestmark = pytest.mark.django_db

SECRET_ID = "charterops/service-api"


@pytest.fixture
def secretsmanager(aws_credentials, settings):
    from moto import mock_aws

    with mock_aws():
        import boto3

        settings.AWS_SECRETS_ENDPOINT_URL = None
        client = boto3.client("secretsmanager", region_name=settings.AWS_S3_REGION_NAME)
        yield client
    secrets_reset()


def store(client, values: dict, *, create: bool = False) -> None:
    if create:
        client.create_secret(Name=SECRET_ID, SecretString=json.dumps(values))
    else:
        client.put_secret_value(SecretId=SECRET_ID, SecretString=json.dumps(values))


def entries_get(api, token):
    return api.get("/api/calendar/entries", headers={"X-Dashboard-Token": token})


def events_post(api, key, booking):
    return api.post(
        "/api/events",
        data=json.dumps({"booking": booking.pk}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )


def test_env_is_the_default_source(settings):
    settings.DASHBOARD_TOKEN = "from-env"
    assert api_secrets().dashboard_token == "from-env"


def test_secrets_manager_wins_when_configured_and_is_cached_briefly(api, settings, secretsmanager, monkeypatch):
    settings.DASHBOARD_TOKEN = "from-env"
    store(secretsmanager, {"DASHBOARD_TOKEN": "from-aws"}, create=True)
    settings.CHARTEROPS_SECRETS_ID = SECRET_ID
    settings.CHARTEROPS_SECRETS_TTL_SECONDS = 60
    reads = []
    real = api_secrets_module.secret_read
    monkeypatch.setattr(api_secrets_module, "secret_read", lambda sid: reads.append(sid) or real(sid))

    assert entries_get(api, "from-aws").status_code == 200
    assert entries_get(api, "from-env").status_code == 401
    for _ in range(5):
        assert entries_get(api, "from-aws").status_code == 200
    assert reads == [SECRET_ID]  # one read for seven requests


def test_a_rotation_in_the_store_needs_no_deploy(api, settings, secretsmanager, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(api_secrets_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    store(secretsmanager, {"DASHBOARD_TOKEN": "first"}, create=True)
    settings.CHARTEROPS_SECRETS_ID = SECRET_ID
    settings.CHARTEROPS_SECRETS_TTL_SECONDS = 30
    assert entries_get(api, "first").status_code == 200
    store(secretsmanager, {"DASHBOARD_TOKEN": "second"})
    clock[0] += 29
    assert entries_get(api, "first").status_code == 200  # still cached
    clock[0] += 2
    assert entries_get(api, "second").status_code == 200
    assert entries_get(api, "first").status_code == 401


def test_an_unreadable_store_is_503_then_the_last_good_value_is_kept(api, settings, secretsmanager):
    settings.CHARTEROPS_SECRETS_ID = "does-not-exist"
    response = entries_get(api, "anything")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "secrets_unavailable"

    store(secretsmanager, {"DASHBOARD_TOKEN": "good"}, create=True)
    settings.CHARTEROPS_SECRETS_ID = SECRET_ID
    settings.CHARTEROPS_SECRETS_TTL_SECONDS = 0
    assert entries_get(api, "good").status_code == 200
    secretsmanager.delete_secret(SecretId=SECRET_ID, ForceDeleteWithoutRecovery=True)
    assert entries_get(api, "good").status_code == 200


def _printed_key(output: str) -> str:
    lines = output.splitlines()
    return lines[lines.index("New service key (shown once; give it to the calling service now):") + 1].strip()


def test_rotate_stores_the_new_hash_and_keeps_the_old_key_for_the_grace_period(api, settings, secretsmanager, booking):
    old_key, old_hash = make_key()
    store(secretsmanager, {"DASHBOARD_TOKEN": "dash", "SERVICE_KEY_HASH": old_hash}, create=True)
    settings.CHARTEROPS_SECRETS_ID = SECRET_ID
    settings.API_BCRYPT_ROUNDS = 4
    out = StringIO()
    call_command("rotate_service_key", "--grace-hours", "2", stdout=out)
    new_key = _printed_key(out.getvalue())
    assert 0 < len(new_key.encode()) <= 72
    assert out.getvalue().count(new_key) == 1  # printed once

    stored = json.loads(secretsmanager.get_secret_value(SecretId=SECRET_ID)["SecretString"])
    assert stored["DASHBOARD_TOKEN"] == "dash"
    assert bcrypt.checkpw(new_key.encode(), stored["SERVICE_KEY_HASH"].encode())
    assert stored["SERVICE_KEY_HASH_PREVIOUS"] == old_hash
    expires = parse_datetime(stored["SERVICE_KEY_PREVIOUS_EXPIRES_AT"])
    assert abs(expires - (timezone.now() + timedelta(hours=2))) < timedelta(minutes=1)
    assert new_key not in json.dumps(stored)

    assert events_post(api, new_key, booking).status_code == 200
    assert events_post(api, old_key, booking).status_code == 200
    with time_machine.travel(expires + timedelta(seconds=1)):
        assert events_post(api, old_key, booking).status_code == 401
        assert events_post(api, new_key, booking).status_code == 200


def test_rotate_without_a_store_prints_the_environment_lines(settings):
    settings.API_BCRYPT_ROUNDS = 4
    _, old_hash = make_key()
    settings.SERVICE_KEY_HASH = old_hash
    out = StringIO()
    call_command("rotate_service_key", stdout=out)
    text = out.getvalue()
    key = _printed_key(text)
    lines = dict(re.findall(r"^(SERVICE_KEY_\w+)='([^']*)'$", text, re.M))
    assert bcrypt.checkpw(key.encode(), lines["SERVICE_KEY_HASH"].encode())
    assert lines["SERVICE_KEY_HASH_PREVIOUS"] == old_hash
    assert parse_datetime(lines["SERVICE_KEY_PREVIOUS_EXPIRES_AT"]) > timezone.now()


def test_rotate_dry_run_changes_nothing(settings, secretsmanager):
    store(secretsmanager, {"SERVICE_KEY_HASH": "h"}, create=True)
    settings.CHARTEROPS_SECRETS_ID = SECRET_ID
    out = StringIO()
    call_command("rotate_service_key", "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and "New service key" not in out.getvalue()
    assert json.loads(secretsmanager.get_secret_value(SecretId=SECRET_ID)["SecretString"]) == {"SERVICE_KEY_HASH": "h"}


def test_rotate_fails_cleanly_when_the_store_is_unreachable(settings, secretsmanager):
    settings.CHARTEROPS_SECRETS_ID = "missing"
    with pytest.raises(CommandError, match="Could not read secret missing"):
        call_command("rotate_service_key", stdout=StringIO())
