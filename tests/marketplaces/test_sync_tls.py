"""Pinning the checked address keeps TLS honest: SNI and the certificate check use the feed's host name."""

from __future__ import annotations

import datetime as dt
import ssl

import pytest
from pytest_httpserver import HTTPServer

from marketplaces.fetch import FeedFetchError, fetch_feed
from tests.marketplaces.sync_support import simple_feed

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

ICS = simple_feed(1)


def _cert(subject: str, issuer_name, key, signing_key, *, ca: bool, dns: str | None = None):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_feed_server(tmp_path_factory):
    """An https server on 127.0.0.1 whose certificate (from a test CA) names only feeds.test."""
    tmp = tmp_path_factory.mktemp("tls")
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("charterops test CA", None, ca_key, ca_key, ca=True)
    leaf = _cert("feeds.test", ca.subject, leaf_key, ca_key, ca=False, dns="feeds.test")
    (tmp / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp / "leaf.key").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp / "leaf.pem", tmp / "leaf.key")
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=server_context)
    server.start()
    server.sni_seen = []
    server_context.sni_callback = lambda sock, name, ctx: server.sni_seen.append(name)
    yield server, ssl.create_default_context(cafile=str(tmp / "ca.pem"))
    server.clear()
    server.stop()


def to_loopback(host, port, *args, **kwargs):
    import socket

    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]


def test_the_name_is_verified_against_the_certificate_while_the_socket_goes_to_the_checked_address(
    tls_feed_server, settings
):
    settings.MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS = True  # the test server is on loopback
    server, client_context = tls_feed_server
    server.expect_request("/cal.ics").respond_with_data(ICS, content_type="text/calendar")

    fetched = fetch_feed(f"https://feeds.test:{server.port}/cal.ics", resolver=to_loopback, verify=client_context)

    assert fetched.body == ICS
    assert server.sni_seen[-1] == "feeds.test"
    assert server.log[-1][0].headers["Host"] == f"feeds.test:{server.port}"


def test_a_certificate_for_another_name_is_refused(tls_feed_server, settings):
    settings.MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS = True
    server, client_context = tls_feed_server
    server.expect_request("/cal.ics").respond_with_data(ICS, content_type="text/calendar")

    with pytest.raises(FeedFetchError) as caught:
        fetch_feed(f"https://impostor.test:{server.port}/cal.ics", resolver=to_loopback, verify=client_context)

    assert (caught.value.status, caught.value.message) == (
        "certificate refused",
        "The certificate of impostor.test could not be verified.",
    )
    assert server.sni_seen[-1] == "impostor.test"
