"""Phone numbers are validated where staff enter them and stored in E.164 (charterops/phones.py)."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from bookings.models import Booking
from charterops.phones import is_mobile_e164, phone_e164
from crew.models import CrewMember
from tests.bookings.test_admin import booking_form_data
from tests.factories import BoatFactory, BookingFactory, CrewMemberFactory
from tests.tenancy.test_crew_identity import member_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+1 858 555 0142", "+18585550142"),
        ("(858) 555-0142", "+18585550142"),  # no country code: the default region (US)
        ("858.555.0142", "+18585550142"),
        ("+44 7400 123456", "+447400123456"),
        ("  +61 412 345 678 ", "+61412345678"),
    ],
)
def test_numbers_are_stored_in_e164(typed, stored):
    assert phone_e164(typed) == stored


def test_the_default_region_reads_numbers_without_a_country_code(settings):
    settings.PHONE_DEFAULT_REGION = "GB"
    assert phone_e164("07400 123456") == "+447400123456"
    assert phone_e164("07400 123456", region="GB") == "+447400123456"


@pytest.mark.parametrize("typed", ["+1 555 0199 7731", "+1 000", "call me", "12", "+44 7400"])
def test_a_number_that_is_not_one_is_refused_with_a_message_staff_can_act_on(typed):
    with pytest.raises(ValueError) as excinfo:
        phone_e164(typed)
    assert typed.strip() in str(excinfo.value) and "country code" in str(excinfo.value)


def test_mobile_numbers():
    assert is_mobile_e164("+18585550142")  # the US cannot tell mobiles from landlines: counted as mobile
    assert is_mobile_e164("+447400123456")
    assert not is_mobile_e164("+442071234567")  # a London landline cannot take a text
    assert not is_mobile_e164("+1 858 555 0142")  # not stored as E.164
    assert not is_mobile_e164("")
    assert not is_mobile_e164("+1555")


# --- the admin ----------------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client.force_login(user)
    return client


def _change(model, pk) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def test_the_booking_page_shows_a_field_error_for_a_bad_number_and_stores_a_good_one(superuser_client, tenant):
    booking = BookingFactory(tenant=tenant)
    response = superuser_client.post(_change(Booking, booking.pk), booking_form_data(booking, guest_phone="555-12"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["guest_phone"] and "country code" in errors["guest_phone"][0]
    response = superuser_client.post(
        _change(Booking, booking.pk), booking_form_data(booking, guest_phone="+44 7400 123456")
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    booking.refresh_from_db()
    assert booking.guest_phone == "+447400123456"


def test_the_crew_member_page_validates_the_phone_and_offers_texts_next_to_it(superuser_client, tenant):
    member = CrewMemberFactory(tenants=[tenant], phone="+1 619 555 0100")
    response = superuser_client.get(_change(CrewMember, member.pk))
    fields = list(response.context["adminform"].form.fields)
    assert fields[fields.index("phone") + 1] == "sms_opt_in"
    response = superuser_client.post(_change(CrewMember, member.pk), member_form(member, phone="+1 000"))
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert CrewMember.objects.get(pk=member.pk).phone == "+1 619 555 0100"
    response = superuser_client.post(
        _change(CrewMember, member.pk), member_form(member, phone="(619) 555-0177", sms_opt_in="on")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.phone, member.sms_opt_in) == ("+16195550177", True)


# --- the CSV import ----------------------------------------------------------------------------------

HEADER = "external_reference,boat,guest_name,guest_phone,party_size,service_date,start_time,end_time,gross_amount\n"


def test_the_import_names_the_row_of_a_bad_number_and_stores_good_ones_in_e164(tenant, tmp_path):
    BoatFactory(tenant=tenant, name="Queen of San Diego", capacity=12)
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER
        + "R-1,Queen of San Diego,Good One,(858) 555-0142,4,2026-12-20,10:00,14:00,500.00\n"
        + "R-2,Queen of San Diego,Bad Phone,555-12,4,2026-12-21,10:00,14:00,500.00\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_bookings",
            "--source",
            "boatsetter",
            "--tenant",
            tenant.slug,
            str(path),
            stdout=io.StringIO(),
            stderr=err,
        )
    [line] = err.getvalue().splitlines()
    assert line.startswith("row 3:") and "guest_phone" in line and "555-12" in line
    assert Booking.objects.get(external_reference="R-1").guest_phone == "+18585550142"
    # The same file again: the good row compares equal to what was stored, so it is unchanged.
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_bookings", "--source", "boatsetter", "--tenant", tenant.slug, str(path), stdout=out, stderr=err
        )
    assert "0 created, 0 updated, 1 unchanged" in out.getvalue()


# --- the data migrations --------------------------------------------------------------------------------


def test_the_booking_migration_normalises_numbers_that_parse_and_leaves_the_others(tenant):
    good = BookingFactory(tenant=tenant)
    odd = BookingFactory(tenant=tenant)
    Booking.objects.filter(pk=good.pk).update(guest_phone="(858) 555-0142")
    Booking.objects.filter(pk=odd.pk).update(guest_phone="ask the office")
    importlib.import_module("bookings.migrations.0011_guest_phone_e164").normalise_guest_phones(global_apps, None)
    assert Booking.objects.get(pk=good.pk).guest_phone == "+18585550142"
    assert Booking.objects.get(pk=odd.pk).guest_phone == "ask the office"


def test_the_crew_migration_normalises_crew_phones(tenant):
    good = CrewMemberFactory(tenants=[tenant], phone="619 555 0142")
    odd = CrewMemberFactory(tenants=[tenant], phone="ext. 12")
    importlib.import_module("crew.migrations.0006_crew_phone_e164").normalise_crew_phones(global_apps, None)
    assert CrewMember.objects.get(pk=good.pk).phone == "+16195550142"
    assert CrewMember.objects.get(pk=odd.pk).phone == "ext. 12"
