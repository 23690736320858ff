"""One person, one place: crew clashes across brands with the travel buffer, time off, credentials."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bookings.availability import ConflictError
from bookings.models import Booking
from bookings.services import booking_save
from crew.models import Assignment, Credential, CredentialKind, TimeOff
from crew.services import assignment_save
from tests.factories import BookingFactory, CrewMemberFactory, assign, local, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def maya(tenant, other_tenant):
    return CrewMemberFactory(name="Maya Captain", tenants=[tenant, other_tenant])


@pytest.fixture
def morning(tenant):
    """Sat Dec 5 10:00-13:00 PST on its own boat."""
    return BookingFactory(
        tenant=tenant,
        guest_name="Jordan Guest",
        start=local(tenant, 2026, 12, 5, 10, 0),
        end=local(tenant, 2026, 12, 5, 13, 0),
    )


def charter(tenant, hour, minute=0, hours=3, **extra) -> Booking:
    start = local(tenant, 2026, 12, 5, hour, minute)
    return BookingFactory(tenant=tenant, start=start, end=start + timedelta(hours=hours), **extra)


@pytest.mark.parametrize(("hour", "minute", "ok"), [(13, 59, False), (14, 0, True), (8, 30, False), (8, 0, True)])
def test_two_charters_need_the_travel_buffer_between_them(tenant, maya, morning, hour, minute, ok):
    assign(morning, maya, "captain", "50", "3")
    other = charter(tenant, hour, minute, hours=1 if hour < 10 else 3, guest_name="Second Party")
    if ok:
        assign(other, maya, "captain", "50", "3")
    else:
        with pytest.raises(ConflictError) as caught:
            assign(other, maya, "captain", "50", "3")
        message = caught.value.messages[0]
        assert "Maya Captain is on" in message and "as captain (Jordan Guest)" in message
        assert "Sat Dec 5, 10:00–13:00 PST" in message
        assert not Assignment.objects.filter(event__booking=other).exists()


def test_the_buffer_is_a_setting(settings, tenant, maya, morning):
    settings.CREW_TRAVEL_BUFFER_MINUTES = 0
    assign(morning, maya, "captain", "50", "3")
    assign(charter(tenant, 13, 0), maya, "captain", "50", "3")


def test_one_person_one_place_across_brands_without_naming_the_other_brands_guest(tenant, other_tenant, maya, morning):
    theirs = BookingFactory(
        tenant=other_tenant,
        guest_name="Secret Guest",
        start=local(other_tenant, 2026, 12, 5, 14, 0),  # 11:00 in San Diego
        end=local(other_tenant, 2026, 12, 5, 16, 0),
    )
    assign(theirs, maya, "captain", "50", "2")
    with pytest.raises(ConflictError) as caught:
        assign(morning, maya, "captain", "50", "3")
    message = caught.value.messages[0]
    assert "another brand's charter, Sat Dec 5, 11:00–13:00 PST" in message
    assert "Secret Guest" not in message and theirs.boat.name not in message
    assert caught.value.clashes[0].booking_id == theirs.pk  # the API may name the id; the text does not


def test_a_declined_assignment_holds_nothing(tenant, maya, morning):
    declined = assign(morning, maya, "captain", "50", "3")
    declined.status = Assignment.Status.DECLINED
    assignment_save(assignment=declined)
    assign(charter(tenant, 11), maya, "captain", "50", "3")
    # ...and staff cannot set it back to invited while she is on the other charter.
    declined.status = Assignment.Status.INVITED
    with pytest.raises(ConflictError):
        assignment_save(assignment=declined)


@pytest.mark.parametrize("status", [Booking.Status.CANCELLED, Booking.Status.WEATHER_OWED])
def test_a_cancelled_or_weather_owed_charter_holds_no_crew(tenant, maya, morning, status):
    assign(morning, maya, "captain", "50", "3")
    morning.status = status
    booking_save(booking=morning)
    assign(charter(tenant, 11), maya, "captain", "50", "3")


def test_moving_a_booking_onto_a_crew_members_other_charter_is_refused(tenant, maya, morning):
    assign(morning, maya, "captain", "50", "3")
    evening = charter(tenant, 18, guest_name="Evening Party")
    assign(evening, maya, "captain", "50", "3")
    evening.start = local(tenant, 2026, 12, 5, 12, 0)
    evening.end = local(tenant, 2026, 12, 5, 14, 0)
    with pytest.raises(ConflictError) as caught:
        booking_save(booking=evening)
    assert "Maya Captain is on" in caught.value.messages[0]
    assert "Take them off this charter" in caught.value.messages[-1]
    evening.refresh_from_db()
    assert evening.local_start().hour == 18


def test_time_off_refuses_an_assignment_without_saying_why_they_are_away(tenant, maya, morning):
    TimeOff.objects.create(
        crew_member=maya,
        start=morning.start - timedelta(hours=1),
        end=morning.start + timedelta(hours=1),
        note="surgery",
    )
    with pytest.raises(ConflictError) as caught:
        assign(morning, maya, "captain", "50", "3")
    assert "Maya Captain is away" in caught.value.messages[0]
    assert "surgery" not in caught.value.messages[0]


# --- credentials -----------------------------------------------------------------------------------


@pytest.fixture
def license_kind():
    kind = CredentialKind.objects.get(slug="uscg-license")
    role("captain").required_credential_kinds.add(kind)
    return kind


def test_without_requirements_nothing_is_checked(tenant, maya, morning):
    assign(morning, maya, "captain", "50", "3")


def test_a_missing_credential_is_named(tenant, maya, morning, license_kind):
    with pytest.raises(ConflictError, match=r"Maya Captain has no USCG license on file \(needed as captain\)"):
        assign(morning, maya, "captain", "50", "3")
    assign(morning, maya, "deckhand", "25", "3")  # deckhands need no licence


@pytest.mark.parametrize(
    ("issued", "expires", "ok", "text"),
    [
        (date(2020, 1, 1), date(2026, 12, 4), False, "USCG license expired on Dec 4, 2026"),
        (date(2020, 1, 1), date(2026, 12, 5), True, ""),  # valid through the charter's day
        (date(2026, 12, 6), date(2030, 1, 1), False, "only valid from Dec 6, 2026"),
        (None, None, True, ""),  # no dates: does not expire
    ],
)
def test_a_credential_must_be_valid_on_the_charters_date(
    tenant, maya, morning, license_kind, issued, expires, ok, text
):
    Credential.objects.create(crew_member=maya, kind=license_kind, issued_on=issued, expires_on=expires)
    if ok:
        assign(morning, maya, "captain", "50", "3")
    else:
        with pytest.raises(ConflictError, match=text):
            assign(morning, maya, "captain", "50", "3")


def test_a_charter_past_midnight_needs_the_credential_on_its_last_day(tenant, maya, license_kind):
    night = BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 4, 22, 0), end=local(tenant, 2026, 12, 5, 1, 0))
    Credential.objects.create(crew_member=maya, kind=license_kind, expires_on=date(2026, 12, 4))
    with pytest.raises(ConflictError, match="expires on Dec 4, 2026"):
        assign(night, maya, "captain", "50", "3")


def test_existing_assignments_keep_working_when_a_requirement_is_switched_on(tenant, maya, morning):
    assignment = assign(morning, maya, "captain", "50", "3")
    role("captain").required_credential_kinds.add(CredentialKind.objects.get(slug="uscg-license"))
    assignment.paid_hours = 4
    assignment_save(assignment=assignment)  # editing hours checks nothing
    assignment.role = role("first-mate")
    assignment_save(assignment=assignment)  # a role without requirements
    assignment.role = role("captain")
    with pytest.raises(ConflictError, match="no USCG license"):
        assignment_save(assignment=assignment)


def test_moving_a_charter_past_a_credentials_expiry_is_refused(tenant, maya, morning, license_kind):
    Credential.objects.create(crew_member=maya, kind=license_kind, expires_on=date(2026, 12, 10))
    assign(morning, maya, "captain", "50", "3")
    morning.start = local(tenant, 2026, 12, 12, 10, 0)
    morning.end = local(tenant, 2026, 12, 12, 13, 0)
    with pytest.raises(ConflictError, match="expired on Dec 10, 2026"):
        booking_save(booking=morning)
