"""The day sheet: /admin/day/<date>/ (and .pdf) for staff, /crew/events/<id>/sheet/ for the captain."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from bookings import finance
from bookings.models import Booking, CalendarEntry
from bookings.services import booking_save
from crew.models import Assignment
from crew.services import checklist_item_set
from operations.day_sheet import captain_access, captain_sheet
from tests.crew.conftest import open_link
from tests.factories import BoatFactory, BookingFactory, ChecklistFactory, CrewMemberFactory, assign, local, staff_user

pytestmark = pytest.mark.django_db

DAY = "2026-12-05"
GROSS = Decimal("98765.43")
FEE = Decimal("12345.67")
OTHER_RATE = Decimal("777.77")
CAPTAIN_RATE = Decimal("66.61")
STAFF_NOTE = "REVENUE-SENTINEL staff only"
# Four days before the charters, as the crew tests do.
BEFORE = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def sheet_url(day: str = DAY, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("operations:day_sheet", kwargs={"day": day}) + (f"?{query}" if query else "")


def pdf_url(day: str = DAY, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("operations:day_sheet_pdf", kwargs={"day": day}) + (f"?{query}" if query else "")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def money_forms(value: Decimal) -> set[str]:
    return {str(value), f"{value:,}", str(value).replace(".", ",")}


def accepted(assignment: Assignment) -> Assignment:
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.ACCEPTED)
    assignment.refresh_from_db()
    return assignment


def declined(assignment: Assignment) -> Assignment:
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.DECLINED)
    assignment.refresh_from_db()
    return assignment


@pytest.fixture
def frozen():
    with time_machine.travel(BEFORE, tick=False) as traveller:
        yield traveller


@pytest.fixture
def day(tenant, other_tenant, frozen):
    """Dec 5: three charters sailing (out of time order in the database), one cancelled, a block,
    and another brand's charter the same day."""
    sea = BoatFactory(tenant=tenant, name="Sea Breeze", default_meeting_point="Harbor Island West Marina, dock C")
    little = BoatFactory(tenant=tenant, name="Little Queen", default_meeting_point="Shelter Island launch ramp")
    ChecklistFactory(boat=sea, items=["Fuel checked", "Life jackets counted"])

    main = BookingFactory(
        tenant=tenant,
        boat=sea,
        guest_name="Jordan Guest",
        guest_phone="+18585550199",
        party_size=6,
        start=local(tenant, 2026, 12, 5, 10, 0),
        end=local(tenant, 2026, 12, 5, 15, 0),
        gross_amount=GROSS,
        platform_fee=FEE,
        internal_notes=STAFF_NOTE,
        crew_notes="Bring the spare cooler.",
    )
    event = main.crew_event
    event.weather_briefing = "NW 10-15 kn, swell 4 ft."
    event.logistics = "Park in lot B."
    event.gate_code = "4711#"
    event.save()
    maya = CrewMemberFactory(name="Maya Captain", phone="+1 619-555-0101", tenants=[tenant])
    sam = CrewMemberFactory(name="Sam Deck", phone="+1 619-555-0102", tenants=[tenant])
    rich = CrewMemberFactory(name="Rich Rate", phone="+1 619 555 0103", tenants=[tenant])
    captain = accepted(assign(main, maya, "captain", str(CAPTAIN_RATE), "3"))
    deck = assign(main, sam, "deckhand", "25.00", "5")
    assign(main, rich, "deckhand", str(OTHER_RATE), "4")
    item = event.checklist_items.get(text="Fuel checked")
    checklist_item_set(item=item, member=sam, done=True)

    early = BookingFactory(
        tenant=tenant,
        boat=little,
        guest_name="Avery Early",
        guest_phone="+18585550111",
        party_size=4,
        start=local(tenant, 2026, 12, 5, 7, 30),
        end=local(tenant, 2026, 12, 5, 9, 30),
        gross_amount=Decimal("400.00"),
    )
    assign(early, CrewMemberFactory(name="Lee Skipper", tenants=[tenant]), "captain", "50.00", "2")

    late = BookingFactory(
        tenant=tenant,
        boat=sea,
        guest_name="Casey Sunset",
        party_size=8,
        start=local(tenant, 2026, 12, 5, 17, 0),
        end=local(tenant, 2026, 12, 5, 19, 30),
        gross_amount=Decimal("600.00"),
    )
    declined(assign(late, CrewMemberFactory(name="Dana Declined", tenants=[tenant]), "deckhand", "25.00", "3"))

    cancelled = BookingFactory(
        tenant=tenant,
        boat=little,
        guest_name="Drew Cancelled",
        party_size=2,
        start=local(tenant, 2026, 12, 5, 12, 0),
        gross_amount=Decimal("300.00"),
    )
    cancelled.status = Booking.Status.CANCELLED
    booking_save(booking=cancelled)

    CalendarEntry.objects.create(
        tenant=tenant,
        boat=little,
        title="Engine service",
        kind=CalendarEntry.Kind.MAINTENANCE,
        start=local(tenant, 2026, 12, 5, 19, 0),
        end=local(tenant, 2026, 12, 6, 9, 0),
    )
    elsewhere = BookingFactory(
        tenant=other_tenant,
        guest_name="Other Brand Guest",
        start=local(other_tenant, 2026, 12, 5, 11, 0),
    )
    return type(
        "Day",
        (),
        {
            "main": main,
            "early": early,
            "late": late,
            "cancelled": cancelled,
            "elsewhere": elsewhere,
            "sea": sea,
            "little": little,
            "captain": captain,
            "deck": deck,
            "maya": maya,
        },
    )


@pytest.fixture
def staff(tenant):
    client = Client()
    client.force_login(staff_user(tenant))
    return client


# --- The staff sheet -----------------------------------------------------------------------------


def test_the_staff_sheet_lists_the_days_charters_in_time_order_with_everything(day, staff, tenant):
    response = staff.get(sheet_url())
    assert response.status_code == 200
    html = response.content.decode()
    # In time order, whatever order they were entered in; the cancelled one is there, marked.
    order = [html.index(name) for name in ("Avery Early", "Jordan Guest", "Drew Cancelled", "Casey Sunset")]
    assert order == sorted(order)
    assert "Cancelled</span>" in html
    assert "Times in America/Los_Angeles" in html
    assert "10:00 AM – 3:00 PM PST" in html
    assert "7:30 AM – 9:30 AM PST" in html
    for text in (
        "Sea Breeze",
        "Harbor Island West Marina, dock C",
        "https://www.google.com/maps/search/?api=1&amp;query=Harbor+Island+West+Marina%2C+dock+C",
        "4711#",
        "+1 858-555-0199",  # shown as people read it; the tel: link keeps E.164
        "party of 6",
        "Maya Captain",
        "+1 619-555-0101",
        "Accepted",
        "Invited",
        "Declined",
        "NW 10-15 kn, swell 4 ft.",
        "Park in lot B.",
        "Bring the spare cooler.",
        STAFF_NOTE,
        "Passenger list and waivers: not collected",
        "No captain on this charter.",  # Casey Sunset's
        "Engine service",  # the maintenance block
    ):
        assert text in html, text
    # Who ticked what, and when (Dec 1 12:00 UTC is 4:00 AM in San Diego, four days before).
    assert re.search(r"Fuel checked <span class=\"muted\">· Sam Deck, Dec 1 4:00 AM PST", html)
    # The money line of each charter and the day's totals (the cancelled one not counted).
    main = finance.booking_breakdown(day.main)
    assert str(main.net_to_owner) in html and str(GROSS) in html
    gross_total = GROSS + Decimal("400.00") + Decimal("600.00")
    assert f"<td>{gross_total}</td>" in html
    assert "3 charters sailing, 18 guests; 1 cancelled or weather-owed (not counted)" in html
    # Another brand's charter of the same day is not on it.
    assert "Other Brand Guest" not in html


def test_the_page_is_an_admin_page_with_print_pdf_day_navigation_and_filters(day, staff, tenant):
    html = staff.get(sheet_url(tenant=tenant.pk)).content.decode()
    assert 'id="site-name"' in html  # the admin's own header
    assert "window.print()" in html
    assert f'href="{escape(pdf_url(tenant=tenant.pk, paper="letter"))}"' in html
    assert f'href="{escape(sheet_url("2026-12-04", tenant=tenant.pk))}"' in html
    assert f'href="{escape(sheet_url("2026-12-06", tenant=tenant.pk))}"' in html
    assert '<select name="tenant"' in html and '<select name="boat"' in html
    assert f'<option value="{day.sea.pk}">Sea Breeze</option>' in html
    # Print-ready: the page size, charters kept whole, the admin's chrome hidden on paper.
    assert "size: Letter;" in html
    assert "break-inside: avoid" in html
    assert re.search(r"@media print \{[^}]*#header", html)
    a4 = staff.get(sheet_url(tenant=tenant.pk, paper="a4")).content.decode()
    assert "size: A4;" in a4


def test_the_date_picker_goes_to_that_days_url_keeping_brand_and_boat(day, staff, tenant):
    response = staff.get(sheet_url(tenant=tenant.pk, boat=day.sea.pk, date="2026-12-24"))
    assert response.status_code == 302
    assert response["Location"] == sheet_url("2026-12-24", tenant=tenant.pk, boat=day.sea.pk)


def test_one_boat(day, staff, tenant):
    html = staff.get(sheet_url(tenant=tenant.pk, boat=day.sea.pk)).content.decode()
    assert "Jordan Guest" in html and "Casey Sunset" in html
    assert "Avery Early" not in html and "Drew Cancelled" not in html
    assert "Engine service" not in html  # Little Queen's block


def test_a_charter_belongs_to_its_local_date_in_the_brands_zone(tenant, staff, frozen):
    # 23:30 in San Diego on Dec 5 is Dec 6 in UTC.
    BookingFactory(
        tenant=tenant,
        guest_name="Night Owl",
        start=local(tenant, 2026, 12, 5, 23, 30),
        end=local(tenant, 2026, 12, 6, 1, 30),
    )
    assert "Night Owl" in staff.get(sheet_url("2026-12-05")).content.decode()
    assert "Night Owl" not in staff.get(sheet_url("2026-12-06")).content.decode()
    html = staff.get(sheet_url("2026-12-05")).content.decode()
    assert "11:30 PM – Dec 6 1:30 AM PST" in html


def test_a_daylight_saving_day_shows_both_zone_names(tenant, staff, frozen):
    # Nov 1, 2026: the clocks go back at 2:00 in San Diego.
    BookingFactory(
        tenant=tenant,
        guest_name="Late Sailor",
        start=local(tenant, 2026, 11, 1, 0, 30),
        end=datetime(2026, 11, 1, 11, 0, tzinfo=UTC),  # 3:00 AM PST
    )
    html = staff.get(sheet_url("2026-11-01")).content.decode()
    assert "12:30 AM PDT – 3:00 AM PST" in html


def test_check_in_is_shown_when_recorded(day, staff, tenant):
    Booking.objects.filter(pk=day.main.pk).update(
        guests_boarded=5,
        departed_at=local(tenant, 2026, 12, 5, 10, 7),
        returned_at=local(tenant, 2026, 12, 5, 14, 52),
        incident_note="Guest slipped on the swim step, ice pack given.",
    )
    Booking.objects.filter(pk=day.early.pk).update(no_show=True, guests_boarded=0)
    html = staff.get(sheet_url()).content.decode()
    main = html[html.index("Jordan Guest") : html.index("Drew Cancelled")]
    assert "5 of 6 boarded" in main
    assert "departed 10:07 AM PST" in main
    assert "returned 2:52 PM PST" in main
    assert "Guest slipped on the swim step, ice pack given." in main
    early = html[html.index("Avery Early") : html.index("Jordan Guest")]
    assert "No-show" in early and "0 of 4 boarded" in early


def test_nothing_about_check_in_before_it_is_recorded(day, staff):
    assert "Check-in:" not in staff.get(sheet_url()).content.decode()


# --- Scoping and bad input -----------------------------------------------------------------------


def test_staff_default_to_their_first_brand_and_never_see_anothers(day, tenant, other_tenant):
    client = Client()
    client.force_login(staff_user(other_tenant, username="keywest"))
    html = client.get(sheet_url()).content.decode()
    assert "Other Brand Guest" in html and "Times in America/New_York" in html
    assert "Jordan Guest" not in html
    for url in (
        sheet_url(tenant=tenant.pk),
        pdf_url(tenant=tenant.pk),
        sheet_url(tenant=other_tenant.pk, boat=day.sea.pk),  # a boat of a brand they do not manage
        pdf_url(tenant=other_tenant.pk, boat=day.sea.pk),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Jordan Guest" not in response.content


def test_staff_of_two_brands_pick_one(day, tenant, other_tenant):
    client = Client()
    client.force_login(staff_user(tenant, other_tenant, username="both"))
    html = client.get(sheet_url(tenant=other_tenant.pk)).content.decode()
    assert "Other Brand Guest" in html and "Jordan Guest" not in html
    # Key West Sunsets sorts before Queen of San Diego: the default.
    assert "Other Brand Guest" in client.get(sheet_url()).content.decode()


@pytest.mark.parametrize(
    "day_value", ["2026-13-01", "2026-02-30", "20261205", "2026-W49-6", "nope", "0001-01-01", "9999-12-31", "2026-12-5"]
)
def test_a_bad_date_is_a_404_not_a_500(staff, tenant, day_value):
    assert staff.get(sheet_url(day_value)).status_code == 404
    assert staff.get(pdf_url(day_value)).status_code == 404


@pytest.mark.parametrize(
    "params", [{"tenant": "abc"}, {"tenant": "-1"}, {"boat": "x1"}, {"tenant": "٣"}, {"date": "soon"}]
)
def test_bad_query_values_are_a_404(staff, tenant, params):
    assert staff.get(sheet_url(**params)).status_code == 404


def test_a_brand_that_does_not_exist_is_a_404(staff, tenant):
    assert staff.get(sheet_url(tenant=987654)).status_code == 404


def test_staff_without_a_brand_get_a_404(db):
    client = Client()
    client.force_login(staff_user(username="nobrand"))
    assert client.get(sheet_url()).status_code == 404


def test_anonymous_visitors_go_to_the_admin_login(day):
    for url in (sheet_url(), pdf_url()):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_the_staff_sheet_keeps_a_constant_query_count(tenant, staff, frozen, django_assert_max_num_queries):
    boats = [BoatFactory(tenant=tenant, name=f"Boat {n}") for n in range(4)]
    for boat in boats:
        ChecklistFactory(boat=boat)

    def add(first: int, n: int) -> None:
        for i in range(first, first + n):
            boat = boats[i % 4]
            start = local(tenant, 2026, 12, 5, 7, 0) + timedelta(hours=2) * (i // 4)
            booking = BookingFactory(tenant=tenant, boat=boat, start=start, end=start + timedelta(hours=1))
            assign(booking, CrewMemberFactory(tenants=[tenant]), "captain", "50", "2")
            assign(booking, CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "2")
        CalendarEntry.objects.create(
            tenant=tenant,
            title="Blackout",
            kind=CalendarEntry.Kind.BLACKOUT,
            start=local(tenant, 2026, 12, 5, 22, first),
            end=local(tenant, 2026, 12, 5, 23, 0),
        )

    add(0, 2)
    with CaptureQueriesContext(connection) as at_two:
        assert staff.get(sheet_url()).status_code == 200
    add(2, 18)
    with django_assert_max_num_queries(len(at_two)):
        html = staff.get(sheet_url()).content.decode()
    assert html.count('class="charter status-confirmed"') == 20
    assert len(at_two) <= 12  # session, user, brands, boats, bookings, crew, checklists, blocks (+ admin)


# --- The PDF -------------------------------------------------------------------------------------


def test_the_pdf_is_the_sheet_with_money_for_staff(day, staff, tenant):
    response = staff.get(pdf_url(tenant=tenant.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="day-sheet-{tenant.slug}-{DAY}.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert [round(float(x)) for x in reader.pages[0].mediabox.upper_right] == [612, 792]  # Letter
    text = pdf_text(response.content)
    for expected in (
        "Avery Early",
        "Jordan Guest",
        "Casey Sunset",
        "10:00 AM – 3:00 PM PST",
        "7:30 AM – 9:30 AM PST",
        "Maya Captain",
        "Sam Deck",
        "4711#",
        str(GROSS),
        str(finance.booking_breakdown(day.main).net_to_owner),
        STAFF_NOTE,
    ):
        assert expected in text, expected
    assert "Other Brand Guest" not in text
    assert "Previous day" not in text and "All boats" not in text  # no toolbar in the PDF


def test_the_pdf_of_one_boat_on_a4(day, staff, tenant):
    response = staff.get(pdf_url(tenant=tenant.pk, boat=day.sea.pk, paper="a4"))
    assert response["Content-Disposition"] == f'attachment; filename="day-sheet-{tenant.slug}-sea-breeze-{DAY}.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert [round(float(x)) for x in reader.pages[0].mediabox.upper_right] == [595, 842]  # A4
    text = pdf_text(response.content)
    assert "Jordan Guest" in text and "Avery Early" not in text


# --- The captain's copy --------------------------------------------------------------------------


def captain_url(event_id: int) -> str:
    return reverse("operations_crew:crew_day_sheet", kwargs={"event_id": event_id})


def forbidden_values(day) -> set[str]:
    """Money, staff-only notes and anyone's pay, in every form a page might print them."""
    breakdown = finance.booking_breakdown(day.main)
    forbidden = {STAFF_NOTE, "REVENUE-SENTINEL", "Net to owner", "Gross"}
    for value in (
        GROSS,
        FEE,
        OTHER_RATE,
        CAPTAIN_RATE,
        finance.line_pay(OTHER_RATE, Decimal("4")),
        finance.line_pay(CAPTAIN_RATE, Decimal("3")),
        finance.line_pay(Decimal("25.00"), Decimal("5")),
        breakdown.net_to_owner,
        breakdown.port_tax,
        breakdown.crew_pay,
        breakdown.captain_fee,
    ):
        forbidden |= money_forms(value)
    return forbidden


def test_the_captain_sees_the_sheet_of_their_charter_without_money(day, frozen):
    phone = open_link(day.captain)
    frozen.move_to(day.main.start - timedelta(hours=2))
    response = phone.get(captain_url(day.main.crew_event.pk))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    for text in (
        "Captain&#x27;s sheet",
        "Jordan Guest",
        "+1 858-555-0199",
        "4711#",
        "10:00 AM – 3:00 PM PST",
        "Harbor Island West Marina, dock C",
        "Maya Captain",
        "Sam Deck",
        "Rich Rate",
        "+1 619-555-0102",
        "Fuel checked",
        "NW 10-15 kn, swell 4 ft.",
        "Park in lot B.",
        "Bring the spare cooler.",
    ):
        assert text in html, text
    assert "Casey Sunset" not in html and "Avery Early" not in html  # that charter only
    assert "/admin/" not in html and 'id="site-name"' not in html  # no admin links or chrome
    leaks = {value for value in forbidden_values(day) if value in html}
    assert leaks == set()


def test_the_captains_copy_holds_no_money_at_all(day, frozen):
    frozen.move_to(day.main.start - timedelta(hours=2))
    access = captain_access(member=day.maya, event_id=day.main.crew_event.pk, now=day.main.start - timedelta(hours=1))
    sheet = captain_sheet(access=access)
    [charter] = sheet.charters
    assert sheet.totals is None and charter.money is None and charter.check_in is None
    assert charter.staff_notes == ""
    assert {(c.name, c.pay, c.paid_hours) for c in charter.crew} == {
        ("Maya Captain", None, None),
        ("Sam Deck", None, None),
        ("Rich Rate", None, None),
    }
    assert captain_sheet(access=access) == sheet  # plain data, nothing lazy


def test_the_captains_sheet_opens_24_hours_before_the_start_and_closes_at_the_end(day, frozen):
    phone = open_link(day.captain)
    url = captain_url(day.main.crew_event.pk)
    frozen.move_to(day.main.start - timedelta(hours=24, minutes=1))
    early = phone.get(url).content.decode()
    assert "The sheet opens on Friday, December 4 at 10:00 AM PST" in early
    for detail in ("4711#", "+18585550199", "Jordan Guest", "Sam Deck", "Fuel checked"):
        assert detail not in early
    frozen.move_to(day.main.start - timedelta(hours=24))
    assert "4711#" in phone.get(url).content.decode()
    frozen.move_to(day.main.end)
    assert "4711#" in phone.get(url).content.decode()
    frozen.move_to(day.main.end + timedelta(minutes=1))
    ended = phone.get(url).content.decode()
    assert "This charter has ended" in ended
    assert "4711#" not in ended and "+18585550199" not in ended


def test_a_cancelled_charter_has_no_captains_sheet_details(day, frozen):
    phone = open_link(day.captain)
    day.main.status = Booking.Status.CANCELLED
    booking_save(booking=day.main)
    frozen.move_to(day.main.start - timedelta(hours=2))
    html = phone.get(captain_url(day.main.crew_event.pk)).content.decode()
    assert "not sailing" in html and "4711#" not in html and "+18585550199" not in html


def test_only_the_captain_who_has_not_declined_gets_the_sheet(day, frozen, tenant):
    url = captain_url(day.main.crew_event.pk)
    deck_phone = open_link(day.deck)
    frozen.move_to(day.main.start - timedelta(hours=2))
    assert deck_phone.get(url).status_code == 404  # a deckhand of that charter
    # Another charter's captain (Avery Early's) and a made-up event id.
    other_captain = Assignment.objects.get(event=day.early.crew_event, role__slug="captain")
    frozen.move_to(BEFORE)
    other_phone = open_link(other_captain)
    frozen.move_to(day.main.start - timedelta(hours=2))
    assert other_phone.get(url).status_code == 404
    assert other_phone.get(captain_url(987654)).status_code == 404
    # No crew session: the crew login page, as every crew page.
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("crew:new_link"))
    # Staff logged into the admin are not crew either.
    staff = Client()
    staff.force_login(staff_user(tenant))
    assert staff.get(url).status_code == 302
    # The captain who declined.
    captain_phone = open_link(day.captain)
    declined(day.captain)
    assert captain_phone.get(url).status_code == 404
