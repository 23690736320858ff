"""The one module that talks HTTP to the marketplaces: fetch a feed URL without trusting it.

A feed URL is typed by staff and points wherever they (or whoever got hold of the admin)
like, so each hop of a fetch is checked before any byte leaves:

* only ``https`` (plain ``http`` only with ``MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS``);
* the host is resolved here (``getaddrinfo``) and refused if any address is not public
  (loopback, private, link-local, multicast, reserved, unspecified, shared, or an IPv6
  form of one of those);
* the connection goes to the address that was checked: the request URL carries that IP,
  the ``Host`` header and TLS SNI carry the name, and the certificate is verified against
  the name. A DNS answer that changes between the check and the connect (rebinding)
  never reaches the socket;
* redirects are followed here, at most :data:`MAX_REDIRECTS`, each hop checked again;
* one deadline (``MARKETPLACE_FEED_TIMEOUT_SECONDS``) for the whole fetch, and the body is
  streamed and abandoned past ``MARKETPLACE_FEED_MAX_BYTES``.

URLs are secrets (marketplaces put a token in them): nothing here logs or raises one;
:func:`url_label` is how a URL is named in logs and messages.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

import certifi
import httpx
from django.conf import settings

logger = logging.getLogger(__name__)
# httpx logs every request's full URL at INFO (httpcore its connections at DEBUG): a feed URL is a
# secret, and this module is their only user, so they only speak up for warnings.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
USER_AGENT = "charterops-feed-sync/1.0"
# IPv6 prefixes that carry an IPv4 address the connection may end up at (NAT64).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))

Resolver = Callable[..., list]


class FeedFetchError(Exception):
    """The feed could not be fetched. ``status`` is short (``HTTP 500``, ``timeout``); ``message``
    is for staff and never contains the URL."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Fetched:
    not_modified: bool
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    status: str = ""


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's own default (certifi's CAs, hostname checked), built once: loading the CAs for every
    fetch cost more than a 304 answer."""
    return ssl.create_default_context(cafile=certifi.where())


def url_label(url: str) -> str:
    """``https://ical.boatsetter.example/… #1a2b3c4d``: enough to tell two feeds apart, nothing to replay."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    try:
        parsed = httpx.URL(url)
        where = f"{parsed.scheme}://{parsed.host}" if parsed.host else "(no host)"
    except (httpx.InvalidURL, TypeError, ValueError):
        where = "(not a URL)"
    return f"{where}/… #{digest}"


def address_is_public(address: str) -> bool:
    """True only for a globally routable unicast address (an IPv6 form of an IPv4 one is judged by it)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if (
        not ip.is_global
        or ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    ):
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        embedded += [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) for net in _NAT64 if ip in net]
        return all(address_is_public(str(v4)) for v4 in embedded if v4 is not None)
    return True


def resolve_checked(host: str, port: int, *, allow_private: bool, resolver: Resolver = socket.getaddrinfo) -> list[str]:
    """The addresses ``host`` resolves to, refused as a whole if any of them is not public."""
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        try:
            infos = resolver(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise FeedFetchError("DNS failure", f"The feed's host {host} could not be resolved.") from exc
        addresses = list(dict.fromkeys(info[4][0].split("%", 1)[0] for info in infos))
    if not addresses:
        raise FeedFetchError("DNS failure", f"The feed's host {host} has no address.")
    if not allow_private:
        refused = [a for a in addresses if not address_is_public(a)]
        if refused:
            raise FeedFetchError(
                "refused address",
                f"The feed's host {host} resolves to a non-public address ({refused[0]}); "
                "only public internet addresses are fetched.",
            )
    return addresses


def check_url(url: str, *, allow_private: bool) -> httpx.URL:
    """Parse ``url`` and refuse what is never fetched (a scheme other than https, no host, credentials)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FeedFetchError("bad URL", "The feed URL is not a valid URL.") from exc
    allowed = {"https", "http"} if allow_private else {"https"}
    if parsed.scheme not in allowed:
        raise FeedFetchError(
            "refused scheme", f"Only https feed URLs are fetched (this one is {parsed.scheme or 'relative'})."
        )
    if not parsed.host:
        raise FeedFetchError("bad URL", "The feed URL has no host.")
    if parsed.userinfo:
        raise FeedFetchError("bad URL", "The feed URL must not carry a user name or password.")
    return parsed


def fetch_feed(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    resolver: Resolver = socket.getaddrinfo,
    verify: ssl.SSLContext | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Fetched:
    """GET ``url`` as a conditional request, following redirects ourselves; raise :class:`FeedFetchError`.

    ``resolver``, ``verify`` and ``transport`` are httpx's and the socket module's defaults; a caller
    may pass others (a resolver with fixed answers, a CA bundle, an in-memory transport).
    """
    allow_private = settings.MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS
    timeout = float(settings.MARKETPLACE_FEED_TIMEOUT_SECONDS)
    deadline = time.monotonic() + timeout
    headers = {"Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1", "User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        target = check_url(current, allow_private=allow_private)
        port = target.port or (443 if target.scheme == "https" else 80)
        addresses = resolve_checked(target.host, port, allow_private=allow_private, resolver=resolver)
        outcome = _get(target, addresses, headers, deadline=deadline, verify=verify, transport=transport)
        if isinstance(outcome, Fetched):
            return outcome
        current = str(target.join(outcome))
    raise FeedFetchError("too many redirects", f"The feed redirected more than {MAX_REDIRECTS} times.")


def _get(
    target: httpx.URL, addresses: list[str], headers: dict, *, deadline: float, verify, transport
) -> Fetched | str:
    """One hop: the response, or the redirect's Location. Tries each checked address in turn."""
    last_error: Exception | None = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        pinned = target.copy_with(host=address)
        # A fresh client per hop: a pooled TLS connection must never serve another host name.
        with httpx.Client(
            verify=verify or _tls_context(),
            trust_env=False,
            follow_redirects=False,
            timeout=remaining,
            transport=transport,
        ) as client:
            request = client.build_request(
                "GET",
                pinned,
                headers={**headers, "Host": target.netloc.decode("ascii")},
                extensions={"sni_hostname": target.host},
            )
            try:
                response = client.send(request, stream=True)
            except httpx.ConnectError as exc:
                last_error = exc
                continue
            except httpx.TimeoutException as exc:
                raise _timed_out() from exc
            except httpx.HTTPError as exc:
                raise FeedFetchError("connection failed", f"The connection failed ({type(exc).__name__}).") from exc
            try:
                return _read(response, deadline=deadline)
            finally:
                response.close()
    if last_error is None:
        raise _timed_out()
    if "CERTIFICATE_VERIFY_FAILED" in str(last_error):
        raise FeedFetchError(
            "certificate refused", f"The certificate of {target.host} could not be verified."
        ) from last_error
    raise FeedFetchError(
        "connection failed", f"Could not connect to {target.host} ({type(last_error).__name__})."
    ) from last_error


def _read(response: httpx.Response, *, deadline: float) -> Fetched | str:
    status = response.status_code
    if status in REDIRECT_STATUSES:
        location = response.headers.get("Location", "")
        if not location:
            raise FeedFetchError(f"HTTP {status}", f"The marketplace answered {status} without a Location.")
        return location
    if status == 304:
        return Fetched(not_modified=True, status="304 Not Modified")
    if status != 200:
        raise FeedFetchError(f"HTTP {status}", f"The marketplace answered {status} {response.reason_phrase}.".strip())
    limit = int(settings.MARKETPLACE_FEED_MAX_BYTES)
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            if time.monotonic() > deadline:
                raise _timed_out()
            chunks.append(chunk)
    except httpx.TimeoutException as exc:
        raise _timed_out() from exc
    except httpx.HTTPError as exc:
        raise FeedFetchError("connection failed", f"The download broke off ({type(exc).__name__}).") from exc
    return Fetched(
        not_modified=False,
        body=b"".join(chunks),
        etag=response.headers.get("ETag", "")[:255],
        last_modified=response.headers.get("Last-Modified", "")[:64],
        status=f"200 {response.reason_phrase or 'OK'}"[:120],
    )


def _timed_out() -> FeedFetchError:
    seconds = settings.MARKETPLACE_FEED_TIMEOUT_SECONDS
    return FeedFetchError("timeout", f"The marketplace did not answer within {seconds:g} seconds.")


def _too_large(limit: int) -> FeedFetchError:
    return FeedFetchError("too large", f"The feed is larger than {limit:,} bytes; it was not read to the end.")
