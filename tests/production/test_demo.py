"""The demo on a laptop: one console line per email with its link, and links on the port `make run` serves."""

from __future__ import annotations

import io
import os
import stat
import subprocess
from pathlib import Path

from django.core import mail
from django.core.mail import EmailMultiAlternatives

from charterops.mail import ConsoleSummaryBackend
from tests.factories import BookingFactory, CrewMemberFactory, assign

ROOT = Path(__file__).resolve().parents[2]


def test_each_message_is_one_line_with_its_recipient_subject_and_first_link():
    stream = io.StringIO()
    backend = ConsoleSummaryBackend(stream=stream)
    invitation = EmailMultiAlternatives(
        subject="Queen of San Diego · Sat Dec 5, 10:00 AM · Deckhand",
        body="Hi Sam,\n\nOpen your crew page:\nhttp://127.0.0.1:8123/crew/link/abc:def/\n\nThanks.",
        to=["sam@example.com"],
    )
    invitation.attach_alternative('<a href="http://127.0.0.1:8123/crew/link/abc:def/">Open</a>', "text/html")
    html_only = EmailMultiAlternatives(subject="Photos", body="", to=["a@example.com", "b@example.com"])
    html_only.attach_alternative('<p><a href="https://x.example/g/p">page</a></p>', "text/html")
    no_link = EmailMultiAlternatives(subject="Credential expires", body="Renew it.", to=["staff@example.com"])

    sent = backend.send_messages([invitation, html_only, no_link])

    assert sent == 3
    assert stream.getvalue().splitlines() == [
        "Email to sam@example.com: Queen of San Diego · Sat Dec 5, 10:00 AM · Deckhand — "
        "http://127.0.0.1:8123/crew/link/abc:def/",
        "Email to a@example.com, b@example.com: Photos — https://x.example/g/p",
        "Email to staff@example.com: Credential expires",
    ]


def test_a_crew_invitation_prints_one_line_with_the_magic_link(
    settings, capsys, tenant, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "charterops.mail.ConsoleSummaryBackend"
    settings.CHARTEROPS_BASE_URL = "http://127.0.0.1:8123"
    member = CrewMemberFactory(tenants=[tenant], email="sam@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        assign(BookingFactory(tenant=tenant), member, "deckhand", "25", "5")

    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Email to")]
    [line] = [line for line in lines if line.startswith("Email to sam@example.com: ")]
    assert " — http://127.0.0.1:8123/crew/link/" in line
    # The other line is the guest's confirmation, sent once the guest page was published.
    assert [other.split(":")[0] for other in lines if other != line] == ["Email to jordan.guest@example.com"]
    assert "Content-Type" not in capsys.readouterr().out
    assert mail.outbox == []  # it went to the console backend, not the test outbox


def test_make_run_on_another_port_points_links_at_that_port(tmp_path):
    """`make run PORT=8123` runs each step with debug on and CHARTEROPS_BASE_URL on port 8123."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for name in ("python", "pip"):
        script = fake / name
        script.write_text('#!/bin/sh\necho "$DJANGO_DEBUG $CHARTEROPS_BASE_URL $*"\n')
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "venv").mkdir()  # its install marker is touched here, never the real venv's
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "CHARTEROPS_BASE_URL", "MAKEFLAGS")}
    make = ["make", "--no-print-directory", "-s", "run", "PORT=8123", f"VENV={tmp_path / 'venv'}", f"BIN={fake}"]

    result = subprocess.run(make, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    chosen = subprocess.run(
        make, cwd=ROOT, env={**env, "CHARTEROPS_BASE_URL": "https://demo.example"}, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stdout.splitlines() if " manage.py " in line]
    assert steps == [
        "1 http://127.0.0.1:8123 manage.py migrate --noinput",
        "1 http://127.0.0.1:8123 manage.py seed_demo",
        "1 http://127.0.0.1:8123 manage.py runserver 127.0.0.1:8123",
    ]
    assert "1 https://demo.example manage.py runserver 127.0.0.1:8123" in chosen.stdout  # the environment wins
