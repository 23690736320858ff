"""Republishing 1,000 guest pages to a local moto S3/CloudFront server vs. a bare put_object loop.

Both sides upload the same bytes to the same server in the same run. Our side is the
real code path (render, skip-if-unchanged bookkeeping, django-storages upload, batched
CloudFront invalidations). Targets: ratio <= 1.5; at most one invalidation request per
1,000 paths.
"""

from __future__ import annotations

import argparse
import os
import time

from _common import django_setup_migrated, free_port, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=1000)
    args = parser.parse_args()
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    try:
        django_setup_migrated(GUESTPAGES_BACKEND="s3", AWS_S3_ENDPOINT_URL=url, AWS_CLOUDFRONT_ENDPOINT_URL=url)
        run(args.pages, url)
    finally:
        server.stop()


def run(pages: int, url: str) -> None:
    import logging

    import boto3
    from django.test.utils import setup_test_environment

    from bookings.models import Booking
    from guestpages.models import GuestPage
    from guestpages.publishing import cloudfront_client
    from guestpages.services import guest_page_render, guest_pages_publish_many
    from tests.aws import create_distribution
    from tests.factories import BoatFactory, BookingFactory, TenantFactory

    logging.disable(logging.WARNING)
    setup_test_environment()
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    tenant = TenantFactory()
    s3.create_bucket(Bucket=tenant.s3_bucket)
    tenant.cloudfront_distribution_id = create_distribution(
        boto3.client("cloudfront", endpoint_url=url, region_name="us-east-1"), tenant.s3_bucket
    )
    tenant.save()
    boat = BoatFactory(tenant=tenant)
    for _ in range(pages):
        BookingFactory(tenant=tenant, boat=boat)
    requests_sent: list[int] = []
    cloudfront_client().meta.events.register(
        "provide-client-params.cloudfront.CreateInvalidation",
        lambda params, **kw: requests_sent.append(params["InvalidationBatch"]["Paths"]["Quantity"]),
    )

    def queryset():
        return GuestPage.objects.select_related("booking__tenant", "booking__boat").order_by("id")

    guest_pages_publish_many(pages=queryset())  # first publish, untimed
    requests_sent.clear()
    # A change that alters every page: the boat's meeting point.
    boat.default_meeting_point = "Dock D, next to the fuel pier"
    boat.save()
    Booking.objects.update(guest_notes="Updated for the new season")

    from guestpages import publishing, services

    spent = {"put": 0.0, "render": 0.0}

    def clocked(fn, bucket):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[bucket] += time.perf_counter() - t

        return wrapper

    publishing.S3Publisher.put = clocked(publishing.S3Publisher.put, "put")
    services.guest_page_render = clocked(services.guest_page_render, "render")
    bodies = [(p.key, guest_page_render(p)) for p in queryset()]  # the bytes ours will upload

    def bare_loop() -> float:
        t0 = time.perf_counter()
        for key, body in bodies:
            s3.put_object(Bucket=tenant.s3_bucket, Key=f"bare/{key}", Body=body, ContentType="text/html; charset=utf-8")
        return time.perf_counter() - t0

    before = bare_loop()  # baseline measured before and after ours, to cancel drift
    t0 = time.perf_counter()
    counts = guest_pages_publish_many(pages=queryset())
    ours = time.perf_counter() - t0
    bare = (before + bare_loop()) / 2

    paths = sum(requests_sent)
    report(
        f"Republishing {pages} guest pages (moto server on loopback)",
        [
            ("pages uploaded", str(counts["uploaded"])),
            ("bare put_object loop", f"{bare:.2f} s ({pages / bare:.0f} pages/s)"),
            ("charterops republish", f"{ours:.2f} s ({pages / ours:.0f} pages/s)"),
            ("  of which uploads / rendering", f"{spent['put']:.2f} s / {spent['render']:.2f} s"),
            ("ratio ours/bare", f"{ours / bare:.2f}  (target <= 1.5)"),
            ("invalidation requests / paths", f"{len(requests_sent)} / {paths}"),
            ("requests per 1,000 paths", f"{len(requests_sent) / (paths / 1000):.2f}  (target <= 1)"),
        ],
    )


if __name__ == "__main__":
    main()
