"""publish_guest_pages: republish through guest_pages_publish_many, invalidations batched per 1,000 paths (moto)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from guestpages import services
from guestpages.models import GuestPage
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("publish_guest_pages", *args, stdout=out)
    return out.getvalue()


def test_publishes_changed_pages_once_and_then_nothing(aws, invalidations, tenant):
    for _ in range(3):
        BookingFactory(tenant=tenant, start=timezone.now() + timedelta(days=3))
    out = run()
    assert "Uploaded 3 of 3 page(s); 0 unchanged; 1 CloudFront invalidation request(s)." in out
    assert len(invalidations) == 1 and invalidations[0]["InvalidationBatch"]["Paths"]["Quantity"] == 6
    again = run()
    assert "Uploaded 0 of 3 page(s); 3 unchanged; 0 CloudFront invalidation request(s)." in again
    assert len(invalidations) == 1


def test_invalidations_are_batched_per_path_limit(aws, invalidations, tenant, monkeypatch):
    monkeypatch.setattr(services, "INVALIDATION_BATCH_PATHS", 4)  # two pages (four paths) per request
    for _ in range(5):
        BookingFactory(tenant=tenant, start=timezone.now() + timedelta(days=3))
    out = run("--all")
    assert "3 CloudFront invalidation request(s)" in out
    sizes = [req["InvalidationBatch"]["Paths"]["Quantity"] for req in invalidations]
    assert sizes == [4, 4, 2]
    every_path = [p for req in invalidations for p in req["InvalidationBatch"]["Paths"]["Items"]]
    assert sorted(every_path) == sorted(p for page in GuestPage.objects.all() for p in page.public_paths)


def test_default_skips_past_charters_all_and_since_select_more(aws, invalidations, tenant):
    past = BookingFactory(tenant=tenant, start=timezone.now() - timedelta(days=30))
    BookingFactory(tenant=tenant, start=timezone.now() + timedelta(days=3))
    assert "of 1 page(s)" in run("--dry-run")
    assert "of 2 page(s)" in run("--all", "--dry-run")
    since = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert "of 0 page(s)" in run("--since", since, "--dry-run")
    assert not GuestPage.objects.get(booking=past).published_hash  # dry runs upload nothing
    assert invalidations == []


def test_tenant_filter_and_unknown_tenant(aws, tenant, other_tenant):
    BookingFactory(tenant=tenant, start=timezone.now() + timedelta(days=3))
    assert "of 1 page(s)" in run("--tenant", "queen", "--dry-run")
    with pytest.raises(CommandError, match="No brand"):
        run("--tenant", "nope")
