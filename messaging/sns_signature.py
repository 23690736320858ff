"""Is this SNS message really from Amazon SNS? The signature check AWS documents for HTTP(S) endpoints.

The webhook's basic auth proves the sender knows our secret; the signature proves Amazon wrote the
message. Both are needed: a leaked secret alone must not let anyone mark guests' addresses
undeliverable, and an SNS topic of someone else's can't know our secret.

https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

# Amazon's signing certificates live on sns.<region>.amazonaws.com (".cn" in the China regions).
DEFAULT_CERT_HOST_PATTERN = r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$"
CERT_TIMEOUT_SECONDS = 5.0
# A real signing certificate is about 2 KB: anything much larger is not one.
CERT_MAX_BYTES = 64 * 1024
_CACHE_SIZE = 32

# The fields signed, in this order, per message type (absent optional fields are left out).
_SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}

_certificates: OrderedDict[str, x509.Certificate] = OrderedDict()
_cache_lock = threading.Lock()


class SnsSignatureError(Exception):
    """The message is not provably from Amazon SNS: refuse it."""


class SnsCertificateUnavailable(Exception):
    """Amazon's signing certificate could not be fetched now; SNS retries a refused delivery later."""


def canonical_string(message: dict) -> bytes:
    """The string SNS signed for ``message``: "Name\\nvalue\\n" for each signed field, in order."""
    fields = _SIGNED_FIELDS.get(message.get("Type"))
    if fields is None:
        raise SnsSignatureError(f"Unknown SNS message type {message.get('Type')!r}.")
    parts = []
    for name in fields:
        value = message.get(name)
        if value is None:
            if name == "Subject":
                continue  # only notifications published with a subject carry one
            raise SnsSignatureError(f"SNS message has no {name}.")
        if not isinstance(value, str):
            raise SnsSignatureError(f"SNS message field {name} is not text.")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode("utf-8")


def cert_url_check(url: str) -> None:
    """Refuse a SigningCertURL that is not Amazon's (checked before anything is fetched)."""
    if not isinstance(url, str) or not url:
        raise SnsSignatureError("SNS message has no SigningCertURL.")
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if getattr(settings, "AWS_SNS_CERT_ALLOW_HTTP", False) else {"https"}
    if parts.scheme not in allowed_schemes:
        raise SnsSignatureError(f"SigningCertURL must be https: {url!r}.")
    if parts.username or parts.password:
        raise SnsSignatureError(f"SigningCertURL carries credentials: {url!r}.")
    pattern = getattr(settings, "AWS_SNS_CERT_HOST_PATTERN", DEFAULT_CERT_HOST_PATTERN)
    host = parts.hostname or ""
    if not re.fullmatch(pattern, host):
        raise SnsSignatureError(f"SigningCertURL host {host!r} is not Amazon SNS's.")
    if not parts.path.endswith(".pem"):
        raise SnsSignatureError(f"SigningCertURL is not a certificate: {url!r}.")


def _fetch_certificate(url: str) -> x509.Certificate:
    try:
        with (
            httpx.Client(timeout=CERT_TIMEOUT_SECONDS, follow_redirects=False) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                if response.status_code >= 500:
                    raise SnsCertificateUnavailable(f"{url} answered {response.status_code}.")
                raise SnsSignatureError(f"SigningCertURL answered {response.status_code}.")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > CERT_MAX_BYTES:
                    raise SnsSignatureError("SigningCertURL returned more than a certificate.")
    except httpx.HTTPError as exc:
        raise SnsCertificateUnavailable(f"Could not fetch {url}: {exc}") from exc
    try:
        return x509.load_pem_x509_certificate(bytes(body))
    except ValueError as exc:
        raise SnsSignatureError("SigningCertURL did not return a PEM certificate.") from exc


def signing_certificate(url: str) -> x509.Certificate:
    """Amazon's certificate at ``url``, fetched once per process (SNS uses one for months)."""
    cert_url_check(url)
    with _cache_lock:
        cached = _certificates.get(url)
        if cached is not None:
            _certificates.move_to_end(url)
            return cached
    certificate = _fetch_certificate(url)
    with _cache_lock:
        _certificates[url] = certificate
        while len(_certificates) > _CACHE_SIZE:
            _certificates.popitem(last=False)
    return certificate


def certificate_cache_clear() -> None:
    """Forget fetched certificates (tests; a rotation is picked up by the new URL anyway)."""
    with _cache_lock:
        _certificates.clear()


def sns_message_verify(message: dict) -> None:
    """Raise :class:`SnsSignatureError` unless ``message`` carries a valid Amazon SNS signature.

    Raises :class:`SnsCertificateUnavailable` when the certificate could not be fetched (try later).
    """
    if not isinstance(message, dict):
        raise SnsSignatureError("SNS message is not a JSON object.")
    algorithm = _HASHES.get(str(message.get("SignatureVersion", "")))
    if algorithm is None:
        raise SnsSignatureError(f"Unsupported SNS SignatureVersion {message.get('SignatureVersion')!r}.")
    try:
        signature = base64.b64decode(message.get("Signature") or "", validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise SnsSignatureError("SNS Signature is not base64.") from exc
    if not signature:
        raise SnsSignatureError("SNS message has no Signature.")
    signed = canonical_string(message)
    certificate = signing_certificate(message.get("SigningCertURL"))
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SnsSignatureError("Amazon SNS signing certificate is outside its validity period.")
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SnsSignatureError("Amazon SNS signing certificate does not hold an RSA key.")
    try:
        public_key.verify(signature, signed, padding.PKCS1v15(), algorithm())
    except InvalidSignature as exc:
        raise SnsSignatureError("SNS message signature does not match.") from exc
