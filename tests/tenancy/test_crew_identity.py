"""A crew member's email, phone and switch belong to every brand they work for, not to one brand's staff."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from crew.models import CrewIdentityChange, CrewMember
from outbox.models import Effect
from outbox.services import effect_run
from tests.crew.conftest import link_path, open_link
from tests.factories import CrewMemberFactory
from tests.tenancy.conftest import admin_url

pytestmark = pytest.mark.django_db


def member_form(member: CrewMember, **overrides) -> dict:
    data = {
        "name": member.name,
        "email": member.email,
        "phone": member.phone,
        "default_hourly_rate": str(member.default_hourly_rate),
        "active": "on",
        "tenants": [t.pk for t in member.tenants.all()],
        "roles": [r.pk for r in member.roles.all()],
    }
    for prefix in ("credentials", "time_off"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def identity(member: CrewMember) -> tuple:
    return CrewMember.objects.filter(pk=member.pk).values_list("email", "phone", "active").get()


def notices() -> list[Effect]:
    return list(Effect.objects.filter(kind=Effect.Kind.NOTIFY_CREW_IDENTITY))


def test_staff_of_one_brand_see_a_shared_persons_identity_read_only(staff_a_client, shared):
    response = staff_a_client.get(admin_url(CrewMember, "change", shared.member.pk))
    assert response.status_code == 200
    form = response.context["adminform"].form
    for name in ("email", "phone", "active"):
        assert form.fields[name].disabled, name
    assert "only a superuser, or staff of every brand they work for, can change this" in response.content.decode()
    assert not form.fields["name"].disabled


def test_a_crafted_post_from_one_brands_staff_changes_no_identity(staff_a_client, shared, brand_a):
    before = identity(shared.member)
    response = staff_a_client.post(
        admin_url(CrewMember, "change", shared.member.pk),
        member_form(
            shared.member,
            name="Casey Renamed",
            email="attacker@example.com",
            phone="+1 000",
            active=None,
            tenants=[brand_a.pk],  # the only brand this user may pick; the other one is kept
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert identity(shared.member) == before
    assert CrewMember.objects.get(pk=shared.member.pk).name == "Casey Renamed"  # the rest of the page still saves
    assert not CrewIdentityChange.objects.exists() and not notices()
    # The attack the rule stops: a link asked for at the staff user's own address opens nothing.
    Effect.objects.all().delete()
    Client().post(reverse("crew:new_link"), {"email": "attacker@example.com"})
    assert not Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION).exists()


def test_one_brands_staff_cannot_delete_a_shared_person(staff_a_client, brand_a, brand_b):
    member = CrewMemberFactory(tenants=[brand_a, brand_b])  # no assignment protects this one
    page = staff_a_client.get(admin_url(CrewMember, "delete", member.pk))
    assert "work for a brand you do not manage" in page.content.decode()
    assert staff_a_client.post(admin_url(CrewMember, "delete", member.pk), {"post": "yes"}).status_code == 403
    bulk = staff_a_client.post(
        admin_url(CrewMember, "changelist"),
        {"action": "delete_selected", "_selected_action": [member.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    assert CrewMember.objects.filter(pk=member.pk).exists()


def test_staff_of_every_brand_delete_a_person(staff_ab_client, brand_a, brand_b):
    member = CrewMemberFactory(tenants=[brand_a, brand_b])
    assert staff_ab_client.post(admin_url(CrewMember, "delete", member.pk), {"post": "yes"}).status_code == 302
    assert not CrewMember.objects.filter(pk=member.pk).exists()


def test_staff_of_their_only_brand_still_change_a_persons_identity(staff_a_client, brand_a, frozen):
    mine = CrewMemberFactory(email="only-alpha@example.com", tenants=[brand_a])
    response = staff_a_client.post(
        admin_url(CrewMember, "change", mine.pk), member_form(mine, email="new-alpha@example.com", active=None)
    )
    assert response.status_code == 302
    assert identity(mine) == ("new-alpha@example.com", mine.phone, False)


def test_email_change_by_staff_of_both_brands_ends_links_and_sessions_and_tells_the_old_address(
    staff_ab_client, shared, mailoutbox, frozen
):
    old_token_path = link_path(shared.b)
    phone = open_link(shared.b)  # a crew session started from the old link
    assert phone.get(reverse("crew:home")).status_code == 200
    old_calendar = shared.member.calendar_token
    Effect.objects.all().delete()

    response = staff_ab_client.post(
        admin_url(CrewMember, "change", shared.member.pk), member_form(shared.member, email="casey.new@example.com")
    )
    assert response.status_code == 302

    assert identity(shared.member)[0] == "casey.new@example.com"
    # The session that was open is over, and the old link opens nothing.
    ended = phone.get(reverse("crew:home"))
    assert ended.status_code == 302 and "ended=1" in ended.url
    stranger = Client(enforce_csrf_checks=True)
    assert stranger.get(old_token_path).status_code == 403
    assert Client().get(reverse("crew:calendar", kwargs={"token": old_calendar})).status_code == 404

    # The old address is told once; the new one gets working links for both charters.
    [notice] = notices()
    assert effect_run(effect_id=notice.pk)[0] == "done"
    assert effect_run(effect_id=notice.pk)[0] == "skipped"
    told = [m for m in mailoutbox if m.to == ["casey@example.com"]]
    assert len(told) == 1
    assert "casey.new@example.com" not in told[0].body and "c***@example.com" in told[0].body
    assert "no longer work" in told[0].body
    # On the clock of the person's first brand (12:00 UTC is 4 AM in San Diego), from that brand's sender.
    assert "December 1, 2026 4:00 AM (America/Los_Angeles)" in told[0].body
    assert told[0].from_email == "Alphasail Charters <crew@alphasail.example>"
    invitations = Effect.objects.filter(kind=Effect.Kind.SEND_INVITATION)
    assert set(invitations.values_list("target_id", flat=True)) == {shared.a.pk, shared.b.pk}
    shared.b.refresh_from_db()
    fresh = open_link(shared.b, Client(enforce_csrf_checks=True))
    assert fresh.get(reverse("crew:event", kwargs={"event_id": shared.b.event_id})).status_code == 200


def test_superuser_changes_a_shared_persons_phone_and_the_address_on_file_is_told(superuser_client, shared, mailoutbox):
    phone = open_link(shared.a)
    response = superuser_client.post(
        admin_url(CrewMember, "change", shared.member.pk), member_form(shared.member, phone="+1 619 555 0999")
    )
    assert response.status_code == 302
    assert identity(shared.member) == ("casey@example.com", "+16195550999", True)
    [notice] = notices()
    effect_run(effect_id=notice.pk)
    [told] = [m for m in mailoutbox if m.to == ["casey@example.com"]]
    assert "phone number" in told.subject
    # A new phone moves no link: the crew session goes on.
    assert phone.get(reverse("crew:home")).status_code == 200
    assert CrewIdentityChange.objects.get().changed_by == "staff:boss"


@pytest.mark.parametrize("who", ["staff_ab_client", "superuser_client"])
def test_staff_of_every_brand_or_a_superuser_switch_a_shared_person_off(request, who, shared):
    phone = open_link(shared.a)
    client = request.getfixturevalue(who)
    response = client.post(admin_url(CrewMember, "change", shared.member.pk), member_form(shared.member, active=None))
    assert response.status_code == 302
    assert identity(shared.member)[2] is False
    assert phone.get(reverse("crew:home")).status_code == 302
    assert Client(enforce_csrf_checks=True).get(link_path(shared.a)).status_code == 403
    assert not notices()  # switching off is not an identity change


def test_one_brands_staff_cannot_switch_a_shared_person_back_on(staff_a_client, shared, brand_a):
    CrewMember.objects.filter(pk=shared.member.pk).update(active=False)
    response = staff_a_client.post(
        admin_url(CrewMember, "change", shared.member.pk),
        member_form(shared.member, active="on", tenants=[brand_a.pk]),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert identity(shared.member)[2] is False


def test_the_service_refuses_one_brands_staff_too(staff_a, shared):
    from django.core.exceptions import PermissionDenied

    from crew.services import crew_member_identity_change

    with pytest.raises(PermissionDenied):
        crew_member_identity_change(member=shared.member, user=staff_a, email="attacker@example.com")
    assert identity(shared.member)[0] == "casey@example.com"


def test_an_address_another_crew_member_uses_is_a_field_error(staff_ab_client, shared):
    CrewMemberFactory(email="taken@example.com", tenants=[shared.a_booking.tenant])
    response = staff_ab_client.post(
        admin_url(CrewMember, "change", shared.member.pk), member_form(shared.member, email="taken@example.com")
    )
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert identity(shared.member)[0] == "casey@example.com"
    assert not notices()
