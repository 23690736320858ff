from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.models import IdempotencyRecord
from api.tasks import purge_idempotency_records

pytestmark = pytest.mark.django_db


def record(key: str, age_hours: float) -> IdempotencyRecord:
    r = IdempotencyRecord.objects.create(
        identity="dashboard", endpoint="calendar", key=key, request_hash="0" * 64, status_code=201, response_body={}
    )
    IdempotencyRecord.objects.filter(pk=r.pk).update(created_at=timezone.now() - timedelta(hours=age_hours))
    return r


def test_records_past_the_retention_are_purged_and_recent_ones_kept(settings, capsys):
    settings.API_IDEMPOTENCY_RETENTION_HOURS = 72
    record("old", 73)
    record("fresh", 71)
    call_command("purge_idempotency_records", "--dry-run")
    assert "1 idempotency record(s) would be deleted" in capsys.readouterr().out
    assert IdempotencyRecord.objects.count() == 2
    assert purge_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    call_command("purge_idempotency_records", "--hours", "1")
    assert not IdempotencyRecord.objects.exists()
