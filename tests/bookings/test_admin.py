"""The staff admin: every page opens, money shows, lists keep a constant query count, tenants stay apart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bookings.models import Boat, Booking, CalendarEntry, Tenant
from crew.models import Assignment, ChecklistTemplate, CrewEvent, CrewMember, Role
from guestpages.models import GuestPage
from outbox.models import Effect
from tests.factories import BoatFactory, BookingFactory, ChecklistFactory, CrewMemberFactory, assign, local, staff_user

pytestmark = pytest.mark.django_db

ADMINS = [Tenant, Boat, Booking, CalendarEntry, CrewMember, CrewEvent, Role, ChecklistTemplate, GuestPage, Effect]


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client.force_login(user)
    return client


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", ADMINS, ids=lambda m: m.__name__)
def test_every_model_admin_opens_changelist_add_and_change(superuser_client, worked_example, model):
    ChecklistFactory(boat=worked_example.boat)
    assert superuser_client.get(_url(model, "changelist")).status_code == 200
    add = superuser_client.get(_url(model, "add"))
    assert add.status_code in (200, 403)  # events, pages and effects are created by the app, not by hand
    obj = model.objects.order_by("pk").first()
    assert obj is not None, model
    assert superuser_client.get(_url(model, "change", obj.pk)).status_code == 200


def test_booking_page_shows_the_money_breakdown(superuser_client, worked_example):
    response = superuser_client.get(_url(Booking, "change", worked_example.pk))
    body = response.content.decode()
    assert "289.41" in body
    for figure in ("840.75", "250.00", "150.00", "151.34"):
        assert figure in body
    changelist = superuser_client.get(_url(Booking, "changelist")).content.decode()
    assert "289.41" in changelist


def test_booking_changelist_query_count_does_not_grow_with_rows(
    superuser_client, tenant, django_assert_max_num_queries
):
    def make(n):
        for _ in range(n):
            b = BookingFactory(tenant=tenant)
            assign(b, CrewMemberFactory(tenants=[tenant]), "captain", "50", "3")
            assign(b, CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "5")

    make(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert superuser_client.get(_url(Booking, "changelist")).status_code == 200
    make(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = superuser_client.get(_url(Booking, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 17


@pytest.mark.parametrize("model", [CrewEvent, CrewMember, CalendarEntry, Effect])
def test_other_changelists_keep_a_constant_query_count(superuser_client, tenant, model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(n):
        for _ in range(n):
            b = BookingFactory(tenant=tenant)
            assign(b, CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "5")

    make(2)
    with CaptureQueriesContext(connection) as few:
        superuser_client.get(_url(model, "changelist"))
    make(10)
    with CaptureQueriesContext(connection) as many:
        assert superuser_client.get(_url(model, "changelist")).status_code == 200
    assert len(many.captured_queries) <= len(few.captured_queries)


# --- tenant isolation -----------------------------------------------------------


@pytest.fixture
def two_brands(tenant, other_tenant):
    mine = BookingFactory(tenant=tenant, guest_name="Mine Guest")
    theirs = BookingFactory(tenant=other_tenant, guest_name="Theirs Guest")
    my_crew = CrewMemberFactory(name="Only Mine", tenants=[tenant])
    their_crew = CrewMemberFactory(name="Only Theirs", tenants=[other_tenant])
    assign(theirs, their_crew, "deckhand", "25", "4")
    return mine, theirs, my_crew, their_crew


@pytest.fixture
def staff_client(client, tenant):
    client.force_login(staff_user(tenant))
    return client


def test_staff_see_only_their_brand_in_every_list(staff_client, two_brands):
    mine, theirs, my_crew, their_crew = two_brands
    pages = {
        Booking: ("Mine Guest", "Theirs Guest"),
        CrewMember: ("Only Mine", "Only Theirs"),
        Boat: (mine.boat.name, theirs.boat.name),
        CrewEvent: ("Mine Guest", "Theirs Guest"),
        CalendarEntry: ("Mine Guest", "Theirs Guest"),
        Tenant: (mine.tenant.name, theirs.tenant.name),
    }
    for model, (visible, hidden) in pages.items():
        body = staff_client.get(_url(model, "changelist")).content.decode()
        assert visible in body, model
        assert hidden not in body, model


def test_staff_cannot_open_or_edit_another_brands_objects(staff_client, two_brands):
    mine, theirs, my_crew, their_crew = two_brands
    for model, obj in [
        (Booking, theirs),
        (CrewMember, their_crew),
        (Boat, theirs.boat),
        (CrewEvent, theirs.crew_event),
    ]:
        response = staff_client.get(_url(model, "change", obj.pk))
        assert response.status_code == 302 and response.url == reverse("admin:index"), model
    before = Booking.objects.get(pk=theirs.pk).guest_name
    staff_client.post(_url(Booking, "change", theirs.pk), {"guest_name": "hacked"})
    assert Booking.objects.get(pk=theirs.pk).guest_name == before


def test_staff_cannot_point_a_booking_at_another_brands_boat_or_crew(staff_client, two_brands, tenant):
    mine, theirs, my_crew, their_crew = two_brands
    data = booking_form_data(mine, boat=theirs.boat.pk)
    response = staff_client.post(_url(Booking, "change", mine.pk), data)
    assert response.status_code == 200
    assert "boat" in response.context["adminform"].form.errors
    data = booking_form_data(mine)
    data.update(inline_row(0, their_crew, Role.objects.get(slug="deckhand")))
    data["assignments-TOTAL_FORMS"] = "1"
    response = staff_client.post(_url(Booking, "change", mine.pk), data)
    assert response.status_code == 200
    assert not Assignment.objects.filter(crew_member=their_crew, event__booking=mine).exists()
    autocomplete = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "bookings", "model_name": "booking", "field_name": "boat", "term": ""},
    ).json()
    names = {r["text"] for r in autocomplete["results"]}
    assert mine.boat.name in names and theirs.boat.name not in names


def test_staff_editing_shared_crew_keep_the_brands_they_cannot_see(staff_client, tenant, other_tenant):
    shared = CrewMemberFactory(name="Shared Person", tenants=[tenant, other_tenant])
    response = staff_client.post(
        _url(CrewMember, "change", shared.pk),
        {
            "name": "Shared Person Renamed",
            "email": shared.email,
            "phone": "",
            "default_hourly_rate": "30.00",
            "active": "on",
            "tenants": [tenant.pk],
            **management_form("credentials"),
            **management_form("time_off"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    shared.refresh_from_db()
    assert shared.name == "Shared Person Renamed"
    assert set(shared.tenants.all()) == {tenant, other_tenant}


def test_superuser_sees_every_brand(superuser_client, two_brands):
    body = superuser_client.get(_url(Booking, "changelist")).content.decode()
    assert "Mine Guest" in body and "Theirs Guest" in body


# --- helpers for posting the booking form ------------------------------------------


def management_form(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def booking_form_data(booking: Booking, **overrides) -> dict:
    from django.utils import timezone

    start = timezone.localtime(booking.start, booking.tenant.zone)
    end = timezone.localtime(booking.end, booking.tenant.zone)
    data = {
        "tenant": booking.tenant_id,
        "boat": booking.boat_id,
        "source": booking.source,
        "external_reference": booking.external_reference,
        "status": booking.status,
        "guest_name": booking.guest_name,
        "guest_email": booking.guest_email,
        "guest_phone": booking.guest_phone,
        "party_size": booking.party_size,
        "start_0": start.strftime("%Y-%m-%d"),
        "start_1": start.strftime("%H:%M:%S"),
        "end_0": end.strftime("%Y-%m-%d"),
        "end_1": end.strftime("%H:%M:%S"),
        "meeting_point": booking.meeting_point,
        "gross_amount": str(booking.gross_amount),
        "platform_fee": str(booking.platform_fee),
        "port_tax_rate": str(booking.port_tax_rate),
        "internal_notes": booking.internal_notes,
        "crew_notes": booking.crew_notes,
        "guest_notes": booking.guest_notes,
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
        "effects-TOTAL_FORMS": "0",
        "effects-INITIAL_FORMS": "0",
        "effects-MIN_NUM_FORMS": "0",
        "effects-MAX_NUM_FORMS": "1000",
    }
    if booking.platform_pays_captain:
        data["platform_pays_captain"] = "on"
    data.update(overrides)
    return data


def inline_row(i: int, member: CrewMember, role: Role, rate="25.00", hours="5", status="invited") -> dict:
    return {
        f"assignments-{i}-crew_member": member.pk,
        f"assignments-{i}-role": role.pk,
        f"assignments-{i}-hourly_rate": rate,
        f"assignments-{i}-paid_hours": hours,
        f"assignments-{i}-status": status,
    }


def test_new_booking_with_crew_through_the_admin(
    superuser_client, tenant, django_capture_on_commit_callbacks, mailoutbox
):
    boat = BoatFactory(tenant=tenant, capacity=12)
    ChecklistFactory(boat=boat, items=["Fuel", "Ice"])
    captain = CrewMemberFactory(tenants=[tenant], email="cap@example.com")
    deck = CrewMemberFactory(tenants=[tenant], email="deck@example.com")
    template = Booking(
        tenant=tenant,
        boat=boat,
        source="boatsetter",
        external_reference="BS-NEW-1",
        guest_name="New Guest",
        party_size=6,
        gross_amount=Decimal("840.75"),
        platform_fee=Decimal("0"),
        port_tax_rate=Decimal("18"),
        start=local(tenant, 2026, 7, 4, 10, 0),
    )
    template.end = template.start.replace(hour=15)
    data = booking_form_data(template)
    data.update(
        inline_row(0, captain, Role.objects.get_or_create(slug="captain", defaults={"name": "Captain"})[0], "50", "3")
    )
    data.update(
        inline_row(1, deck, Role.objects.get_or_create(slug="deckhand", defaults={"name": "Deckhand"})[0], "25", "5")
    )
    data["assignments-TOTAL_FORMS"] = "2"
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(_url(Booking, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    booking = Booking.objects.get(external_reference="BS-NEW-1")
    # 10:00 in San Diego on July 4th (PDT, UTC-7) is 17:00 UTC.
    assert booking.start.isoformat() == "2026-07-04T17:00:00+00:00"
    assert booking.crew_event.assignments.count() == 2
    assert [i.text for i in booking.crew_event.checklist_items.all()] == ["Fuel", "Ice"]
    entry = booking.calendar_entry
    assert (entry.start, entry.end, entry.kind, entry.created_by_user.username) == (
        booking.start,
        booking.end,
        "charter",
        "boss",
    )
    assert sorted(m.to[0] for m in mailoutbox) == ["cap@example.com", "deck@example.com"]
    assert Effect.objects.filter(booking=booking, status=Effect.Status.SENT).count() == 3
