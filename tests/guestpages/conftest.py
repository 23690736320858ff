from __future__ import annotations

import pytest

from guestpages import uploads
from guestpages.services import guest_page_ensure
from tests.factories import BookingFactory
from tests.guestpages.helpers import ACCESS_KEY, SECRET_KEY


@pytest.fixture
def aws_credentials(monkeypatch):
    """Static keys only (no session token), and never the instance metadata service."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    uploads.reset_clients()
    yield
    uploads.reset_clients()


@pytest.fixture
def s3(aws_credentials, settings, tenant):
    """moto in process; the tenant's bucket exists."""
    from moto import mock_aws

    settings.AWS_S3_ENDPOINT_URL = None
    settings.AWS_S3_REGION_NAME = "us-east-1"
    with mock_aws():
        uploads.reset_clients()
        client = uploads.s3_client()
        client.create_bucket(Bucket=tenant.s3_bucket)
        yield client
    uploads.reset_clients()


@pytest.fixture
def booking(tenant):
    """Saturday December 5, 2026, 10:00-15:00 in San Diego (PST)."""
    return BookingFactory(tenant=tenant, guest_name="Jordan Rivers")


@pytest.fixture
def page(booking):
    return guest_page_ensure(booking=booking)
