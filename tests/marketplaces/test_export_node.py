"""The export feed read by an independent parser: ical.js under ``node --test`` (marketplaces/node/)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC
from pathlib import Path

import pytest

from tests.marketplaces.export_support import fetch, frozen_fixture, scene_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

NODE_TEST = Path(__file__).resolve().parents[2] / "marketplaces" / "node" / "export_feed.test.mjs"


def iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def run_node(feed: Path, expected: Path) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make test needs it for the CloudFront Function too)")
    env = {**os.environ, "EXPORT_FEED_PATH": str(feed), "EXPORT_FEED_EXPECTED": str(expected)}
    return subprocess.run(
        [node, "--test", str(NODE_TEST)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_ical_js_reads_the_feed_as_the_events_the_boat_is_taken(scene, tmp_path):
    feed = tmp_path / "boat_export.ics"
    feed.write_bytes(fetch(scene.boat).content)
    expected = tmp_path / "boat_export.expected.json"
    expected.write_text(
        json.dumps(
            [
                {"uid": uid, "start": iso(start), "end": iso(end), "summary": summary}
                for uid, (start, end, summary) in sorted(scene.listed.items())
            ],
            indent=2,
        )
    )
    result = run_node(feed, expected)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 4" in result.stdout and "# skipped 0" in result.stdout


def test_ical_js_refuses_a_feed_that_leaks_or_drifts(scene, tmp_path):
    """The Node test can fail: a guest's name in a SUMMARY, or one event missing, is caught."""
    body = fetch(scene.boat).content
    leaky = tmp_path / "leaky.ics"
    leaky.write_bytes(body.replace(b"SUMMARY:Maintenance", b"SUMMARY:Jordan Guest", 1))
    expected = tmp_path / "expected.json"
    rows = [
        {"uid": uid, "start": iso(s), "end": iso(e), "summary": summary}
        for uid, (s, e, summary) in scene.listed.items()
    ]
    expected.write_text(json.dumps(rows))
    result = run_node(leaky, expected)
    assert result.returncode != 0 and "Jordan Guest" in result.stdout

    drifted = tmp_path / "drifted.json"
    drifted.write_text(json.dumps(rows[1:]))
    original = tmp_path / "original.ics"
    original.write_bytes(body)
    assert run_node(original, drifted).returncode != 0
