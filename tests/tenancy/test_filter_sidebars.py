"""List pages' filter sidebars, date drill-down and search show staff only their own brands' names."""

from __future__ import annotations

import pytest

from bookings.models import Boat, Booking, CalendarEntry
from crew.models import CrewEvent, CrewMember
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory, TenantFactory, assign, local, staff_user
from tests.tenancy.conftest import admin_url

pytestmark = pytest.mark.django_db

# Found only in brand B's rows: none may reach a page staff of brand A (and C) open.
SENTINELS = ("Zebrawave Yachts", "Zebra Narwhal", "Zebra Okapi", "Zebra Guest", "Quokka Role")
LISTS = (Booking, Boat, CalendarEntry, CrewMember, CrewEvent)


@pytest.fixture
def brands(brand_a, brand_b):
    """Brand A and C (one staff user manages both) with two boats each; brand B with its own names."""
    brand_c = TenantFactory(name="Cormorant Cruises", slug="cormorant")
    for brand, boats in ((brand_a, ("Alpha Petrel", "Alpha Tern")), (brand_c, ("Cormorant One", "Cormorant Two"))):
        for name in boats:
            booking = BookingFactory(
                tenant=brand, boat=BoatFactory(tenant=brand, name=name), guest_name=f"{name} Guest"
            )
            assign(booking, CrewMemberFactory(name=f"{name} Crew", tenants=[brand]), "deckhand", "25", "4")
    for name in ("Zebra Narwhal", "Zebra Okapi"):
        booking = BookingFactory(
            tenant=brand_b,
            boat=BoatFactory(tenant=brand_b, name=name),
            guest_name="Zebra Guest",
            start=local(brand_b, 2031, 3, 5, 10, 0),  # a year brand A has nothing in
        )
        assign(booking, CrewMemberFactory(name="Zebra Crew", tenants=[brand_b]), "quokka-role", "25", "4")
    return brand_a, brand_b, brand_c


@pytest.fixture
def staff_ac_client(client, brands):
    brand_a, _, brand_c = brands
    client.force_login(staff_user(brand_a, brand_c, username="ac-staff"))
    return client


def filter_sidebar(body: str) -> str:
    start = body.index('id="changelist-filter"')
    return body[start : body.index("</nav>", start)]


@pytest.mark.parametrize("model", LISTS, ids=lambda m: m.__name__)
def test_staff_pages_name_no_other_brand(staff_ac_client, model):
    body = staff_ac_client.get(admin_url(model, "changelist")).content.decode()
    for sentinel in SENTINELS:
        assert sentinel not in body, sentinel
    assert "2031" not in body  # the date drill-down counts only the user's rows


@pytest.mark.parametrize(
    "model, shown",
    [
        (Booking, ("Alphasail Charters", "Cormorant Cruises", "Alpha Petrel", "Cormorant Two")),
        (CalendarEntry, ("Alphasail Charters", "Cormorant Cruises", "Alpha Tern", "Cormorant One")),
        (Boat, ("Alphasail Charters", "Cormorant Cruises")),
        (CrewMember, ("Alphasail Charters", "Cormorant Cruises")),
        (CrewEvent, ("Alphasail Charters", "Cormorant Cruises", "Alpha Petrel", "Cormorant Two")),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_filters_list_the_users_own_brands_and_boats(staff_ac_client, superuser_client, model, shown):
    mine = filter_sidebar(staff_ac_client.get(admin_url(model, "changelist")).content.decode())
    for name in shown:
        assert name in mine, name
    # The same filters, unscoped, for a superuser: so the assertions above are about the right sidebar.
    every = filter_sidebar(superuser_client.get(admin_url(model, "changelist")).content.decode())
    assert "Zebrawave Yachts" in every


def test_the_boat_filter_of_a_superuser_lists_every_brands_boats(superuser_client, brands):
    every = filter_sidebar(superuser_client.get(admin_url(Booking, "changelist")).content.decode())
    assert "Zebra Narwhal" in every and "Alpha Petrel" in every


def test_searching_for_another_brands_guest_finds_nothing(staff_ac_client):
    for model in (Booking, CalendarEntry, CrewEvent):
        response = staff_ac_client.get(admin_url(model, "changelist"), {"q": "Zebra Guest"})
        assert response.context["cl"].result_count == 0, model
    response = staff_ac_client.get(admin_url(CrewMember, "changelist"), {"q": "Zebra Crew"})
    assert response.context["cl"].result_count == 0


def test_a_crafted_filter_for_another_brand_shows_nothing_of_it(staff_ac_client, brands):
    _, brand_b, _ = brands
    response = staff_ac_client.get(admin_url(Booking, "changelist"), {"tenant__id__exact": brand_b.pk})
    assert response.context["cl"].result_count == 0
    assert "Zebrawave Yachts" not in response.content.decode()
