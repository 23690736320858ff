"""Marketplace fixtures shared by the feed tests: a local feed server the fetcher may reach."""

from __future__ import annotations

import pytest


@pytest.fixture
def feed_server(httpserver, settings):
    """pytest-httpserver's local server, reachable by the feed fetcher (loopback and plain http allowed)."""
    settings.MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS = True
    return httpserver


@pytest.fixture
def run_effects(django_capture_on_commit_callbacks):
    """Run a callable and then the outbox effects its transactions queued (in-process, as without a broker)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run
