"""Magic links: the scanner-safe GET, the session the POST starts, expiry, revocation, tampering."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from crew.links import SALT, link_token
from crew.models import Assignment
from crew.services import assignment_remove, crew_invite_resend
from crew.views import SESSION_KEY
from tests.crew.conftest import link_path, open_link, post
from tests.factories import BookingFactory, CrewMemberFactory, assign, local

pytestmark = pytest.mark.django_db


def assert_token_headers(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"


def test_scanner_get_shows_a_button_and_starts_nothing(charter):
    client = Client(enforce_csrf_checks=True)
    path = link_path(charter.mine)
    for method in (client.get, client.head, client.get):  # scanners fetch, sometimes twice
        response = method(path)
        assert response.status_code == 200
        assert_token_headers(response)
    page = client.get(path).content.decode()
    assert 'method="post"' in page and "Open my crew page" in page and "csrfmiddlewaretoken" in page
    assert SESSION_KEY not in client.session
    assert client.get(reverse("crew:home")).status_code == 302  # still not signed in
    charter.mine.refresh_from_db()
    assert charter.mine.status == Assignment.Status.INVITED and charter.mine.link_version == 1


def test_pressing_the_button_starts_a_session_for_that_crew_member(charter):
    client = Client(enforce_csrf_checks=True)
    path = link_path(charter.mine)
    client.get(path)
    response = post(client, path)
    assert response.status_code == 302
    assert response["Location"] == reverse("crew:event", kwargs={"event_id": charter.event.pk})
    assert_token_headers(response)
    assert client.session[SESSION_KEY]["member"] == charter.member.pk
    home = client.get(reverse("crew:home"))
    assert home.status_code == 200 and "Sam Deck" in home.content.decode()


def test_the_button_needs_the_csrf_token(charter):
    client = Client(enforce_csrf_checks=True)
    path = link_path(charter.mine)
    client.get(path)
    assert client.post(path).status_code == 403
    assert SESSION_KEY not in client.session


def test_a_link_stays_usable_on_several_devices_until_it_expires(charter):
    phone = open_link(charter.mine)
    tablet = open_link(charter.mine)
    assert phone.get(reverse("crew:home")).status_code == 200
    assert tablet.get(reverse("crew:home")).status_code == 200


def test_expired_link_gets_410_with_a_new_link_form(charter, frozen):
    path = link_path(charter.mine)
    expiry = charter.booking.end + timedelta(hours=48)
    frozen.move_to(expiry)
    assert Client().get(path).status_code == 200  # the last moment still works
    frozen.move_to(expiry + timedelta(seconds=1))
    client = Client(enforce_csrf_checks=True)
    response = client.get(path)
    assert response.status_code == 410
    assert_token_headers(response)
    body = response.content.decode()
    assert "expired" in body and reverse("crew:new_link") in body and "Send me a new link" in body
    assert post(client, path).status_code == 410
    assert SESSION_KEY not in client.session


def test_expiry_follows_the_setting(charter, frozen, settings):
    settings.CREW_LINK_VALID_AFTER_END_HOURS = 1
    frozen.move_to(charter.booking.end + timedelta(hours=1, seconds=1))
    assert Client().get(link_path(charter.mine)).status_code == 410


def test_expiry_moves_with_the_charter(charter, frozen):
    from bookings.services import booking_save

    old_path = link_path(charter.mine)
    booking = charter.booking
    booking.start += timedelta(days=7)
    booking.end += timedelta(days=7)
    booking_save(booking=booking)
    frozen.move_to(booking.end)  # past the old expiry, before the new one
    assert Client().get(old_path).status_code == 200


def test_revoke_and_resend_kills_the_old_link_and_its_session_at_once(charter):
    old_path = link_path(charter.mine)
    session = open_link(charter.mine)
    crew_invite_resend(assignment=charter.mine, revoke=True)
    response = Client().get(old_path)
    assert response.status_code == 403
    assert_token_headers(response)
    assert "newer one" in response.content.decode()
    assert session.get(reverse("crew:home")).status_code == 302  # the session it started ends too
    charter.mine.refresh_from_db()
    assert Client().get(link_path(charter.mine)).status_code == 200  # the new link works


def test_revoking_one_link_leaves_the_other_crew_members_link_alone(charter):
    captain = Assignment.objects.get(crew_member=charter.captain)
    crew_invite_resend(assignment=charter.mine, revoke=True)
    assert Client().get(link_path(captain)).status_code == 200


def test_removing_the_crew_member_kills_the_link_and_the_session(charter):
    path = link_path(charter.mine)
    session = open_link(charter.mine)
    assignment_remove(assignment=charter.mine)
    assert Client().get(path).status_code == 403
    assert session.get(reverse("crew:home")).status_code == 302


def test_switching_a_crew_member_off_kills_their_links_and_session(charter):
    session = open_link(charter.mine)
    charter.member.active = False
    charter.member.save()
    assert Client().get(link_path(charter.mine)).status_code == 403
    assert session.get(reverse("crew:home")).status_code == 302


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: t.replace(t.split(":")[0], signing.b64_encode(b'{"a":1,"v":9}').decode()),  # payload swapped
        lambda t: "not-a-token",
        lambda t: t.split(":")[0],  # signature cut off
    ],
)
def test_tampered_links_get_403(charter, mangle):
    response = Client().get(reverse("crew:link", kwargs={"token": mangle(link_token(charter.mine))}))
    assert response.status_code == 403
    assert_token_headers(response)
    assert "Send me a new link" in response.content.decode()


@pytest.mark.parametrize("salt", ["django.core.signing", "charterops.guestpages", SALT + ".other"])
def test_a_token_signed_for_another_purpose_is_refused(charter, salt):
    """Same secret key, same payload, another scope: the salt keeps them apart."""
    forged = signing.dumps({"a": charter.mine.pk, "v": charter.mine.link_version}, salt=salt, compress=False)
    assert Client().get(reverse("crew:link", kwargs={"token": forged})).status_code == 403


def test_opening_a_link_replaces_another_crew_members_session(charter, tenant):
    other = CrewMemberFactory(name="Lee Other", tenants=[tenant])
    theirs = assign(BookingFactory(tenant=tenant, start=local(tenant, 2026, 12, 9, 9, 0)), other, "deckhand", "25", "4")
    client = open_link(charter.mine)
    first_key = client.session.session_key
    open_link(theirs, client)
    assert client.session.session_key != first_key
    assert client.session[SESSION_KEY]["member"] == other.pk
    page = client.get(reverse("crew:home")).content.decode()
    assert "Lee Other" in page and "Sam Deck" not in page
    assert client.get(reverse("crew:event", kwargs={"event_id": charter.event.pk})).status_code == 404


def test_opening_a_link_again_rotates_the_session_key(charter):
    client = open_link(charter.mine)
    first_key = client.session.session_key
    open_link(charter.mine, client)
    assert client.session.session_key != first_key
    assert client.get(reverse("crew:home")).status_code == 200


def test_the_session_ends_when_the_link_that_opened_it_expires(charter, frozen):
    client = open_link(charter.mine)
    frozen.move_to(charter.booking.end + timedelta(hours=48, seconds=1))
    response = client.get(reverse("crew:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("crew:new_link"))


def test_signing_out_ends_the_session(charter):
    client = open_link(charter.mine)
    home = client.get(reverse("crew:home"))
    assert home.status_code == 200
    assert post(client, reverse("crew:sign_out")).status_code == 302
    assert client.get(reverse("crew:home")).status_code == 302


# Browsers send `Origin: null` on a POST from a page served with `Referrer-Policy: no-referrer`
# (the link page and its error pages); the CSRF token must still match.


@pytest.mark.parametrize("secure", [False, True])
def test_the_button_works_from_a_no_referrer_page_with_the_csrf_token(charter, secure):
    client = Client(enforce_csrf_checks=True)
    path = link_path(charter.mine)
    client.get(path, secure=secure)
    response = post(client, path, HTTP_ORIGIN="null", secure=secure)
    assert response.status_code == 302
    assert client.session[SESSION_KEY]["member"] == charter.member.pk


def test_a_null_origin_does_not_replace_the_csrf_token(charter):
    client = Client(enforce_csrf_checks=True)
    path = link_path(charter.mine)
    client.get(path)
    assert client.post(path, HTTP_ORIGIN="null").status_code == 403
    assert client.post(path, {"csrfmiddlewaretoken": "x" * 32}, HTTP_ORIGIN="null").status_code == 403
    assert SESSION_KEY not in client.session


def test_a_foreign_origin_is_still_refused(charter):
    client = Client(enforce_csrf_checks=True)
    path = link_path(charter.mine)
    client.get(path, secure=True)
    assert post(client, path, HTTP_ORIGIN="https://evil.example", secure=True).status_code == 403
    assert SESSION_KEY not in client.session


def test_crew_pages_keep_the_strict_origin_check(charter):
    """Only the token pages accept `Origin: null`; the crew pages send a real origin."""
    client = open_link(charter.mine)
    accept = reverse("crew:accept", kwargs={"event_id": charter.event.pk})
    assert post(client, accept, HTTP_ORIGIN="null").status_code == 403
    assert post(client, accept, HTTP_ORIGIN="http://testserver").status_code == 302
    charter.mine.refresh_from_db()
    assert charter.mine.status == Assignment.Status.ACCEPTED


def test_the_new_link_form_on_an_error_page_posts_from_a_no_referrer_page(charter):
    client = Client(enforce_csrf_checks=True)
    forged = reverse("crew:link", kwargs={"token": "nope"})
    assert client.get(forged, secure=True).status_code == 403
    response = post(client, reverse("crew:new_link"), {"email": "sam@example.com"}, HTTP_ORIGIN="null", secure=True)
    assert response.status_code == 200 and "Check your email" in response.content.decode()
