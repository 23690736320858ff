"""Errors go to Sentry when SENTRY_DSN is set, with no crew token, query string or personal data in them."""

from __future__ import annotations

import json

from charterops.sentry import before_send

TOKEN = "eyJhIjo0MiwidiI6MX0:1tSiGnAtUrE"


def crafted_event() -> dict:
    link = f"https://ops.example.com/crew/link/{TOKEN}/"
    return {
        "message": f"BadSignature on {link}",
        "request": {
            "url": f"{link}?utm=mail&next=/crew/",
            "method": "POST",
            "query_string": "utm=mail&next=/crew/",
            "headers": {"Referer": f"https://ops.example.com/crew/calendar/{TOKEN}.ics?x=1", "Host": "ops.example.com"},
        },
        "exception": {
            "values": [
                {
                    "type": "LinkError",
                    "value": f"tampered: /crew/link/{TOKEN}/",
                    "stacktrace": {
                        "frames": [
                            {"function": "link", "vars": {"request": f"<WSGIRequest: GET '/crew/link/{TOKEN}/'>"}}
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {"category": "httplib", "data": {"url": f"{link}?a=b", "http.query": "a=b"}},
                {"category": "django.request", "message": f"Not Found: /crew/link/{TOKEN}/"},
            ]
        },
        "level": "error",
    }


def test_before_send_strips_crew_tokens_and_query_strings_from_every_part_of_the_event():
    event = before_send(crafted_event(), {})

    text = json.dumps(event)
    assert TOKEN not in text
    assert "utm=mail" not in text and "x=1" not in text and "a=b" not in text
    assert event["request"]["url"] == "https://ops.example.com/crew/link/[redacted]/"
    assert "query_string" not in event["request"]
    assert event["request"]["headers"]["Referer"] == "https://ops.example.com/crew/calendar/[redacted].ics"
    assert event["exception"]["values"][0]["value"] == "tampered: /crew/link/[redacted]/"
    assert event["breadcrumbs"]["values"][0]["data"] == {"url": "https://ops.example.com/crew/link/[redacted]/"}
    assert event["level"] == "error" and event["request"]["method"] == "POST"  # the rest is kept


def test_a_dsn_in_the_environment_turns_sentry_on_for_django_and_celery_without_personal_data(production):
    code = """
import json, sentry_sdk
options = sentry_sdk.get_client().options
print(json.dumps({
    "dsn": options["dsn"], "pii": options["send_default_pii"], "env": options["environment"],
    "locals": options["include_local_variables"],
    "before_send": f"{options['before_send'].__module__}.{options['before_send'].__name__}",
    "integrations": sorted(sentry_sdk.get_client().integrations),
}))
"""
    on = production(code=code, SENTRY_DSN="http://public@127.0.0.1:9/1", SENTRY_ENVIRONMENT="production")
    off = production(code="import sentry_sdk; print(sentry_sdk.get_client().is_active())")

    assert on.returncode == 0, on.stderr
    options = json.loads(on.stdout)
    assert options["dsn"] == "http://public@127.0.0.1:9/1"
    assert options["pii"] is False
    assert options["locals"] is False
    assert options["env"] == "production"
    assert options["before_send"] == "charterops.sentry.before_send"
    assert {"django", "celery"} <= set(options["integrations"])
    assert off.stdout.strip() == "False"


def test_a_real_error_on_a_crew_link_reaches_sentry_without_the_token(production, httpserver):
    """A crew link request fails (no tables in this database): the event Sentry receives has no token in it."""
    import secrets

    from django.core import signing

    from crew.links import SALT

    key = secrets.token_urlsafe(50)
    token = signing.dumps({"a": 7, "v": 1}, key=key, salt=SALT, compress=False)
    httpserver.expect_request("/api/1/envelope/", method="POST").respond_with_data("{}")
    code = f"""
import sentry_sdk
from django.test import Client
response = Client(raise_request_exception=False).get(
    "/crew/link/{token}/?utm_source=mail", HTTP_HOST="ops.example.com", secure=True
)
print(response.status_code)
sentry_sdk.flush(timeout=10)
"""
    result = production(code=code, DJANGO_SECRET_KEY=key, SENTRY_DSN=f"http://public@127.0.0.1:{httpserver.port}/1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500"
    bodies = [decoded(request) for request, _response in httpserver.log]
    events = [body for body in bodies if '"type":"event"' in body.replace(" ", "")]
    assert events, bodies
    assert "/crew/link/[redacted]/" in events[0]
    assert "OperationalError" in events[0]
    signature = token.rsplit(":", 1)[1]
    leaks = [
        body[max(0, body.find(signature) - 300) : body.find(signature) + 80] for body in bodies if signature in body
    ]
    assert not leaks, leaks  # where it leaked: frame variables held the view's token argument, before the fix
    assert all("utm_source" not in body for body in bodies)


def decoded(request) -> str:
    data = request.get_data()
    encoding = request.headers.get("Content-Encoding", "")
    if encoding == "gzip":
        import gzip

        data = gzip.decompress(data)
    elif encoding == "br":
        import brotli

        data = brotli.decompress(data)
    return data.decode("utf-8", errors="replace")
