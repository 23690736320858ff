# ruff: noqa: F811 - pytest fixtures imported from sync_support are requested by name
"""The marketplace feed admin: scoped to the staff's brands, URLs kept secret, "Sync now", feeds on the boat page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from bookings.models import MarketplaceFeed
from tests.factories import BoatFactory, staff_user
from tests.marketplaces.sync_support import (  # noqa: F401 - fixtures
    boat,
    frozen,
    hold_rows,
    make_feed,
    serve,
    simple_feed,
)

pytestmark = pytest.mark.django_db

TOKEN = "s3cr3t-marketplace-token"
SECRET_URL = f"https://ical.boatsetter.example/calendars/boat-17.ics?token={TOKEN}"


class FormFields(HTMLParser):
    """The values a browser would post back from the page's form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
            else:
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_data(response) -> dict[str, str]:
    parser = FormFields()
    parser.feed(response.content.decode())
    return parser.data


@pytest.fixture
def office(tenant):
    return staff_user(tenant, username="queen-office")


@pytest.fixture
def their_feed(other_tenant):
    other_boat = BoatFactory(tenant=other_tenant, name="Sunset Cat")
    return MarketplaceFeed.objects.create(
        boat=other_boat, source="getmyboat", url="https://ical.getmyboat.example/x?k=theirs"
    )


def test_the_feed_list_shows_health_at_a_glance_for_the_staffs_brands_only(client, office, make_feed, their_feed):
    mine = make_feed(SECRET_URL)
    MarketplaceFeed.objects.filter(pk=mine.pk).update(
        health="failing", last_status="HTTP 500", last_error="The marketplace answered 500."
    )
    client.force_login(office)

    page = client.get(reverse("admin:bookings_marketplacefeed_changelist")).content.decode()

    assert "Queen of San Diego" in page and "feed-health-failing" in page and "HTTP 500" in page
    assert "Sunset Cat" not in page and "Key West Sunsets" not in page  # rows and brand filter
    assert TOKEN not in page
    theirs = client.get(reverse("admin:bookings_marketplacefeed_change", args=[their_feed.pk]), follow=True)
    assert theirs.redirect_chain == [("/admin/", 302)]  # Django's "does not exist" for objects out of scope
    assert "Sunset Cat" not in theirs.content.decode()


def test_the_change_page_never_sends_the_url_back_and_blank_keeps_it(client, office, make_feed):
    feed = make_feed(SECRET_URL)
    client.force_login(office)
    url = reverse("admin:bookings_marketplacefeed_change", args=[feed.pk])

    page = client.get(url)
    body = page.content.decode()
    assert TOKEN not in body and "https://ical.boatsetter.example/… #" in body

    data = form_data(page)
    assert data["url"] == ""
    data["active"] = ""  # untick, leave the URL blank
    data.pop("active")
    assert client.post(url, data).status_code == 302
    feed.refresh_from_db()
    assert (feed.url, feed.active) == (SECRET_URL, False)


@pytest.mark.parametrize(
    ("source", "url", "field", "message"),
    [
        ("boatsetter", "http://ical.boatsetter.example/x.ics", "url", "Only https feed URLs are fetched"),
        ("boatsetter", "https://169.254.169.254/latest", "url", "not on the public internet"),
        ("boatsetter", "https://user:pw@ical.boatsetter.example/x.ics", "url", "must not carry a user name"),
        ("direct", SECRET_URL, "source", "Select a valid choice"),
    ],
)
def test_the_add_form_refuses_bad_feeds_on_their_field(client, office, boat, source, url, field, message):
    client.force_login(office)

    response = client.post(
        reverse("admin:bookings_marketplacefeed_add"), {"boat": boat.pk, "source": source, "url": url, "active": "on"}
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not MarketplaceFeed.objects.exists()


def test_the_add_form_offers_only_the_staffs_boats_and_saves_a_good_feed(client, office, boat, their_feed):
    client.force_login(office)
    form = client.get(reverse("admin:bookings_marketplacefeed_add")).content.decode()
    assert "Queen of San Diego" in form and "Sunset Cat" not in form

    refused = client.post(
        reverse("admin:bookings_marketplacefeed_add"),
        {"boat": their_feed.boat_id, "source": "samboat", "url": SECRET_URL, "active": "on"},
    )
    assert "Select a valid choice" in " ".join(refused.context["adminform"].form.errors["boat"])

    saved = client.post(
        reverse("admin:bookings_marketplacefeed_add"),
        {"boat": boat.pk, "source": "samboat", "url": SECRET_URL, "active": "on"},
    )
    assert saved.status_code == 302
    feed = MarketplaceFeed.objects.get(boat=boat)
    assert (feed.source, feed.url, feed.health) == ("samboat", SECRET_URL, "new")


def test_sync_now_syncs_the_chosen_feeds_of_the_staffs_brands(client, office, frozen, serve, make_feed, their_feed):
    feed = make_feed(serve(simple_feed(2)))
    client.force_login(office)

    response = client.post(
        reverse("admin:bookings_marketplacefeed_changelist"),
        {"action": "sync_now", "_selected_action": [feed.pk, their_feed.pk]},
        follow=True,
    )

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Boatsetter feed of Queen of San Diego (Queen of San Diego, #{feed.pk}): 2 created"
    ]
    assert len(hold_rows(feed)) == 2
    their_feed.refresh_from_db()
    assert their_feed.last_fetched_at is None  # another brand's feed is not in the staff's rows


def test_the_boat_page_lists_its_feeds_masked_and_adds_one(client, office, boat, make_feed):
    make_feed(SECRET_URL)
    client.force_login(office)
    url = reverse("admin:bookings_boat_change", args=[boat.pk])

    page = client.get(url)
    body = page.content.decode()
    assert "Marketplace feeds" in body and "https://ical.boatsetter.example/… #" in body and TOKEN not in body

    data = form_data(page)
    data.update(
        {
            "marketplace_feeds-TOTAL_FORMS": "2",
            "marketplace_feeds-1-source": "getmyboat",
            "marketplace_feeds-1-url": "http://ical.getmyboat.example/b.ics",
            "marketplace_feeds-1-active": "on",
        }
    )
    refused = client.post(url, data)
    assert refused.status_code == 200 and "Only https feed URLs are fetched" in refused.content.decode()
    assert MarketplaceFeed.objects.filter(boat=boat).count() == 1

    data["marketplace_feeds-1-url"] = "https://ical.getmyboat.example/b.ics?key=other-secret"
    assert client.post(url, data).status_code == 302
    assert dict(MarketplaceFeed.objects.filter(boat=boat).values_list("source", "url")) == {
        "boatsetter": SECRET_URL,  # the existing row's blank URL kept it
        "getmyboat": "https://ical.getmyboat.example/b.ics?key=other-secret",
    }


def test_the_feed_list_keeps_a_constant_query_count(client, office, tenant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_feeds(n):
        for _ in range(n):
            MarketplaceFeed.objects.create(boat=BoatFactory(tenant=tenant), source="samboat", url=SECRET_URL)

    client.force_login(office)
    add_feeds(2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:bookings_marketplacefeed_changelist"))
    add_feeds(10)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("admin:bookings_marketplacefeed_changelist")).status_code == 200
    assert len(many.captured_queries) <= len(few.captured_queries)
