"""Marketplace feeds and their holds, made directly (as the marketplace sync leaves them) for the
tests of how holds behave in the charter core and the operator's day."""

from __future__ import annotations

from datetime import timedelta

import factory

from bookings.models import Booking, CalendarEntry, MarketplaceFeed
from tests.factories import BoatFactory, local


class MarketplaceFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketplaceFeed
        django_get_or_create = ("boat", "source")

    boat = factory.SubFactory(BoatFactory)
    source = Booking.Source.BOATSETTER
    url = factory.Sequence(lambda n: f"https://feeds.example.com/calendar/{n}.ics?token=secret{n}")


class HoldFactory(factory.django.DjangoModelFactory):
    """An active, unclaimed hold: Mon Dec 7 10:00-13:00 on the feed's boat, in the brand's zone."""

    class Meta:
        model = CalendarEntry

    feed = factory.SubFactory(MarketplaceFeedFactory)
    boat = factory.LazyAttribute(lambda o: o.feed.boat)
    tenant = factory.LazyAttribute(lambda o: o.feed.boat.tenant)
    kind = CalendarEntry.Kind.MARKETPLACE
    status = CalendarEntry.Status.ACTIVE
    title = factory.LazyAttribute(lambda o: f"{o.feed.get_source_display()} booking")
    external_uid = factory.Sequence(lambda n: f"event-{n}@marketplace.example")
    start = factory.LazyAttribute(lambda o: local(o.tenant, 2026, 12, 7, 10, 0))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=3))
    created_by_service = "marketplace sync"


def hold_on(boat, source: str = Booking.Source.BOATSETTER, **kwargs) -> CalendarEntry:
    return HoldFactory(feed=MarketplaceFeedFactory(boat=boat, source=source), **kwargs)
