"""`make run` with no outside services: tasks in-process after commit, pages on disk, served at /g/<slug>."""

from __future__ import annotations

import pytest
from django.conf import settings

from guestpages.models import GuestPage
from guestpages.publishing import local_root
from outbox.models import Effect
from tests.factories import BookingFactory, CrewMemberFactory, assign

pytestmark = pytest.mark.django_db


def test_without_a_broker_effects_run_after_commit_and_pages_are_served_locally(
    client, tenant, django_capture_on_commit_callbacks, mailoutbox
):
    assert settings.CELERY_TASK_ALWAYS_EAGER and settings.GUESTPAGES_BACKEND == "local"
    with django_capture_on_commit_callbacks(execute=True):
        booking = BookingFactory(tenant=tenant, guest_name="Robin Sentinel", guest_notes="Look for the blue flag")
        assign(booking, CrewMemberFactory(tenants=[tenant], email="crew@example.com"), "deckhand", "25", "5")
    assert set(Effect.objects.values_list("status", flat=True)) == {"sent"}
    page = GuestPage.objects.get(booking=booking)
    path = local_root(tenant) / f"{page.slug}.html"
    assert path.is_file()
    for url in (f"/g/{page.slug}", f"/g/{page.slug}.html"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "text/html; charset=utf-8"
        body = b"".join(response.streaming_content).decode()
        assert "Welcome aboard, Robin!" in body and "Look for the blue flag" in body
        assert "840.75" not in body and "Sentinel" not in body  # first name only, never money
    assert client.get(f"/g/{page.slug.upper()}").status_code == 404
    assert client.get("/g/..%2Fsecret").status_code == 404
    # The crew invitation, and the guest's confirmation sent once the page was published.
    [mail] = [m for m in mailoutbox if m.to == ["crew@example.com"]]
    assert "https://ops.example.com/crew/link/" in mail.body
    [confirmation] = [m for m in mailoutbox if m is not mail]
    assert confirmation.to == ["jordan.guest@example.com"] and page.public_url in confirmation.body
    assert page.public_url == f"https://ops.example.com/g/{page.slug}"


def test_duration_counts_real_hours_across_a_dst_change(tenant):
    from guestpages.services import guest_page_context
    from tests.factories import local

    # Nov 1 2026, Los Angeles: 00:00 PDT to 03:00 PST is four real hours.
    start = local(tenant, 2026, 11, 1, 0, 0)
    booking = BookingFactory(tenant=tenant, start=start, end=local(tenant, 2026, 11, 1, 3, 0))
    page = GuestPage.objects.get(booking=booking)
    page.booking = booking  # as the admin save left it: both times in the Los Angeles zone
    context = guest_page_context(page)
    assert (context["duration_hours"], context["duration_minutes"]) == (4, 0)
