"""Staff open the day sheet in a real browser, print it (Chromium's own print to PDF, with the print CSS) and
download the WeasyPrint PDF; both carry the day's charters and none of the admin's chrome."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from pypdf import PdfReader

from tests.factories import BookingFactory, ChecklistFactory, CrewMemberFactory, assign, local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_open_print_and_download_the_day_sheet(chromium, live_server, tenant):
    for hour, guest in [(9, "Priya Shah"), (14, "Jordan Rivera")]:
        booking = BookingFactory(tenant=tenant, guest_name=guest, start=local(tenant, 2030, 6, 1, hour, 0))
        ChecklistFactory(boat=booking.boat)
        assign(booking, CrewMemberFactory(name=f"Captain of {guest}", tenants=[tenant]), "captain", "50", "3")
    get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    context = chromium.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    url = f"{live_server.url}/admin/day/2030-06-01/?tenant={tenant.pk}"
    page.goto(f"{live_server.url}/admin/login/?next=/admin/day/2030-06-01/%3Ftenant%3D{tenant.pk}")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-boss-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/day/2030-06-01/"))
    page.goto(url)
    body = page.locator("body").inner_text()
    assert body.index("Priya Shah") < body.index("Jordan Rivera")  # time order

    page.emulate_media(media="print")
    printed = text_of(page.pdf(format="Letter"))
    assert "Priya Shah" in printed and "Captain of Jordan Rivera" in printed
    assert "Start typing to filter" not in printed and "Previous day" not in printed  # no admin chrome on paper
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF", exact=True).click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    downloaded = text_of(pdf)
    assert "Priya Shah" in downloaded and "Jordan Rivera" in downloaded and "Net to owner".upper() in downloaded.upper()
    context.close()
