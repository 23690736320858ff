"""The only code that talks to S3 for guest photos: presigned POST and GET, listing, download.

The presigned POST policy is the security boundary for uploads: whatever the
browser sends, S3 refuses a file whose key, size, Content-Type or consent
metadata differ from what the server granted, or that arrives after expiry.
Signing needs credentials but no network; listing and downloading do.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import IO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

# SigV4 everywhere: in us-east-1 boto3 would otherwise sign a POST with the old SigV2 fields.
_BOTO_CONFIG = Config(
    signature_version="s3v4",
    retries={"max_attempts": 2, "mode": "standard"},
    connect_timeout=5,
    read_timeout=20,
)
CONSENT_METADATA_KEY = "consent"


class StorageUnavailable(Exception):
    """S3 could not be used (no credentials, endpoint down, bucket missing)."""


# boto3 clients are thread-safe once made; making one through the default session is not.
_clients: dict[tuple[str | None, str], object] = {}
_clients_lock = threading.Lock()


def s3_client():
    """A SigV4 S3 client for the configured endpoint and region, shared by all threads.

    Raises ``StorageUnavailable`` when no credentials can be found.
    """
    key = (settings.AWS_S3_ENDPOINT_URL, settings.AWS_S3_REGION_NAME)
    with _clients_lock:
        if key not in _clients:
            session = boto3.session.Session()
            # Without credentials botocore fails deep inside signing (AttributeError); say so plainly.
            if session.get_credentials() is None:
                raise StorageUnavailable("no AWS credentials found")
            _clients[key] = session.client(
                "s3",
                endpoint_url=settings.AWS_S3_ENDPOINT_URL,
                region_name=settings.AWS_S3_REGION_NAME,
                config=_BOTO_CONFIG,
            )
        return _clients[key]


def reset_clients() -> None:
    """Drop cached clients (credentials or endpoint changed, e.g. another server in tests)."""
    with _clients_lock:
        _clients.clear()


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]


def presign_post(
    *,
    bucket: str,
    key: str,
    content_type: str,
    max_bytes: int,
    consent: str,
    expires_in: int,
) -> PresignedPost:
    """A form POST for exactly one object.

    Every value placed in the form's fields also gets a matching policy
    condition: fields alone are only defaults the browser could change.
    """
    meta_field = f"x-amz-meta-{CONSENT_METADATA_KEY}"
    try:
        response = s3_client().generate_presigned_post(
            Bucket=bucket,
            Key=key,  # boto3 adds the exact {"key": key} and {"bucket": bucket} conditions
            Fields={"Content-Type": content_type, meta_field: consent},
            Conditions=[
                {"Content-Type": content_type},
                {meta_field: consent},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires_in,
        )
    except (BotoCoreError, ClientError) as exc:  # e.g. NoCredentialsError on a laptop without AWS
        raise StorageUnavailable(str(exc)) from exc
    return PresignedPost(url=response["url"], fields=dict(response["fields"]))


def presign_get(*, bucket: str, key: str, expires_in: int = 600) -> str:
    """A short-lived GET URL for a staff member's browser (thumbnails, downloads)."""
    return s3_client().generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in)


def list_objects(*, bucket: str, prefix: str) -> dict[str, int]:
    """Keys under ``prefix`` that exist in the bucket, with their sizes in bytes."""
    found: dict[str, int] = {}
    try:
        for page in s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                found[item["Key"]] = int(item["Size"])
    except (BotoCoreError, ClientError) as exc:
        raise StorageUnavailable(str(exc)) from exc
    return found


def download(*, bucket: str, key: str, into: IO[bytes]) -> None:
    """Stream one object into a file-like object."""
    try:
        s3_client().download_fileobj(bucket, key, into)
    except (BotoCoreError, ClientError) as exc:
        raise StorageUnavailable(str(exc)) from exc
