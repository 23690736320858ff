"""The Python mirror of the CloudFront Function and the dev server, against the shared case table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guestpages.rewrite import rewrite
from guestpages.services import guest_page_publish

TABLE = json.loads((Path(__file__).resolve().parents[2] / "guestpages/cloudfront/rewrite_cases.json").read_text())
CASES = TABLE["cases"]


def test_the_table_covers_what_the_issue_lists():
    names = " ".join(c["name"] for c in CASES)
    for topic in ("query string", "uppercase", "extra segment", "dot-dot", "encoded slash", "encoded dots",
                  "empty slug", "trailing slash", "passes", "over-long"):  # fmt: skip
        assert topic in names, topic


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_python_mirror_matches_the_table(case):
    expected = None if case["expect"] == 404 else case["expect"]
    assert rewrite(case["uri"]) == expected


# --- the dev server: /g/<slug> from local storage ------------------------------------------------


@pytest.fixture
def published(settings, page):
    settings.GUESTPAGES_BACKEND = "local"
    guest_page_publish(booking_id=page.booking_id)
    return page


@pytest.mark.parametrize("suffix", ["", ".html", "?utm_source=email&lang=en", ".html?x=1"])
def test_dev_server_serves_the_published_page(client, published, suffix):
    response = client.get(f"/g/{published.slug}{suffix}")

    assert response.status_code == 200
    html = b"".join(response.streaming_content).decode()
    assert "Welcome aboard, Jordan!" in html
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Content-Type"] == "text/html; charset=utf-8"


# On the dev server /g/<slug>/uploads is the grant endpoint itself (POST only).
GUEST_404S = [c for c in CASES if c["expect"] == 404 and not c["uri"].endswith("/uploads")]


def _with(slug: str, uri: str) -> str:
    return uri.replace("boatsetter-may-30-osprey-k7m2x9qa", slug)


@pytest.mark.parametrize("case", GUEST_404S, ids=[c["name"] for c in GUEST_404S])
def test_dev_server_answers_404_like_the_edge(client, published, case):
    """Under gunicorn, which hands Django the raw path (RAW_URI) as CloudFront hands the function."""
    uri = _with(published.slug, case["uri"])
    assert client.get(uri, RAW_URI=uri).status_code == 404


PLAIN_404S = [c for c in GUEST_404S if c["uri"].isascii() and c["uri"].isprintable() and "%" not in c["uri"]]


@pytest.mark.parametrize("case", PLAIN_404S, ids=[c["name"] for c in PLAIN_404S])
def test_dev_server_answers_404_without_the_raw_path(client, published, case):
    """Under runserver, which decodes the path first: the same answer for unencoded paths."""
    assert client.get(_with(published.slug, case["uri"])).status_code == 404


def test_raw_uri_query_string_is_not_part_of_the_slug(client, published):
    uri = f"/g/{published.slug}?utm_source=email"
    assert client.get(uri, RAW_URI=uri).status_code == 200


def test_upload_path_is_the_grant_endpoint_on_the_dev_server(client, published):
    assert client.get(f"/g/{published.slug}/uploads").status_code == 405


def test_dev_server_404s_for_a_well_formed_unknown_slug(client, published):
    assert client.get("/g/boatsetter-dec-5-nobody-abcdefgh").status_code == 404


def test_dev_server_404s_before_publishing(client, page, settings):
    settings.GUESTPAGES_BACKEND = "local"
    assert client.get(f"/g/{page.slug}").status_code == 404


def test_dev_server_does_not_serve_when_cloudfront_does(client, published, settings):
    settings.GUESTPAGES_BACKEND = "s3"
    assert client.get(f"/g/{published.slug}").status_code == 404
