# ruff: noqa: F811 - pytest fixtures imported from sync_support are requested by name
"""The fetcher reaches only public https addresses, connects to the address it checked, and re-checks each redirect."""

from __future__ import annotations

import socket

import httpx
import pytest

from marketplaces.fetch import FeedFetchError, address_is_public, fetch_feed, resolve_checked
from marketplaces.services import marketplace_feed_sync
from tests.marketplaces.sync_support import (  # noqa: F401 - fixtures
    boat,
    frozen,
    hold_rows,
    make_feed,
    serve,
    simple_feed,
)

PUBLIC_V4, PUBLIC_V6 = "93.184.216.34", "2606:4700::1111"
ICS = simple_feed(1)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared (carrier-grade NAT)
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fc00::1",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address):
    assert not address_is_public(address)
    with pytest.raises(FeedFetchError, match="non-public address") as caught:
        resolve_checked("feeds.example.com", 443, allow_private=False, resolver=answers(address))
    assert caught.value.status == "refused address"


@pytest.mark.parametrize("address", [PUBLIC_V4, PUBLIC_V6, "8.8.8.8"])
def test_public_addresses_pass(address):
    assert address_is_public(address)
    assert resolve_checked("feeds.example.com", 443, allow_private=False, resolver=answers(address)) == [address]


def test_one_private_answer_among_public_ones_refuses_the_host():
    with pytest.raises(FeedFetchError, match=r"non-public address \(10\.0\.0\.7\)"):
        resolve_checked("feeds.example.com", 443, allow_private=False, resolver=answers(PUBLIC_V4, "10.0.0.7"))


def test_the_setting_lets_private_addresses_through():
    assert resolve_checked("intranet", 443, allow_private=True, resolver=answers("10.0.0.7")) == ["10.0.0.7"]


def answers(*addresses: str, log: list | None = None):
    """A resolver with fixed answers (getaddrinfo's shape), recording each lookup."""

    def resolve(host, port, *args, **kwargs):
        if log is not None:
            log.append(host)
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses
        ]

    return resolve


def by_host(table: dict[str, list[str]], log: list):
    def resolve(host, port, *args, **kwargs):
        log.append(host)
        return answers(*table[host])(host, port)

    return resolve


class Marketplace:
    """An in-memory transport: records what reached the wire and answers by Host header."""

    def __init__(self, routes: dict[str, httpx.Response]):
        self.routes = routes
        self.seen: list[tuple[str, str, str]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        host = request.headers["Host"]
        self.seen.append((str(request.url.host), host, request.extensions.get("sni_hostname")))
        return self.routes[host]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


def test_a_redirect_to_the_metadata_address_is_refused_before_connecting(settings):
    settings.MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS = False
    lookups: list[str] = []
    resolver = by_host({"ical.marketplace.example": [PUBLIC_V4], "rebind.example": ["169.254.169.254"]}, lookups)
    market = Marketplace(
        {
            "ical.marketplace.example": httpx.Response(
                302, headers={"Location": "https://rebind.example/latest/meta-data"}
            )
        }
    )

    with pytest.raises(FeedFetchError, match=r"rebind.example resolves to a non-public address \(169.254.169.254\)"):
        fetch_feed("https://ical.marketplace.example/feed.ics?t=1", resolver=resolver, transport=market.transport())

    # The first hop went to the checked IP with the name in Host and SNI; the second never left.
    assert market.seen == [(PUBLIC_V4, "ical.marketplace.example", "ical.marketplace.example")]
    assert lookups == ["ical.marketplace.example", "rebind.example"]


@pytest.mark.parametrize(
    ("location", "status"),
    [
        ("http://169.254.169.254/latest/meta-data", "refused scheme"),
        ("https://169.254.169.254/latest/meta-data", "refused address"),
        ("https://[::1]:8443/admin", "refused address"),
        ("ftp://files.example.com/feed.ics", "refused scheme"),
    ],
)
def test_redirects_to_private_ip_literals_or_other_schemes_are_refused(settings, location, status):
    settings.MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS = False
    market = Marketplace({"ical.marketplace.example": httpx.Response(301, headers={"Location": location})})

    with pytest.raises(FeedFetchError) as caught:
        fetch_feed("https://ical.marketplace.example/f.ics", resolver=answers(PUBLIC_V4), transport=market.transport())

    assert caught.value.status == status
    assert len(market.seen) == 1


def test_a_dns_answer_that_changes_after_the_check_never_reaches_the_socket(settings):
    """DNS rebinding: the name resolves to a public address for the check, a private one later."""
    settings.MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS = False
    answers_in_turn = iter([[PUBLIC_V4], ["127.0.0.1"], ["127.0.0.1"]])
    lookups: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        lookups.append(host)
        return answers(*next(answers_in_turn))(host, port)

    market = Marketplace({"ical.marketplace.example": httpx.Response(200, content=ICS)})

    fetched = fetch_feed("https://ical.marketplace.example/f.ics", resolver=rebinding, transport=market.transport())

    assert fetched.body == ICS
    assert lookups == ["ical.marketplace.example"]  # resolved once, by us
    assert market.seen == [(PUBLIC_V4, "ical.marketplace.example", "ical.marketplace.example")]


def test_redirects_are_followed_at_most_five_times(feed_server):
    for hop in range(3):
        feed_server.expect_request(f"/hop{hop}").respond_with_data(
            "", status=302, headers={"Location": f"/hop{hop + 1}"}
        )
    feed_server.expect_request("/hop3").respond_with_data(ICS, content_type="text/calendar")
    assert fetch_feed(feed_server.url_for("/hop0")).body == ICS

    feed_server.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(FeedFetchError, match="redirected more than 5 times"):
        fetch_feed(feed_server.url_for("/loop"))
    assert sum(1 for request, _ in feed_server.log if request.path == "/loop") == 6


@pytest.mark.django_db
def test_with_the_setting_off_a_local_http_feed_is_refused_without_a_request(
    frozen, serve, feed_server, make_feed, settings
):
    url = serve(ICS)
    settings.MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS = False
    http_feed = make_feed(url)
    https_feed = make_feed(url.replace("http://", "https://"), source="samboat")  # localhost: loopback

    http_result = marketplace_feed_sync(feed_id=http_feed.pk)
    https_result = marketplace_feed_sync(feed_id=https_feed.pk)

    assert (http_result.status, https_result.status) == ("refused scheme", "refused address")
    http_feed.refresh_from_db()
    https_feed.refresh_from_db()
    assert http_feed.last_error == "Only https feed URLs are fetched (this one is http)."
    assert "localhost resolves to a non-public address" in https_feed.last_error
    assert (http_feed.health, https_feed.health) == ("failing", "failing")
    assert hold_rows(http_feed) == [] and hold_rows(https_feed) == []
    assert feed_server.log == []  # nothing reached the server
