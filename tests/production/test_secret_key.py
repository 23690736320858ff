"""Fail closed: with debug off nothing starts without a real secret key, and the public dev key opens nothing."""

from __future__ import annotations

import json
import secrets
import sys

import pytest
from django.core import signing
from django.urls import reverse

from charterops.secret_key import DEV_SECRET_KEY
from crew.links import SALT, link_token
from tests.factories import BookingFactory, CrewMemberFactory, assign
from tests.production.conftest import production_env, run

NOT_SET = "DJANGO_SECRET_KEY is not set"


def test_manage_py_refuses_to_start_without_a_key_and_says_what_is_missing(production):
    result = production("check", DJANGO_SECRET_KEY=None)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {NOT_SET}" in result.stderr
    assert "CHARTEROPS_SECRETS_ID is not set either" in result.stderr
    assert "long random value" in result.stderr


def test_debug_is_off_unless_the_environment_turns_it_on(production):
    unset = production(code="from django.conf import settings; print(settings.DEBUG)", DJANGO_DEBUG=None)
    asked = production(
        code="from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY, settings.CHARTEROPS_BASE_URL)",
        DJANGO_DEBUG="1",
        DJANGO_SECRET_KEY=None,
        CHARTEROPS_BASE_URL=None,
    )

    assert unset.returncode == 0, unset.stderr
    assert unset.stdout.split() == ["False"]
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.split() == ["True", DEV_SECRET_KEY, "http://127.0.0.1:8000"]  # the laptop configuration


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (DEV_SECRET_KEY, "is the public development key"),
        ("django-insecure-" + secrets.token_urlsafe(50), "is the public development key"),
        (secrets.token_urlsafe(20), "is shorter than 50 characters"),
        ("ab" * 40, "has fewer than 5 distinct characters"),
    ],
    ids=["dev-key", "insecure-prefix", "short", "few-distinct-characters"],
)
def test_the_dev_key_and_weak_keys_are_refused(production, key, reason):
    result = production("check", DJANGO_SECRET_KEY=key)

    assert result.returncode != 0
    assert f"DJANGO_SECRET_KEY {reason}" in result.stderr
    assert key not in result.stderr  # the message never prints the key


def test_a_dev_key_left_in_the_fallbacks_is_refused(production):
    result = production("check", DJANGO_SECRET_KEY_FALLBACKS=f"{secrets.token_urlsafe(50)},{DEV_SECRET_KEY}")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY_FALLBACKS entry 2 is the public development key" in result.stderr


def test_the_base_url_is_required_too(production):
    result = production("check", CHARTEROPS_BASE_URL=None)

    assert result.returncode != 0
    assert "CHARTEROPS_BASE_URL is not set" in result.stderr


@pytest.mark.integration
@pytest.mark.parametrize("program", ["worker", "beat"])
def test_the_celery_worker_and_beat_refuse_to_start_without_a_key(tmp_path, program):
    env = production_env(tmp_path, DJANGO_SECRET_KEY=None, CELERY_BROKER_URL="redis://127.0.0.1:9/0")
    args = [sys.executable, "-m", "celery", "-A", "charterops", program, "--loglevel=INFO"]
    if program == "beat":
        args.append(f"--schedule={tmp_path / 'beat-schedule'}")

    result = run(args, env, timeout=60)

    assert result.returncode != 0
    assert NOT_SET in result.stderr + result.stdout


@pytest.fixture(scope="module")
def secrets_server():
    from moto.server import ThreadedMotoServer

    from tests.support import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def store(url: str, name: str, values: dict) -> None:
    import boto3

    client = boto3.client(
        "secretsmanager", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    client.create_secret(Name=name, SecretString=json.dumps(values))


def from_store(production, url: str, name: str, **extra):
    return production(
        code="from django.conf import settings; print(settings.SECRET_KEY); print(','.join(settings.SECRET_KEY_FALLBACKS))",
        DJANGO_SECRET_KEY=None,
        CHARTEROPS_SECRETS_ID=name,
        AWS_SECRETS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="x",
        AWS_DEFAULT_REGION="us-east-1",
        **extra,
    )


@pytest.mark.integration
def test_the_key_can_come_from_the_secrets_manager_secret_the_api_keys_use(production, secrets_server):
    key, old = secrets.token_urlsafe(50), secrets.token_urlsafe(50)
    store(secrets_server, "charterops/prod", {"DJANGO_SECRET_KEY": key, "DJANGO_SECRET_KEY_FALLBACKS": [old]})

    result = from_store(production, secrets_server, "charterops/prod")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [key, old]


@pytest.mark.integration
def test_a_secret_without_the_key_is_named_in_the_refusal(production, secrets_server):
    store(secrets_server, "charterops/api-only", {"DASHBOARD_TOKEN": "t"})

    result = from_store(production, secrets_server, "charterops/api-only")
    missing = from_store(production, secrets_server, "charterops/no-such-secret")

    assert result.returncode != 0
    assert (
        f"{NOT_SET} (nor in the Secrets Manager secret charterops/api-only named by CHARTEROPS_SECRETS_ID)"
        in result.stderr
    )
    assert missing.returncode != 0
    assert "charterops/no-such-secret (CHARTEROPS_SECRETS_ID) could not be read: ResourceNotFoundException" in (
        missing.stderr
    )


# --- a link signed with the public key opens nothing under a real one ----------------------------


@pytest.fixture
def real_key(settings):
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.SECRET_KEY_FALLBACKS = []
    return settings


def forged(assignment) -> str:
    """What anyone who read the repository could sign: the same claim, under the public dev key."""
    return signing.dumps(
        {"a": assignment.pk, "v": assignment.link_version}, key=DEV_SECRET_KEY, salt=SALT, compress=False
    )


def test_a_magic_link_signed_with_the_public_dev_key_does_not_open_a_crew_page(client, tenant, real_key):
    assignment = assign(BookingFactory(tenant=tenant), CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "5")

    forged_page = client.get(reverse("crew:link", kwargs={"token": forged(assignment)}))
    forged_post = client.post(reverse("crew:link", kwargs={"token": forged(assignment)}))
    genuine = client.get(reverse("crew:link", kwargs={"token": link_token(assignment)}))

    assert forged_page.status_code == 403 and b"Open my crew page" not in forged_page.content
    assert forged_post.status_code == 403 and "crew_member" not in str(dict(client.session))
    assert genuine.status_code == 200 and b"Open my crew page" in genuine.content


def test_after_a_key_rotation_links_signed_with_the_old_key_work_while_it_is_a_fallback(client, tenant, real_key):
    assignment = assign(BookingFactory(tenant=tenant), CrewMemberFactory(tenants=[tenant]), "deckhand", "25", "5")
    sent_before = link_token(assignment)
    old_key = real_key.SECRET_KEY

    real_key.SECRET_KEY, real_key.SECRET_KEY_FALLBACKS = secrets.token_urlsafe(50), [old_key]
    during = client.get(reverse("crew:link", kwargs={"token": sent_before}))
    real_key.SECRET_KEY_FALLBACKS = []
    after = client.get(reverse("crew:link", kwargs={"token": sent_before}))

    assert during.status_code == 200
    assert after.status_code == 403
