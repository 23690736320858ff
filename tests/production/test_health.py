"""GET /api/health: database, broker and each brand's bucket; 200 when all are ok, 503 when any is not."""

from __future__ import annotations

import boto3
import pytest
from django.test import Client

from api import health
from guestpages import publishing
from tests.integration.conftest import _reset_pools, redis_server  # noqa: F401 - fixture
from tests.support import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_bucket_answers():
    health.bucket_results_reset()
    yield
    health.bucket_results_reset()


@pytest.fixture
def broker_at():
    """Point this process's Celery app at a broker URL (tasks no longer run in-process), then restore it."""
    from charterops.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}

    def point(url: str) -> None:
        app.conf.update(broker_url=url, task_always_eager=False)
        _reset_pools(app)

    yield point
    app.conf.update(saved)
    _reset_pools(app)


def get_health():
    return Client(enforce_csrf_checks=True).get("/api/health")


def test_all_ok_is_200_and_names_each_check(tenant):
    response = get_health()

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "broker": {"status": "ok", "detail": "not configured: tasks run in-process"},
            "buckets": {"queen": {"status": "ok", "detail": "local files"}},
        },
    }


def test_only_get_is_allowed():
    response = Client(enforce_csrf_checks=True).post("/api/health")

    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_a_broker_that_is_down_makes_it_503_without_revealing_the_url(tenant, broker_at):
    broker_at(f"redis://:broker-password@127.0.0.1:{free_port()}/0")

    response = get_health()

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["status"] == "fail"
    assert body["checks"]["database"] == {"status": "ok"}
    assert "broker-password" not in response.content.decode() and "127.0.0.1" not in response.content.decode()


@pytest.mark.integration
def test_a_running_redis_broker_is_ok(tenant, broker_at, redis_server):  # noqa: F811 - the imported fixture
    broker_at(redis_server.url)

    response = get_health()

    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"] == {"status": "ok"}


def test_each_brands_bucket_is_asked_and_answers_are_remembered(aws, other_tenant, monkeypatch):
    asked = []
    real = publishing.bucket_check
    monkeypatch.setattr(publishing, "bucket_check", lambda brand: asked.append(brand.slug) or real(brand))

    missing = get_health()
    again = get_health()
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=other_tenant.s3_bucket)
    still_remembered = get_health()
    health.bucket_results_reset()  # what BUCKET_CHECK_SECONDS later brings
    fixed = get_health()

    assert missing.status_code == 503
    assert missing.json()["checks"]["buckets"] == {
        "keywest": {"status": "fail", "error": "ClientError"},
        "queen": {"status": "ok"},
    }
    assert again.status_code == still_remembered.status_code == 503
    assert sorted(asked[:2]) == ["keywest", "queen"]
    assert fixed.status_code == 200
    assert len(asked) == 4  # two per full check, none for the remembered answers
