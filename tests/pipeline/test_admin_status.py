"""Staff see every side effect's state on the booking page."""

from __future__ import annotations

import pytest

from guestpages.models import GuestPage
from outbox.models import Effect
from outbox.services import effect_run
from tests.factories import BookingFactory, CrewMemberFactory, assign

pytestmark = pytest.mark.django_db


def test_booking_page_shows_page_url_publish_time_and_each_invitation(admin_client, tenant, settings):
    booking = BookingFactory(tenant=tenant)
    ok = assign(booking, CrewMemberFactory(tenants=[tenant], name="Sam Works"), "deckhand", "25", "5")
    bad = assign(booking, CrewMemberFactory(tenants=[tenant], name="Lee Bounces"), "deckhand", "25", "5")
    for effect in Effect.objects.exclude(target_id=bad.pk, kind=Effect.Kind.SEND_INVITATION):
        effect_run(effect_id=effect.pk)
    Effect.objects.filter(target_id=bad.pk, kind=Effect.Kind.SEND_INVITATION).update(
        status=Effect.Status.FAILED, last_error="MessageRejected: Email address is not verified."
    )
    body = admin_client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()
    page = GuestPage.objects.get(booking=booking)
    assert page.public_url in body
    assert "Last published: 20" in body and "Status: Done" in body
    assert "MessageRejected: Email address is not verified." in body
    assert ok.pk != bad.pk
    invitation_cells = body.count("field-invitation")
    assert invitation_cells >= 2


def test_booking_page_reads_invitations_without_a_query_per_crew_member(admin_client, tenant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    booking = BookingFactory(tenant=tenant)
    assign(booking, CrewMemberFactory(tenants=[tenant]), "captain", "50", "3")
    url = f"/admin/bookings/booking/{booking.pk}/change/"
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url)
    for _ in range(4):
        assign(booking, CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "5")
    with CaptureQueriesContext(connection) as five:
        assert admin_client.get(url).status_code == 200

    def effect_queries(ctx):
        return [q for q in ctx.captured_queries if q["sql"].startswith('SELECT "outbox_effect"')]

    assert len(effect_queries(five)) == len(effect_queries(one))
