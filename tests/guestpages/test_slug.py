"""Guest page slugs: readable, unique, stable, and not guessable from the booking."""

from __future__ import annotations

import re
from datetime import timedelta

from bookings.models import Booking
from bookings.services import booking_save
from guestpages import models as guest_models
from guestpages.models import GuestPage, random_part, slug_for
from guestpages.rewrite import rewrite
from guestpages.services import guest_page_ensure
from tests.factories import BoatFactory, BookingFactory, local

RANDOM = r"[a-km-z2-9]{8}"  # the alphabet without 0/o/1/l


def test_slug_is_readable_and_uses_the_boats_local_date(tenant):
    boat = BoatFactory(tenant=tenant, name="Osprey II")
    # May 30, 8 PM in San Diego is already May 31 in UTC: the slug says what the guest booked.
    booking = BookingFactory(tenant=tenant, boat=boat, start=local(tenant, 2026, 5, 30, 20, 0))

    slug = guest_page_ensure(booking=booking).slug

    assert re.fullmatch(rf"boatsetter-may-30-osprey-ii-{RANDOM}", slug), slug
    assert rewrite(f"/g/{slug}") == f"/{slug}.html"


def test_other_sources_read_the_same_way(tenant):
    booking = BookingFactory(tenant=tenant, source=Booking.Source.GETMYBOAT, start=local(tenant, 2026, 1, 2, 9, 0))
    assert re.fullmatch(rf"getmyboat-jan-2-{booking.boat.name.lower().replace(' ', '-')}-{RANDOM}", slug_for(booking))


def test_long_boat_names_still_fit_the_edge_limit(tenant):
    boat = BoatFactory(tenant=tenant, name=("The Extraordinarily Long Named Catamaran " * 3)[:120])  # the field max
    booking = BookingFactory(tenant=tenant, boat=boat)

    slug = guest_page_ensure(booking=booking).slug

    assert len(slug) <= guest_models.SLUG_MAX_LENGTH
    assert re.search(rf"-{RANDOM}$", slug)
    assert rewrite(f"/g/{slug}.html") == f"/{slug}.html"


def test_same_day_same_boat_bookings_get_different_slugs(tenant):
    boat = BoatFactory(tenant=tenant, turnaround_minutes=0)
    start = local(tenant, 2026, 6, 1, 6, 0)
    slugs = {
        guest_page_ensure(
            booking=BookingFactory(
                tenant=tenant,
                boat=boat,
                start=start + timedelta(minutes=30 * i),
                end=start + timedelta(minutes=30 * (i + 1)),
            )
        ).slug
        for i in range(30)
    }

    assert len(slugs) == 30
    assert len({s.rsplit("-", 1)[0] for s in slugs}) == 1  # same readable part: only the random part differs


def test_a_clashing_random_part_is_drawn_again(tenant, monkeypatch):
    boat = BoatFactory(tenant=tenant)
    start = local(tenant, 2026, 6, 1, 10, 0)
    first = BookingFactory(tenant=tenant, boat=boat, start=start)
    second = BookingFactory(tenant=tenant, boat=boat, start=start + timedelta(hours=6))
    GuestPage.objects.filter(booking__in=[first, second]).delete()
    draws = iter(["aaaaaaaa", "aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(guest_models, "random_part", lambda length=8: next(draws))

    assert guest_page_ensure(booking=first).slug.endswith("-aaaaaaaa")
    assert guest_page_ensure(booking=second).slug.endswith("-bbbbbbbb")


def test_slug_is_stable_when_the_booking_is_edited(tenant):
    booking = BookingFactory(tenant=tenant, start=local(tenant, 2026, 5, 30, 10, 0))
    slug = guest_page_ensure(booking=booking).slug

    booking.start = local(tenant, 2026, 8, 14, 9, 0)
    booking.end = booking.start + timedelta(hours=3)
    booking.boat = BoatFactory(tenant=tenant, name="Another Boat")
    booking.guest_name = "Someone Else"
    booking.source = Booking.Source.DIRECT
    booking_save(booking=booking, service="tests")

    assert guest_page_ensure(booking=booking).slug == slug
    assert GuestPage.objects.get(booking=booking).slug == slug
    assert GuestPage.objects.filter(booking=booking).count() == 1


def test_random_part_is_not_derived_from_the_booking(tenant):
    booking = BookingFactory(tenant=tenant)

    draws = [slug_for(booking) for _ in range(300)]

    readable = {s[:-9] for s in draws}
    suffixes = [s[-8:] for s in draws]
    assert len(readable) == 1
    assert len(set(suffixes)) == 300  # the same booking fields never give the same suffix
    assert set("".join(suffixes)) == set(guest_models._RANDOM_ALPHABET)  # every symbol is used
    assert all(re.fullmatch(RANDOM, s) for s in suffixes)


def test_random_part_has_about_40_bits(monkeypatch):
    assert len(guest_models._RANDOM_ALPHABET) ** 8 >= 2**40
    assert len(random_part()) == 8
    # Drawn with the secrets module (a CSPRNG), not random: seeding random changes nothing.
    import random

    random.seed(1)
    a = random_part()
    random.seed(1)
    assert random_part() != a
