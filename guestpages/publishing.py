"""The only code that talks to S3 and CloudFront for guest pages.

``publisher_for(tenant)`` gives a publisher with three operations: the hash of
the page that is in the bucket now, put a page, and invalidate CDN paths.
With ``GUESTPAGES_BACKEND=local`` pages are files under MEDIA_ROOT and there
is no CDN to invalidate.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Protocol

import boto3
from botocore.config import Config
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

HASH_METADATA_KEY = "content-sha256"
CONTENT_TYPE = "text/html; charset=utf-8"
# botocore retries a little itself; the outbox owns the longer backoff.
_BOTO_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=20)


def content_hash(html: bytes) -> str:
    return hashlib.sha256(html).hexdigest()


class Publisher(Protocol):
    def current_hash(self, key: str) -> str | None: ...

    def put(self, key: str, html: bytes, sha256: str) -> None: ...

    def invalidate(self, paths: list[str], caller_reference: str) -> str: ...


class GuestPageStorage(S3Storage):
    """S3Storage for flat ``<slug>.html`` keys that are overwritten in place."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._metadata: dict[str, dict[str, str]] = {}

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        params.update(
            {
                "ContentType": CONTENT_TYPE,
                "CacheControl": settings.GUESTPAGES_CACHE_CONTROL,
                "Metadata": self._metadata.get(name, {}),
            }
        )
        return params

    def _save(self, name, content):
        # A page is a few kilobytes: one PutObject, without the multipart transfer machinery.
        name = clean_name(name)
        params = self._get_write_parameters(name, content)
        content.seek(0)
        self.connection.meta.client.put_object(
            Bucket=self.bucket_name, Key=self._normalize_name(name), Body=content.read(), **params
        )
        return name

    def save_page(self, key: str, html: bytes, sha256: str) -> None:
        self._metadata[key] = {HASH_METADATA_KEY: sha256}
        try:
            saved = self.save(key, ContentFile(html))
        finally:
            self._metadata.pop(key, None)
        if saved != key:  # file_overwrite=False would rename; the CDN path would then 404
            raise RuntimeError(f"storage saved {saved!r} instead of {key!r}")


class S3Publisher:
    def __init__(self, tenant):
        self.tenant = tenant
        self.storage = GuestPageStorage(
            bucket_name=tenant.s3_bucket,
            file_overwrite=True,
            default_acl=None,
            querystring_auth=False,
            region_name=settings.AWS_S3_REGION_NAME,
            endpoint_url=settings.AWS_S3_ENDPOINT_URL,
            signature_version="s3v4",
            client_config=_BOTO_CONFIG,
        )

    @property
    def _s3(self):
        return self.storage.connection.meta.client

    def current_hash(self, key: str) -> str | None:
        from botocore.exceptions import ClientError

        try:
            head = self._s3.head_object(Bucket=self.tenant.s3_bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return head.get("Metadata", {}).get(HASH_METADATA_KEY)

    def put(self, key: str, html: bytes, sha256: str) -> None:
        self.storage.save_page(key, html, sha256)

    def invalidate(self, paths: list[str], caller_reference: str) -> str:
        if not self.tenant.cloudfront_distribution_id:
            return ""
        response = cloudfront_client().create_invalidation(
            DistributionId=self.tenant.cloudfront_distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": list(paths)},
                "CallerReference": caller_reference,
            },
        )
        return response["Invalidation"]["Id"]


class LocalPublisher:
    """Pages as files, for a laptop: MEDIA_ROOT/guestpages/<tenant slug>/<slug>.html."""

    def __init__(self, tenant):
        self.tenant = tenant
        self.storage = FileSystemStorage(location=local_root(tenant))

    def current_hash(self, key: str) -> str | None:
        if not self.storage.exists(key):
            return None
        return content_hash(Path(self.storage.path(key)).read_bytes())

    def put(self, key: str, html: bytes, sha256: str) -> None:
        path = Path(self.storage.path(key))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(html)
        tmp.replace(path)  # atomic: a reader never sees half a page

    def invalidate(self, paths: list[str], caller_reference: str) -> str:
        return ""


def local_root(tenant) -> Path:
    return Path(settings.MEDIA_ROOT) / "guestpages" / tenant.slug


_local = threading.local()


def cloudfront_client():
    client = getattr(_local, "cloudfront", None)
    if client is None:
        client = boto3.client(
            "cloudfront",
            endpoint_url=settings.AWS_CLOUDFRONT_ENDPOINT_URL,
            config=_BOTO_CONFIG,
            region_name="us-east-1",
        )
        _local.cloudfront = client
    return client


# The health check asks each brand's bucket, on a load balancer's clock: answer fast or fail.
_HEALTH_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=3)


def bucket_check(tenant) -> None:
    """Raise unless the brand's guest-page bucket answers HeadBucket (exists and is ours to write)."""
    key = (settings.AWS_S3_ENDPOINT_URL, settings.AWS_S3_REGION_NAME)
    if getattr(_local, "health_s3_key", None) != key:
        _local.health_s3 = boto3.client("s3", endpoint_url=key[0], region_name=key[1], config=_HEALTH_CONFIG)
        _local.health_s3_key = key
    _local.health_s3.head_bucket(Bucket=tenant.s3_bucket)


def publisher_for(tenant) -> Publisher:
    if settings.GUESTPAGES_BACKEND == "s3":
        cache = getattr(_local, "publishers", None)
        if cache is None:
            cache = _local.publishers = {}
        key = (tenant.pk, tenant.s3_bucket, tenant.cloudfront_distribution_id, settings.AWS_S3_ENDPOINT_URL)
        if key not in cache:
            cache[key] = S3Publisher(tenant)
        return cache[key]
    return LocalPublisher(tenant)


def reset_clients() -> None:
    """Drop cached clients (settings changed, e.g. another endpoint in tests)."""
    _local.__dict__.clear()
