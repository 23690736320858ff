"""A brand's guest domain, bucket, distribution and sender are the superuser's; no two brands share them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bookings.models import Tenant
from tests.factories import TenantFactory
from tests.tenancy.conftest import admin_url

pytestmark = pytest.mark.django_db

from bookings.admin_brands import GUEST_MESSAGE_FIELDS  # noqa: E402

INFRASTRUCTURE = ("guest_domain", "s3_bucket", "cloudfront_distribution_id", "sender_email")


def brand_form(brand: Tenant, **overrides) -> dict:
    data = {
        "name": brand.name,
        "slug": brand.slug,
        "guest_domain": brand.guest_domain,
        "s3_bucket": brand.s3_bucket,
        "cloudfront_distribution_id": brand.cloudfront_distribution_id,
        "sender_email": brand.sender_email,
        "timezone": brand.timezone,
        "upload_window_hours_after_end": str(brand.upload_window_hours_after_end),
    }
    data.update(overrides)
    return data


def stored(brand: Tenant) -> dict:
    return Tenant.objects.filter(pk=brand.pk).values(*INFRASTRUCTURE, "slug", "name", "timezone").get()


def test_staff_see_their_brands_infrastructure_but_cannot_edit_it(staff_a_client, brand_a):
    response = staff_a_client.get(admin_url(Tenant, "change", brand_a.pk))
    assert response.status_code == 200
    body = response.content.decode()
    form = response.context["adminform"].form
    # What staff may change: the brand's name, zone and upload window, and how its guest messages read.
    assert set(form.fields) == {"name", "timezone", "upload_window_hours_after_end", *GUEST_MESSAGE_FIELDS}
    assert "alphasail-guest-pages" in body  # shown read-only
    assert 'name="s3_bucket"' not in body and 'name="sender_email"' not in body


def test_a_crafted_post_from_staff_changes_no_infrastructure(staff_a_client, brand_a, brand_b):
    before = stored(brand_a)
    response = staff_a_client.post(
        admin_url(Tenant, "change", brand_a.pk),
        brand_form(
            brand_a,
            name="Alphasail Renamed",
            slug="zebra-2",
            guest_domain="elsewhere.example",
            s3_bucket="elsewhere-bucket",
            cloudfront_distribution_id="EELSEWHERE1",
            sender_email="crew@zebrawave.example",  # the other brand's sender
            timezone="America/Chicago",
        ),
    )
    assert response.status_code == 302
    after = stored(brand_a)
    assert (after["name"], after["timezone"]) == ("Alphasail Renamed", "America/Chicago")
    assert {k: after[k] for k in (*INFRASTRUCTURE, "slug")} == {k: before[k] for k in (*INFRASTRUCTURE, "slug")}


def test_staff_cannot_add_or_delete_brands(staff_a_client, brand_a):
    assert staff_a_client.get(admin_url(Tenant, "add")).status_code == 403
    assert staff_a_client.post(admin_url(Tenant, "delete", brand_a.pk), {"post": "yes"}).status_code == 403
    assert Tenant.objects.filter(pk=brand_a.pk).exists()


def test_superuser_changes_infrastructure(superuser_client, brand_a):
    response = superuser_client.post(
        admin_url(Tenant, "change", brand_a.pk),
        brand_form(
            brand_a,
            guest_domain="new-alpha.example",
            s3_bucket="new-alpha-bucket",
            cloudfront_distribution_id="ENEWALPHA01",
            sender_email="hello@new-alpha.example",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert stored(brand_a) == {
        "guest_domain": "new-alpha.example",
        "s3_bucket": "new-alpha-bucket",
        "cloudfront_distribution_id": "ENEWALPHA01",
        "sender_email": "hello@new-alpha.example",
        "slug": "alpha",
        "name": "Alphasail Charters",
        "timezone": "America/Los_Angeles",
    }


@pytest.mark.parametrize(
    "field, value",
    [
        ("guest_domain", "zebrawave.example"),
        ("s3_bucket", "zebrawave-guest-pages"),
        ("s3_bucket", "Zebrawave-Guest-Pages"),  # S3 does not tell these apart; the database would
        ("cloudfront_distribution_id", "EZEBRA00002"),  # the conditional constraint
    ],
)
def test_another_brands_bucket_domain_or_distribution_is_a_field_error(
    superuser_client, brand_a, brand_b, field, value
):
    before = stored(brand_a)
    response = superuser_client.post(admin_url(Tenant, "change", brand_a.pk), brand_form(brand_a, **{field: value}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert "Zebrawave Yachts already uses this" in errors[field][0]
    assert stored(brand_a) == before


def test_a_new_brand_with_another_brands_bucket_is_refused(superuser_client, brand_b):
    data = brand_form(brand_b, name="Copycat Cruises", slug="copycat", guest_domain="copycat.example")
    data["cloudfront_distribution_id"] = ""
    response = superuser_client.post(admin_url(Tenant, "add"), data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["s3_bucket"]
    assert not Tenant.objects.filter(slug="copycat").exists()


def test_brands_without_a_distribution_do_not_clash(superuser_client, brand_a, brand_b):
    Tenant.objects.filter(pk=brand_b.pk).update(cloudfront_distribution_id="")
    response = superuser_client.post(
        admin_url(Tenant, "change", brand_a.pk), brand_form(brand_a, cloudfront_distribution_id="")
    )
    assert response.status_code == 302
    assert Tenant.objects.filter(cloudfront_distribution_id="").count() == 2


@pytest.mark.parametrize(
    "field, value",
    [
        ("guest_domain", "zebrawave.example"),
        ("s3_bucket", "zebrawave-guest-pages"),
        ("cloudfront_distribution_id", "EZEBRA00002"),
    ],
)
def test_the_model_and_the_database_refuse_a_shared_value(brand_b, field, value):
    copy = TenantFactory.build(slug="copy", name="Copy", **{field: value})
    with pytest.raises(ValidationError):
        copy.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
