"""Crew tokens never reach the logs, through the loggers configured in settings.LOGGING."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from crew.links import link_token
from crew.logfilters import redact


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured():
    handler = Capture()
    names = ("django.server", "django.request", "django.security.csrf")
    for name in names:
        logging.getLogger(name).addHandler(handler)
    yield handler
    for name in names:
        logging.getLogger(name).removeHandler(handler)


def test_redact_removes_link_and_calendar_tokens():
    line = '"GET /crew/link/eyJhIjoxfQ:1xY:abc-_DEF/ HTTP/1.1" 200 512 and /crew/calendar/Zk3_-q.ics?x=1'
    assert redact(line) == '"GET /crew/link/[redacted]/ HTTP/1.1" 200 512 and /crew/calendar/[redacted].ics?x=1'
    assert redact("/crew/link/eyJh%3A1xY%3Aabc/") == "/crew/link/[redacted]/"


def test_the_dev_servers_request_lines_are_redacted(captured):
    """``runserver`` logs each request line to django.server like this."""
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /crew/link/SECRET-LINK-TOKEN/ HTTP/1.1", "200", "1234", extra={"status_code": 200}
    )
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /crew/calendar/SECRET-CAL-TOKEN.ics HTTP/1.1", "200", "99", extra={"status_code": 200}
    )
    text = "\n".join(captured.lines)
    assert "SECRET-LINK-TOKEN" not in text and "SECRET-CAL-TOKEN" not in text
    assert "/crew/link/[redacted]/" in text and "/crew/calendar/[redacted].ics" in text


@pytest.mark.django_db
def test_request_warnings_for_bad_links_and_feeds_are_redacted(charter, captured):
    token = link_token(charter.mine)
    forged = token[:-3] + "zzz"
    Client().get(reverse("crew:link", kwargs={"token": forged}))  # 403: logged as a warning
    Client(enforce_csrf_checks=True).post(reverse("crew:link", kwargs={"token": token}))  # CSRF failure
    Client().get(reverse("crew:calendar", kwargs={"token": "GUESSED-CALENDAR-TOKEN"}))  # 404
    text = "\n".join(captured.lines)
    assert "Forbidden: /crew/link/[redacted]/" in text
    assert "Forbidden (CSRF cookie not set.): /crew/link/[redacted]/" in text
    assert "Not Found: /crew/calendar/[redacted].ics" in text
    for secret in (forged, token, token.split(":")[-1], "GUESSED-CALENDAR-TOKEN"):
        assert secret not in text
