"""/g/<slug>/passengers: the guest page's "Who's coming" list, its waiver acceptances and every refusal."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from bookings.models import Booking
from bookings.services import booking_save
from guestpages.models import Passenger, PassengerList
from guestpages.passengers import ip_hash, waiver_publish
from guestpages.services import guest_page_render
from tests.factories import BookingFactory

GUEST_ORIGIN = "https://queenofsandiego.com"
WAIVER = "Boating has risks. I follow the captain's instructions and wear a life jacket when asked."


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def waiver(tenant):
    return waiver_publish(tenant=tenant, text=WAIVER)


def body(**overrides) -> dict:
    data = {
        "passengers": [
            {"name": "Jordan Rivers", "is_adult": True, "accepted_name": "jordan  RIVERS"},
            {"name": "Sam Rivers", "is_adult": False},
        ],
        "emergency_name": "Pat Rivers",
        "emergency_phone": "+1 619 555 0142",
        "waiver_version": 1,
    }
    data.update(overrides)
    return data


def send(client, page, data, origin: str | None = GUEST_ORIGIN, **extra):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    raw = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(f"/g/{page.slug}/passengers", data=raw, content_type="application/json", **headers, **extra)


def nothing_written(booking) -> bool:
    return not PassengerList.objects.filter(booking=booking).exists() and not Passenger.objects.exists()


def test_the_lead_guest_saves_names_contact_and_acceptance(client, page, booking, waiver):
    response = send(client, page, body(), REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200, response.content
    assert response["Access-Control-Allow-Origin"] == GUEST_ORIGIN
    plist = PassengerList.objects.get(booking=booking)
    assert (plist.emergency_name, plist.emergency_phone) == ("Pat Rivers", "+1 619 555 0142")
    jordan, sam = plist.passengers.order_by("position")
    assert (jordan.full_name, jordan.is_adult, jordan.waiver, jordan.accepted_name) == (
        "Jordan Rivers",
        True,
        waiver,
        "jordan RIVERS",
    )
    assert jordan.accepted_at is not None
    assert (sam.full_name, sam.is_adult, sam.waiver, sam.accepted_at) == ("Sam Rivers", False, None, None)
    # What the page shows back: names and acceptances; the emergency phone only as its last digits.
    shown = response.json()
    assert [p["name"] for p in shown["passengers"]] == ["Jordan Rivers", "Sam Rivers"]
    assert [p["accepted"] for p in shown["passengers"]] == [True, False]
    assert shown["passengers"][0]["waiver_version"] == 1
    assert shown["emergency_name"] == "Pat Rivers"
    assert "0142" not in json.dumps(shown) and shown["emergency_phone"].endswith("142")
    assert (
        client.get(f"/g/{page.slug}/passengers", HTTP_ORIGIN=GUEST_ORIGIN).json()["passengers"] == shown["passengers"]
    )


def test_the_address_is_kept_only_as_a_keyed_hash(client, page, booking, waiver):
    send(client, page, body(), REMOTE_ADDR="203.0.113.9")

    jordan = Passenger.objects.get(full_name="Jordan Rivers")
    assert jordan.ip_hash == ip_hash("203.0.113.9") and len(jordan.ip_hash) == 64
    stored = json.dumps(list(Passenger.objects.values()), default=str) + json.dumps(
        list(PassengerList.objects.values()), default=str
    )
    assert "203.0.113.9" not in stored


def test_sending_again_replaces_the_list_and_keeps_acceptances_of_unchanged_names(client, page, booking, waiver):
    send(client, page, body())
    first = Passenger.objects.get(full_name="Jordan Rivers").accepted_at

    again = body(
        passengers=[
            {"name": "Jordan Rivers", "is_adult": True},  # no new signature: the earlier one stands
            {"name": "Alex Shore", "is_adult": True, "accepted_name": "Alex Shore"},
        ]
    )
    with time_machine.travel(first + timedelta(hours=1), tick=False):
        response = send(client, page, again)

    assert response.status_code == 200, response.content
    rows = list(Passenger.objects.order_by("position"))
    assert [r.full_name for r in rows] == ["Jordan Rivers", "Alex Shore"]
    assert rows[0].accepted_at == first and rows[0].waiver == waiver
    assert rows[1].accepted_at == first + timedelta(hours=1)


def test_a_brand_without_a_waiver_asks_only_for_names_and_contact(client, page, booking):
    response = send(client, page, body(waiver_version=None, passengers=[{"name": "Jordan Rivers", "is_adult": True}]))

    assert response.status_code == 200, response.content
    assert Passenger.objects.get().waiver is None


def test_the_page_shows_the_current_waiver_and_the_form(page, booking, tenant):
    html = guest_page_render(page).decode()
    assert "Who's coming" in html and 'id="passenger-form"' in html
    assert 'id="waiver-text"' not in html and 'class="pax-accept"' not in html
    waiver_publish(tenant=tenant, text="Version one.")
    waiver_publish(tenant=tenant, text="Wear <b>shoes</b>.")
    html = guest_page_render(page).decode()
    assert "Wear &lt;b&gt;shoes&lt;/b&gt;." in html and "Version one." not in html
    assert 'data-version="2"' in html
    assert html.count('class="pax-name"') == booking.party_size
    assert f'"https://ops.example.com/g/{page.slug}/passengers"' in html


def test_a_new_waiver_version_republishes_upcoming_pages(tenant, booking, page):
    from outbox.models import Effect

    past = BookingFactory(tenant=tenant, start=booking.start - timedelta(days=30))
    cancelled = BookingFactory(tenant=tenant, status=Booking.Status.CANCELLED)
    Effect.objects.update(status=Effect.Status.SENT)  # the publishes of the bookings' own saves are done

    waiver_publish(tenant=tenant, text="New words.")

    queued = Effect.objects.filter(kind=Effect.Kind.PUBLISH_GUEST_PAGE, status=Effect.Status.QUEUED)
    assert list(queued.values_list("target_id", flat=True)) == [booking.pk]
    assert {past.pk, cancelled.pk}.isdisjoint(queued.values_list("target_id", flat=True))


# --- refusals: each writes nothing --------------------------------------------------------------


def test_preflight_answers_only_the_guest_domain(client, page, booking):
    ok = client.options(f"/g/{page.slug}/passengers", HTTP_ORIGIN=GUEST_ORIGIN)
    assert ok["Access-Control-Allow-Origin"] == GUEST_ORIGIN
    assert "POST" in ok["Access-Control-Allow-Methods"]
    other = client.options(f"/g/{page.slug}/passengers", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    assert "Access-Control-Allow-Methods" not in other


def test_another_origin_is_refused_without_cors_headers(client, page, booking, waiver):
    response = send(client, page, body(), origin="https://evil.example")

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    read = client.get(f"/g/{page.slug}/passengers", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in read
    assert nothing_written(booking)


def test_closed_once_the_charter_starts(client, page, booking, waiver):
    with time_machine.travel(booking.start, tick=False):
        response = send(client, page, body())
        state = client.get(f"/g/{page.slug}/passengers").json()

    assert response.status_code == 403
    assert response.json()["code"] == "closed"
    assert "captain" in response.json()["reason"]
    assert response["Access-Control-Allow-Origin"] == GUEST_ORIGIN  # the page can read why
    assert state["open"] is False
    assert nothing_written(booking)


def test_more_names_than_the_party_size_are_refused(client, page, booking, waiver):
    names = [{"name": f"Guest {n}", "is_adult": False} for n in range(booking.party_size + 1)]
    response = send(client, page, body(passengers=names))

    assert response.status_code == 400
    assert "at most 6 names" in response.json()["errors"]["passengers"][0]
    assert nothing_written(booking)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"passengers": []}, "passengers"),
        ({"passengers": [{"name": "x" * 121, "is_adult": False}]}, "passengers[0].name"),
        ({"passengers": [{"name": "   ", "is_adult": False}]}, "passengers[0].name"),
        ({"emergency_name": ""}, "emergency_name"),
        ({"emergency_phone": "call me"}, "emergency_phone"),
        ({"passengers": [{"name": "Jordan Rivers", "is_adult": True}]}, "passengers[0].accepted_name"),
        (
            {"passengers": [{"name": "Jordan Rivers", "is_adult": True, "accepted_name": "Jordan River"}]},
            "passengers[0].accepted_name",
        ),
        ({"passengers": [{"name": "Jordan \ud800", "is_adult": False}]}, "passengers[0].name"),
        ({"emergency_name": "Pat\u0000"}, "emergency_name"),
        ({"waiver_version": "1"}, "waiver_version"),
        ({"passengers": "Jordan"}, "passengers"),
    ],
)
def test_bad_input_is_a_400_with_field_errors(client, page, booking, waiver, change, field):
    response = send(client, page, body(**change))

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert nothing_written(booking)


def test_a_lone_surrogate_in_the_raw_json_is_a_400(client, page, booking, waiver):
    raw = json.dumps(body()).replace("Sam Rivers", "Sam \\udc00")
    response = send(client, page, raw)

    assert response.status_code == 400
    (message,) = response.json()["errors"]["passengers[1].name"]
    assert "surrogate" in message
    assert response["Access-Control-Allow-Origin"] == GUEST_ORIGIN
    assert nothing_written(booking)


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "{" * 5000, "1" * 5000])
def test_a_body_that_is_not_a_json_object_is_a_400(client, page, booking, raw):
    assert send(client, page, raw).status_code == 400
    assert nothing_written(booking)


def test_a_stale_waiver_version_is_a_409(client, page, booking, tenant, waiver):
    waiver_publish(tenant=tenant, text="New words after the page was read.")

    response = send(client, page, body(waiver_version=1))

    assert response.status_code == 409
    assert response.json()["code"] == "waiver_changed"
    assert response.json()["waiver_version"] == 2
    assert "read it again" in response.json()["reason"]
    assert nothing_written(booking)


def test_a_refused_resubmission_leaves_the_earlier_list_untouched(client, page, booking, waiver):
    send(client, page, body())
    bad = body(passengers=[{"name": "Someone New", "is_adult": True, "accepted_name": "Wrong Name"}])

    assert send(client, page, bad).status_code == 400
    assert [p.full_name for p in Passenger.objects.order_by("position")] == ["Jordan Rivers", "Sam Rivers"]


def test_too_many_tries_from_one_address_are_a_429(client, page, booking, waiver, settings):
    settings.GUEST_PASSENGERS_RATE_PER_IP = "2/h"
    assert send(client, page, body()).status_code == 200
    assert send(client, page, body()).status_code == 200
    PassengerList.objects.all().delete()

    response = send(client, page, body())

    assert response.status_code == 429
    assert response["Access-Control-Allow-Origin"] == GUEST_ORIGIN
    assert nothing_written(booking)


def test_unknown_and_cancelled_pages_are_404(client, page, booking, waiver):
    assert (
        client.post("/g/no-such-page-abcdefgh/passengers", data="{}", content_type="application/json").status_code
        == 404
    )
    assert client.get("/g/bad slug/passengers").status_code == 404
    booking.status = Booking.Status.CANCELLED
    booking_save(booking=booking, service="tests")

    assert send(client, page, body()).status_code == 404
    assert client.get(f"/g/{page.slug}/passengers").status_code == 404
    assert nothing_written(booking)
