"""The production configuration: `check --deploy` clean, https everywhere but the health probe, static files
from whitenoise after `collectstatic`, JSON logs without crew tokens, and a deploy layout that names what it reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.integration.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_passes_at_warning_level_with_production_settings(production):
    result = production("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_a_production_safeguard_is_switched_off(production):
    result = production("check", "--deploy", "--fail-level", "WARNING", DJANGO_SECURE_SSL_REDIRECT="0")

    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


def test_hosts_origins_and_cookies_follow_the_base_url(production):
    code = (
        "from django.conf import settings as s; import json; print(json.dumps([s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS]))"
    )
    result = production(code=code, CHARTEROPS_BASE_URL="https://ops.queenofsandiego.com/")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        ["ops.queenofsandiego.com"],
        ["https://ops.queenofsandiego.com"],
        True,
        True,
        ["HTTP_X_FORWARDED_PROTO", "https"],
        31536000,
    ]


@pytest.mark.django_db(transaction=True)
def test_plain_http_is_redirected_to_https_except_the_load_balancers_health_probe(production, tenant):
    code = """
from django.test import Client
client = Client(HTTP_HOST="ops.example.com")
for path, headers in [("/api/health", {}), ("/admin/login/", {}), ("/admin/login/", {"HTTP_X_FORWARDED_PROTO": "https"})]:
    response = client.get(path, **headers)
    print(path, response.status_code, response.get("Location", "-"), response.get("Strict-Transport-Security", "-"))
"""
    # Rendering the admin's login page needs collected static files (the test below); not the point here.
    result = production(code=code, DATABASE_URL=database_url(), DJANGO_STATIC_MANIFEST="0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "/api/health 200 - -",
        "/admin/login/ 301 https://ops.example.com/admin/login/ -",
        "/admin/login/ 200 - max-age=31536000; includeSubDomains; preload",
    ]


def test_static_files_are_collected_hashed_and_served_by_whitenoise(production, tmp_path):
    collected = production("collectstatic", "--noinput", "--verbosity", "0")
    code = """
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client
url = staticfiles_storage.url("charterops/admin.css")
response = Client(HTTP_HOST="ops.example.com").get(url, HTTP_X_FORWARDED_PROTO="https")
print(url, response.status_code, response["Cache-Control"])
"""
    served = production(code=code)

    assert collected.returncode == 0, collected.stderr
    assert served.returncode == 0, served.stderr
    url, status, cache = served.stdout.split(maxsplit=2)
    assert re.fullmatch(r"/static/charterops/admin\.[0-9a-f]{12}\.css", url)
    assert status == "200"
    assert "immutable" in cache
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_production_logs_are_json_lines_without_crew_tokens(production):
    token = "eyJhIjo1LCJ2IjoxfQ:SECRETSIGNATURE"
    code = f"""
import logging
class Request:
    def __repr__(self):
        return "<WSGIRequest: GET '/crew/link/{token}/'>"
logging.getLogger("django.request").warning("Not Found: %s", "/crew/link/{token}/", extra={{"status_code": 404, "request": Request()}})
logging.getLogger("outbox.services").info("plain %s", "message")
"""
    result = production(code=code)

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["level"], line["logger"]) for line in lines] == [
        ("WARNING", "django.request"),
        ("INFO", "outbox.services"),
    ]
    assert lines[0]["message"] == "Not Found: /crew/link/[redacted]/"
    assert lines[0]["status_code"] == 404
    assert "request" not in lines[0]
    assert "SECRETSIGNATURE" not in result.stderr


def test_log_format_text_keeps_plain_lines_in_production(production):
    result = production(code="import logging; logging.getLogger('x').warning('hello')", LOG_FORMAT="text")

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "hello"


# --- the deploy layout --------------------------------------------------------------------------------------------


def variables_read_by_settings() -> set[str]:
    source = "".join(
        (ROOT / path).read_text()
        for path in ("charterops/settings.py", "charterops/secret_key.py", "deploy/gunicorn.conf.py")
    )
    found = re.findall(r"(?:env(?:\.\w+)?|ENVIRON\.get|environ\.get)\(\s*\"([A-Z][A-Z0-9_]+)\"", source)
    found += re.findall(r"os\.environ\[\"([A-Z][A-Z0-9_]+)\"\]", source)
    return set(found)


def test_env_example_lists_every_variable_the_processes_read():
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / "deploy/env.example").read_text(), re.M))

    missing = variables_read_by_settings() - listed
    assert variables_read_by_settings() >= {"DJANGO_SECRET_KEY", "SENTRY_DSN", "DATABASE_URL"}
    assert not missing, f"add to deploy/env.example: {sorted(missing)}"


def test_every_process_of_the_layout_is_a_systemd_unit_and_a_procfile_line():
    procfile = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    units = {p.stem: p.read_text() for p in (ROOT / "deploy/systemd").glob("*.service")}

    assert set(procfile) == {"release", "web", "worker", "beat"}
    assert "migrate" in procfile["release"] and "collectstatic" in procfile["release"]
    assert set(units) == {"charterops-web", "charterops-worker", "charterops-beat"}
    for name, unit in units.items():
        assert "EnvironmentFile=/etc/charterops/env" in unit, name
    assert "gunicorn -c deploy/gunicorn.conf.py charterops.wsgi" in units["charterops-web"]
    assert "gunicorn -c deploy/gunicorn.conf.py charterops.wsgi" in procfile["web"]
    assert "celery -A charterops worker" in units["charterops-worker"] and "worker" in procfile["worker"]
    assert "celery -A charterops beat" in units["charterops-beat"] and "beat" in procfile["beat"]
