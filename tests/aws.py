"""AWS through moto, in process: S3 (versioned bucket), CloudFront and SES. Shared by several test folders."""

from __future__ import annotations

import pytest

from guestpages import publishing

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def create_distribution(cloudfront, bucket: str) -> str:
    config = {
        "CallerReference": f"dist-{bucket}",
        "Comment": "guest pages",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "bucket",
                    "DomainName": f"{bucket}.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "bucket",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": True, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


@pytest.fixture
def aws_credentials(monkeypatch):
    """Fake credentials, so nothing can reach a real AWS account."""
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def aws(aws_credentials, settings, tenant):
    """moto for S3, CloudFront and SES; the tenant's bucket (versioned) and distribution exist."""
    from moto import mock_aws

    with mock_aws():
        import boto3

        publishing.reset_clients()
        settings.GUESTPAGES_BACKEND = "s3"
        settings.AWS_S3_ENDPOINT_URL = None
        settings.AWS_CLOUDFRONT_ENDPOINT_URL = None
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=tenant.s3_bucket)
        s3.put_bucket_versioning(Bucket=tenant.s3_bucket, VersioningConfiguration={"Status": "Enabled"})
        tenant.cloudfront_distribution_id = create_distribution(boto3.client("cloudfront"), tenant.s3_bucket)
        tenant.save()
        ses = boto3.client("ses", region_name="us-east-1")
        ses.verify_email_identity(EmailAddress=tenant.sender_email)
        yield type("Aws", (), {"s3": s3, "ses": ses, "tenant": tenant})
        publishing.reset_clients()


@pytest.fixture
def invalidations():
    """Every CreateInvalidation request the app sends, as sent (moto checks too little to trust its answer)."""
    sent: list[dict] = []

    def record(params, **kwargs):
        sent.append(params)

    client = publishing.cloudfront_client()
    client.meta.events.register("provide-client-params.cloudfront.CreateInvalidation", record)
    yield sent
    client.meta.events.unregister("provide-client-params.cloudfront.CreateInvalidation", record)


def versions(s3, bucket: str, key: str) -> list[dict]:
    return [v for v in s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", []) if v["Key"] == key]


def sent_emails() -> list:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)
