"""The confirmation email as a guest's mail app shows it: a phone does not scroll sideways.

``CHARTEROPS_EMAIL_HTML=path`` also writes the rendered HTML there (docs/screenshots is made from it).
"""

from __future__ import annotations

import os

import pytest

from crew.models import CrewEvent
from messaging.models import Channel, Message
from messaging.render import message_render
from tests.factories import BoatFactory, BookingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _confirmation_html(tenant) -> str:
    tenant.brand_colour = "#0b4f6c"
    tenant.email_signature = "Captain Ana Ruiz and the crew of Queen of San Diego\nOffice: +1 619 555 0100"
    tenant.save()
    boat = BoatFactory(tenant=tenant, name="Sea Breeze", default_meeting_point="Harbor Island West Marina, dock C")
    booking = BookingFactory(tenant=tenant, boat=boat, guest_name="Jordan Rivera", party_size=6)
    booking.guest_notes = "Free parking in the marina lot after 9 AM. Look for the blue flag on dock C."
    booking.save(update_fields=["guest_notes"])
    CrewEvent.objects.filter(booking=booking).update(gate_code="0000")
    message = Message(booking=booking, kind=Message.Kind.CONFIRMATION, channel=Channel.EMAIL)
    return message_render(message).html


@pytest.mark.parametrize("width", [390, 700])
def test_confirmation_email_fits_a_phone_and_shows_the_brand(tenant, chromium, width):
    html = _confirmation_html(tenant)
    if os.environ.get("CHARTEROPS_EMAIL_HTML"):
        with open(os.environ["CHARTEROPS_EMAIL_HTML"], "w") as out:
            out.write(html)
    context = chromium.new_context(viewport={"width": width, "height": 900}, java_script_enabled=True)
    page = context.new_page()
    page.route("**/*", lambda route: route.abort())  # an email loads nothing from elsewhere here
    page.set_content(html)

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    card = page.evaluate(
        "Math.round(document.querySelector('table[role=presentation] table').getBoundingClientRect().width)"
    )
    assert card <= 600
    band = page.evaluate("getComputedStyle(document.querySelector('table table td')).backgroundColor")
    assert band == "rgb(11, 79, 108)"
    button = page.get_by_role("link", name="Open your guest page")
    assert button.is_visible() and button.bounding_box()["width"] < width
    assert page.get_by_text("Saturday, December 5, 10:00 AM–3:00 PM PST", exact=True).is_visible()
    context.close()
