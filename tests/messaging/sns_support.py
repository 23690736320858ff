"""SES notifications as SNS posts them, signed the way SNS signs them, with a certificate served locally.

The fixtures in ./fixtures are real-shaped SNS envelopes whose "Message" is SES's JSON string. Tests
sign them with a key generated here and serve its self-signed certificate from pytest-httpserver;
the settings allow that one local host (and plain http) for the test only.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from messaging import sns_signature

FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK_URL = "/webhooks/ses/tracking/"
WEBHOOK_SECRET = "ses-hook:Tq8-vJr3pXw"
CERT_PATH = "/SimpleNotificationService-0000000000000000000000000000000a.pem"
# SES's messageId in every fixture: a message sent with it is the one the notification is about.
SES_MESSAGE_ID = "0100018c4d2e7f3a-5b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e-000000"
FIXTURE_RECIPIENT = "jordan.guest@example.com"


def load(name: str, *, recipient: str | None = None) -> dict:
    """A fixture envelope; ``recipient`` replaces the address inside SES's message."""
    envelope = json.loads((FIXTURES / f"{name}.json").read_text())
    if recipient is not None:
        envelope["Message"] = envelope["Message"].replace(FIXTURE_RECIPIENT, recipient)
    return envelope


def _key_and_cert() -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Wide enough for time_machine's dates and the real clock alike.
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2040, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


# One key for the session: RSA generation is the slow part.
_KEY, _CERT_PEM = _key_and_cert()


@dataclass
class Signer:
    cert_url: str
    cert_pem: bytes = _CERT_PEM

    def sign(self, envelope: dict, *, version: str = "1", key: rsa.RSAPrivateKey | None = None) -> dict:
        """``envelope`` with SigningCertURL pointing here and a valid signature of ``version``."""
        signed = dict(envelope, SignatureVersion=version, SigningCertURL=self.cert_url)
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = (key or _KEY).sign(sns_signature.canonical_string(signed), padding.PKCS1v15(), algorithm)
        signed["Signature"] = base64.b64encode(signature).decode("ascii")
        return signed


def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def basic_auth(secret: str = WEBHOOK_SECRET) -> str:
    return "Basic " + base64.b64encode(secret.encode()).decode("ascii")


def post(client, envelope: dict, *, auth: str | None = None, body: str | None = None):
    """POST as SNS does: JSON body as text/plain, type and id repeated in headers."""
    headers = {
        "x-amz-sns-message-type": envelope.get("Type", ""),
        "x-amz-sns-message-id": envelope.get("MessageId", ""),
        "x-amz-sns-topic-arn": envelope.get("TopicArn", ""),
    }
    if auth is not None:
        headers["authorization"] = auth
    return client.post(
        WEBHOOK_URL,
        data=body if body is not None else json.dumps(envelope),
        content_type="text/plain; charset=UTF-8",
        headers=headers,
    )


@pytest.fixture
def webhook_settings(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": WEBHOOK_SECRET}
    sns_signature.certificate_cache_clear()
    yield settings
    sns_signature.certificate_cache_clear()


@pytest.fixture
def signer(webhook_settings, httpserver) -> Signer:
    """Amazon's certificate endpoint, played by a local server the settings trust for this test."""
    webhook_settings.AWS_SNS_CERT_HOST_PATTERN = r"^(127\.0\.0\.1|localhost)$"
    webhook_settings.AWS_SNS_CERT_ALLOW_HTTP = True
    httpserver.expect_request(CERT_PATH, method="GET").respond_with_data(
        _CERT_PEM, content_type="application/x-pem-file"
    )
    return Signer(cert_url=httpserver.url_for(CERT_PATH))
