"""A crew member on their phone: the emailed link, the button, a tick, accept; then staff see it.

Headless Chromium (Debian's) through Playwright, against pytest-django's live_server.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from crew.models import Assignment, ChecklistItem
from outbox.models import Effect
from outbox.services import effect_run
from tests.factories import BoatFactory, BookingFactory, ChecklistFactory, CrewMemberFactory, assign, local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_crew_open_the_emailed_link_tick_accept_and_staff_see_it(page, live_server, settings, tenant):
    settings.CHARTEROPS_BASE_URL = live_server.url
    boat = BoatFactory(tenant=tenant, name="Sea Breeze")
    ChecklistFactory(boat=boat, items=["Fuel checked", "Life jackets counted"])
    booking = BookingFactory(tenant=tenant, boat=boat, start=local(tenant, 2030, 6, 1, 10, 0))
    member = CrewMemberFactory(name="Sam Deck", email="sam@example.com", tenants=[tenant])
    assignment = assign(booking, member, "deckhand", "25", "5")

    # The pipeline sends the invitation (whatever the commit hook already delivered is skipped).
    for effect in Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION, target_id=assignment.pk):
        effect_run(effect_id=effect.pk)
    [invitation] = [m for m in mail.outbox if m.to == ["sam@example.com"]]
    link = re.search(r"(http://\S+/crew/link/\S+/)", invitation.body).group(1)
    assert link.startswith(live_server.url)

    # A mail scanner fetching the link changes nothing.
    page.goto(link)
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.INVITED

    page.get_by_role("button", name="Open my crew page").click()
    page.wait_for_url(re.compile(r"/crew/events/\d+/$"))
    assert "Sea Breeze" in page.locator("h1").inner_text()
    assert page.get_by_text("Jordan Guest, party of 6").is_visible()

    page.get_by_role("button", name="Tick Fuel checked").click()
    page.get_by_role("button", name="Untick Fuel checked").wait_for()
    assert "Checklist 1/2" in page.locator("#checklist h2").inner_text()

    page.get_by_role("button", name="Accept", exact=True).click()
    page.get_by_text("You accepted").wait_for()

    item = ChecklistItem.objects.select_related("done_by").get(event=booking.crew_event, text="Fuel checked")
    assert item.done and item.done_by == member

    # Staff, in the same browser, see it in the admin.
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    page.goto(f"{live_server.url}/admin/login/?next=/admin/crew/crewevent/{booking.crew_event.pk}/change/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-boss-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/crew/crewevent/\d+/change/$"))
    status = page.locator("select[name='assignments-0-status']")
    assert status.input_value() == "accepted"
    checklist_row = page.locator("tr", has_text="Fuel checked")
    assert "Sam Deck" in checklist_row.inner_text()
    page.goto(f"{live_server.url}/admin/bookings/booking/")
    assert "1/2" in page.locator("#result_list").inner_text()
