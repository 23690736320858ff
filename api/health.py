"""GET /api/health: can this instance serve? For a load balancer and for people.

It asks the database (one query), the broker (a Redis ping through Celery's own
connection, short timeouts; "not configured" when tasks run in-process) and each
brand's guest-page bucket (HeadBucket through guestpages.publishing, remembered for
``BUCKET_CHECK_SECONDS`` per process so probes stay cheap). 200 when all are ok,
503 when any is not. The body names each check and, for a failure, only the kind
of error: no host names, keys or messages that could carry a secret.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse

from api.views import json_endpoint
from bookings.models import Tenant
from guestpages import publishing

BUCKET_CHECK_SECONDS = 30.0

_lock = threading.Lock()
_bucket_results: dict[tuple[str, str, str], tuple[float, dict[str, str]]] = {}


def _run(check: Callable[[], Any]) -> dict[str, str]:
    try:
        detail = check()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer, by its kind only
        return {"status": "fail", "error": type(exc).__name__}
    return {"status": "ok", **({"detail": detail} if detail else {})}


def database_check() -> tuple[dict[str, str], list[Tenant]]:
    """The database answers a query, and the brands (whose buckets are checked next)."""
    brands: list[Tenant] = []

    def query():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        brands.extend(Tenant.objects.order_by("slug").only("pk", "slug", "s3_bucket"))

    return _run(query), brands


def broker_check() -> dict[str, str]:
    from charterops.celery import app

    if app.conf.task_always_eager or not app.conf.broker_url:
        return {"status": "ok", "detail": "not configured: tasks run in-process"}

    def ping():
        # Opening the default channel pings Redis; the transport options carry 2 s socket timeouts.
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
            conn.default_channel  # noqa: B018 - opening it is the check

    return _run(ping)


def buckets_check(brands: list[Tenant]) -> dict[str, dict[str, str]]:
    from django.conf import settings

    if settings.GUESTPAGES_BACKEND != "s3":
        return {brand.slug: {"status": "ok", "detail": "local files"} for brand in brands}
    results = {}
    now = time.monotonic()
    for brand in brands:
        key = (brand.slug, brand.s3_bucket, str(settings.AWS_S3_ENDPOINT_URL))
        with _lock:
            cached = _bucket_results.get(key)
        if cached is not None and now - cached[0] < BUCKET_CHECK_SECONDS:
            results[brand.slug] = cached[1]
            continue
        result = _run(lambda brand=brand: publishing.bucket_check(brand))
        with _lock:
            _bucket_results[key] = (now, result)
        results[brand.slug] = result
    return results


def bucket_results_reset() -> None:
    """Forget remembered bucket answers (the next request asks every bucket again)."""
    with _lock:
        _bucket_results.clear()


@json_endpoint(methods=("GET",))
def health(request: HttpRequest, caller: None) -> JsonResponse:
    # Brands are listed from the database: with it down there is no bucket to ask (and it already fails).
    database, brands = database_check()
    checks = {"database": database, "broker": broker_check(), "buckets": buckets_check(brands)}
    failed = any(c["status"] != "ok" for c in (checks["database"], checks["broker"], *checks["buckets"].values()))
    response = JsonResponse({"status": "fail" if failed else "ok", "checks": checks}, status=503 if failed else 200)
    response["Cache-Control"] = "no-store"
    return response
