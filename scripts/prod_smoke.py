"""`make prod-smoke`: the production layout on this machine, one booking walked through it over HTTP.

What runs, each as its own process group (stopped at the end, whatever happened):
PostgreSQL (scripts/postgres-up.sh; a database of our own, charterops_smoke), redis-server,
SeaweedFS as the brands' S3, moto's server for SES and CloudFront, and the Procfile's
lines as written: release (migrate, collectstatic), web (gunicorn with deploy/gunicorn.conf.py,
here with a throwaway TLS certificate so secure cookies and the https redirect stay on),
worker and beat. Debug is off and the secret key is a fresh random one.

The walk: /api/health is 200; staff log in through the admin login form; a booking with a
crew assignment is saved through the admin add form; the worker emails the crew member
(read back from the SES server); the magic link from that email opens the crew page; the
guest page is in the brand's bucket. Then a pg_dump / pg_restore round trip of the database.
Any failure: a clear message and exit status 1.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
DATABASE = "charterops_smoke"
RESTORED = "charterops_smoke_restore"
BRAND = {"slug": "smoke-sunsets", "name": "Smoke Sunsets", "bucket": "smoke-sunsets-guest-pages"}
SENDER = "crew@smoke-sunsets.example"
CREW_EMAIL = "maya.smoke@example.com"
GUEST_EMAIL = "jordan@example.com"
STAFF = ("smoke-admin", secrets.token_urlsafe(16))
DEADLINE_SECONDS = 60.0


class SmokeFailure(Exception):
    pass


def say(message: str) -> None:
    print(f"[prod-smoke {time.strftime('%H:%M:%S')}] {message}", flush=True)


def poll(predicate, *, what: str, timeout: float = DEADLINE_SECONDS, interval: float = 0.2):
    """Wait for a condition (never for a time): its truthy value, or SmokeFailure at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SmokeFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    from tests.support import free_port as pick

    return pick()


# --- processes -----------------------------------------------------------------------------------


class Processes:
    """Every process this script starts, in its own process group; stopped in reverse order."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str] | str, env: dict[str, str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            shell=isinstance(command, str),
            start_new_session=True,
        )
        self.started.append((name, proc))
        return proc

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def check_alive(self) -> None:
        for name, proc in self.started:
            if proc.poll() is not None:
                raise SmokeFailure(f"{name} exited with status {proc.returncode}:\n{self.log(name)[-3000:]}")

    def stop(self) -> None:
        for _name, proc in reversed(self.started):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for name, proc in reversed(self.started):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                say(f"{name} ignored SIGTERM for 30 s; killing it")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def run(command: list[str], env: dict[str, str], what: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SmokeFailure(f"{what} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return result


def procfile() -> dict[str, str]:
    lines = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            lines[name.strip()] = command.strip()
    return lines


# --- outside services ------------------------------------------------------------------------------


def postgres_server() -> str:
    """The server URL (without a database name) of the cluster scripts/postgres-up.sh runs."""
    url = os.environ.get("SMOKE_POSTGRES_URL")
    if not url:
        out = subprocess.run(["bash", "scripts/postgres-up.sh"], cwd=ROOT, capture_output=True, text=True)
        match = re.search(r"CI_DATABASE_URL=(\S+)", out.stdout)
        if out.returncode != 0 or not match:
            raise SmokeFailure(f"scripts/postgres-up.sh failed:\n{out.stdout}\n{out.stderr}")
        url = match.group(1)
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def recreate_database(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_up(procs: Processes, tmp: Path, env: dict[str, str]) -> str:
    binary = shutil.which("redis-server")
    if not binary:
        raise SmokeFailure("redis-server is not installed (.ci/run installs it: apt-get install redis-server)")
    port = free_port()
    procs.start(
        "redis",
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)],
        env,
    )

    def pong() -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    poll(pong, what="redis-server")
    return f"redis://127.0.0.1:{port}"


def tls_certificate(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


# --- HTML forms ------------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """The fields of the page's first POST <form> (the admin's log-out form aside), as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self._in_form = False
        self._done = False
        self._select: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self._done and (a.get("method") or "").lower() == "post":
            # The admin's header holds a log-out form before the page's own.
            self._in_form = not (a.get("action") or "").endswith("/logout/")
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[name] = a.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.options[name] = []
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._option = value
            if "selected" in a:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._select and self._option is not None:
            self.options[self._select].append((self._option, data.strip()))
            self._option = None
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    if not reader.fields:
        raise SmokeFailure("no form found in the page:\n" + html[:1500])
    return reader


def option_value(form: FormReader, field: str, label: str) -> str:
    for value, text in form.options.get(field, []):
        if label in text:
            return value
    raise SmokeFailure(f"no option {label!r} in {field}: {form.options.get(field)}")


def inline_option(form: FormReader, field: str, label: str) -> str:
    """An option of the assignment inline's first row (or of its empty template row)."""
    for name in (f"assignments-0-{field}", f"assignments-__prefix__-{field}"):
        if name in form.options:
            return option_value(form, name, label)
    raise SmokeFailure(f"the booking form has no assignment field {field}")


# --- the walk --------------------------------------------------------------------------------------


SETUP = """
from bookings.models import Boat, Tenant
from crew.models import CrewMember, Role
brand = Tenant.objects.create(slug={slug!r}, name={name!r}, guest_domain="smoke-sunsets.example",
    s3_bucket={bucket!r}, cloudfront_distribution_id={distribution!r}, sender_email={sender!r},
    timezone="America/Los_Angeles")
Boat.objects.create(tenant=brand, name="Smoke Chaser", capacity=10, default_meeting_point="Dock S")
role, _ = Role.objects.get_or_create(slug="deckhand", defaults={{"name": "Deckhand"}})
member = CrewMember.objects.create(name="Maya Smoke", email={crew!r}, phone="+1 619 555 0199")
member.roles.add(role)
member.tenants.add(brand)
print("ready")
"""


def walk(base: str, verify: ssl.SSLContext, procs: Processes, weed, sent_emails) -> None:
    import httpx

    origin = {"Origin": base}
    with httpx.Client(base_url=base, verify=verify, timeout=20) as staff:
        health = staff.get("/api/health")
        body = health.json()
        if health.status_code != 200 or body["checks"]["buckets"].get(BRAND["slug"], {}).get("status") != "ok":
            raise SmokeFailure(f"/api/health answered {health.status_code}: {health.text}")
        if body["checks"]["broker"].get("detail"):
            raise SmokeFailure(f"/api/health says the broker is not in use: {health.text}")
        say(f"/api/health 200: {json.dumps(body['checks'])}")

        login = staff.get("/admin/login/")
        stylesheets = re.findall(r'<link[^>]+href="(/static/[^"]+\.css)"', login.text)
        if not stylesheets or not re.search(r"\.[0-9a-f]{12}\.css$", stylesheets[0]):
            raise SmokeFailure(f"the login page links no hashed stylesheet: {stylesheets}")
        css = staff.get(stylesheets[0])
        if css.status_code != 200 or "immutable" not in css.headers.get("cache-control", ""):
            raise SmokeFailure(f"{stylesheets[0]} answered {css.status_code} {dict(css.headers)}")
        say(f"whitenoise serves collected static files through gunicorn: {stylesheets[0]}")
        form = read_form(login.text)
        form.fields.update({"username": STAFF[0], "password": STAFF[1], "next": "/admin/"})
        response = staff.post("/admin/login/", data=form.fields, headers=origin)
        if response.status_code != 302 or not staff.cookies.get("sessionid"):
            raise SmokeFailure(f"admin login failed ({response.status_code}):\n{response.text[:2000]}")
        cookies = response.headers.get_list("set-cookie")
        if not all("Secure" in c and "HttpOnly" in c for c in cookies if c.startswith("sessionid=")):
            raise SmokeFailure(f"the session cookie is not Secure and HttpOnly: {cookies}")
        if "max-age=31536000" not in response.headers.get("strict-transport-security", ""):
            raise SmokeFailure(f"no HSTS header: {dict(response.headers)}")
        say("staff logged in through the admin login form")

        add = staff.get("/admin/bookings/booking/add/")
        if add.status_code != 200:
            raise SmokeFailure(f"booking add form answered {add.status_code}")
        form = read_form(add.text)
        start = (datetime.now() + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
        end = start + timedelta(hours=3)
        fields = form.fields
        fields.update(
            {
                "tenant": option_value(form, "tenant", BRAND["name"]),
                "boat": option_value(form, "boat", "Smoke Chaser"),
                "guest_name": "Jordan Smoke",
                "guest_email": GUEST_EMAIL,
                "party_size": "4",
                "start_0": start.strftime("%Y-%m-%d"),
                "start_1": start.strftime("%H:%M:%S"),
                "end_0": end.strftime("%Y-%m-%d"),
                "end_1": end.strftime("%H:%M:%S"),
                "gross_amount": "600.00",
                "platform_fee": "0.00",
                "port_tax_rate": "0.00",
                "assignments-TOTAL_FORMS": "1",
                "assignments-0-crew_member": inline_option(form, "crew_member", "Maya Smoke"),
                "assignments-0-role": inline_option(form, "role", "Deckhand"),
                "assignments-0-hourly_rate": "25.00",
                "assignments-0-paid_hours": "3",
                "assignments-0-status": "invited",
                "_save": "Save",
            }
        )
        fields = {k: v for k, v in fields.items() if "__prefix__" not in k}
        saved = staff.post("/admin/bookings/booking/add/", data=fields, headers=origin)
        if saved.status_code != 302:
            errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', saved.text, re.S)
            raise SmokeFailure(f"saving the booking answered {saved.status_code}: {errors or saved.text[:2000]}")
        say("booking with one assignment saved through the admin add form")

    def invitation():
        procs.check_alive()
        for message in sent_emails():
            if CREW_EMAIL in message.destinations:
                return message
        return None

    message = poll(invitation, what="the worker to send the crew invitation (SES)")
    parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
    text = parsed.get_body(("plain",)).get_content()
    links = re.findall(re.escape(base) + r"/crew/link/[^\s\"<>]+", text)
    if not links:
        raise SmokeFailure(f"no magic link to {base} in the invitation:\n{text}")
    link = links[0]
    say(f"the worker sent the invitation: {parsed['Subject']!r} from {parsed['From']}")

    with httpx.Client(verify=verify, timeout=20) as crew:
        page = crew.get(link)
        if page.status_code != 200 or "Open my crew page" not in page.text:
            raise SmokeFailure(f"the magic link answered {page.status_code}:\n{page.text[:1500]}")
        form = read_form(page.text)
        # A page served with Referrer-Policy: no-referrer posts with Origin: null, as a browser does.
        opened = crew.post(link, data=form.fields, headers={"Origin": "null"})
        if opened.status_code != 302:
            raise SmokeFailure(f"opening the crew page answered {opened.status_code}:\n{opened.text[:1500]}")
        event = crew.get(urljoin(link, opened.headers["location"]))
        if event.status_code != 200 or "Smoke Chaser" not in event.text:
            raise SmokeFailure(f"the crew page answered {event.status_code}:\n{event.text[:1500]}")
    say("the magic link from the email opened the crew page")

    s3 = weed.client()

    def page_in_bucket():
        procs.check_alive()
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BRAND["bucket"]).get("Contents", [])]
        return [k for k in keys if k.endswith(".html") or "/" not in k]

    keys = poll(page_in_bucket, what="the guest page in the brand's bucket")
    html = s3.get_object(Bucket=BRAND["bucket"], Key=keys[0])["Body"].read().decode()
    if "Smoke Chaser" not in html or f"{base}/g/" not in html:
        raise SmokeFailure(f"the guest page {keys[0]} lacks the boat or the upload address:\n{html[:1500]}")
    say(f"guest page {keys[0]} published in SeaweedFS bucket {BRAND['bucket']}")

    def confirmation():
        procs.check_alive()
        return [m for m in sent_emails() if GUEST_EMAIL in m.destinations]

    # Once the page is published the worker sends the guest their confirmation with its link, once.
    [guest_mail] = poll(confirmation, what="the worker to send the guest's confirmation (SES)")
    parsed = email.message_from_string(guest_mail.raw_data, policy=email.policy.default)
    slug = keys[0].removesuffix(".html")
    if f"https://smoke-sunsets.example/g/{slug}" not in parsed.get_body(("plain",)).get_content():
        raise SmokeFailure(f"the guest's confirmation lacks the guest page link:\n{parsed.as_string()[:1500]}")
    say(f"the worker sent the guest's confirmation: {parsed['Subject']!r}")
    return link


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="charterops-smoke-"))
    (tmp / "logs").mkdir()
    procs = Processes(tmp / "logs")
    weed = moto = None
    server = None
    started = time.monotonic()
    try:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CHARTEROPS_", "CELERY_"))}
        base_env["PATH"] = f"{BIN}:{base_env.get('PATH', '')}"

        server = postgres_server()
        database_url = recreate_database(server, DATABASE)
        say(f"PostgreSQL database {DATABASE} created")
        broker = redis_up(procs, tmp, base_env)
        say(f"redis-server on {broker}")

        from moto.server import ThreadedMotoServer

        from tests.aws import create_distribution, sent_emails
        from tests.guestpages.helpers import ACCESS_KEY, SECRET_KEY, SeaweedFS

        weed = SeaweedFS(tmp)
        weed.start()
        weed.client().create_bucket(Bucket=BRAND["bucket"])
        say(f"SeaweedFS S3 on {weed.url}, bucket {BRAND['bucket']}")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request lines
        moto_port = free_port()
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        moto.start()
        moto_url = f"http://127.0.0.1:{moto_port}"
        import boto3

        aws = {"region_name": "us-east-1", "aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY}
        boto3.client("ses", endpoint_url=moto_url, **aws).verify_email_identity(EmailAddress=SENDER)
        distribution = create_distribution(boto3.client("cloudfront", endpoint_url=moto_url, **aws), BRAND["bucket"])
        say(f"moto (SES, CloudFront) on {moto_url}")

        cert, key = tls_certificate(tmp)
        port = free_port()
        base = f"https://127.0.0.1:{port}"
        env = {
            **base_env,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "CHARTEROPS_BASE_URL": base,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": f"{broker}/0",
            "CACHE_URL": f"{broker}/1",
            "EMAIL_BACKEND": "anymail.backends.amazon_ses.EmailBackend",
            "DEFAULT_FROM_EMAIL": SENDER,
            "GUESTPAGES_BACKEND": "s3",
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_S3_ENDPOINT_URL": weed.url,
            "AWS_CLOUDFRONT_ENDPOINT_URL": moto_url,
            "AWS_SES_ENDPOINT_URL": moto_url,
            "DJANGO_STATIC_ROOT": str(tmp / "static"),
            "CHARTEROPS_MEDIA_ROOT": str(tmp / "media"),
            "CHARTEROPS_PRIVATE_MEDIA_ROOT": str(tmp / "private"),
            "CELERY_BEAT_SCHEDULE_FILE": str(tmp / "celerybeat-schedule"),
            "WEB_CONCURRENCY": "2",
            # Here gunicorn terminates TLS itself (in production the proxy does).
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_CMD_ARGS": f"--certfile={cert} --keyfile={key}",
            "LOG_LEVEL": "INFO",
        }
        env.pop("AWS_SESSION_TOKEN", None)
        lines = procfile()
        run(["bash", "-c", lines["release"]], env, "Procfile release (migrate, collectstatic)", timeout=300)
        say("release: migrated and collected static files")
        run(
            [sys.executable, "manage.py", "createsuperuser", "--noinput"],
            {**env, "DJANGO_SUPERUSER_USERNAME": STAFF[0], "DJANGO_SUPERUSER_PASSWORD": STAFF[1],
             "DJANGO_SUPERUSER_EMAIL": "smoke-admin@example.com"},
            "createsuperuser",
        )  # fmt: skip
        setup = SETUP.format(
            slug=BRAND["slug"], name=BRAND["name"], bucket=BRAND["bucket"], distribution=distribution,
            sender=SENDER, crew=CREW_EMAIL,
        )  # fmt: skip
        run([sys.executable, "manage.py", "shell", "-c", setup], env, "manage.py shell (brand, boat, crew member)")
        say("superuser, brand, boat and crew member created with manage.py")

        procs.start("web", lines["web"], env)
        procs.start("worker", lines["worker"], env)
        procs.start("beat", lines["beat"], env)
        verify = ssl.create_default_context(cafile=str(cert))

        def web_up() -> bool:
            procs.check_alive()
            import httpx

            try:
                return httpx.get(f"{base}/api/health", verify=verify, timeout=2).status_code in (200, 503)
            except httpx.HTTPError:
                return False

        poll(web_up, what="gunicorn to answer")
        poll(lambda: procs.check_alive() or "ready." in procs.log("worker"), what="the celery worker")
        say("gunicorn, worker and beat are up")

        link = walk(base, verify, procs, weed, sent_emails)

        token = link.rsplit("/crew/link/", 1)[1].strip("/")
        logs = {name: procs.log(name) for name in ("web", "worker", "beat")}
        leaked = [name for name, text in logs.items() if token in text]
        if leaked:
            raise SmokeFailure(f"the magic-link token appears in the {', '.join(leaked)} log")
        access = [line for line in logs["web"].splitlines() if "/crew/link/" in line]
        if not access or not all(json.loads(line).get("message") for line in access):
            raise SmokeFailure("gunicorn's access lines for the crew link are not JSON:\n" + "\n".join(access[:5]))
        say(f"logs are JSON and the crew link is redacted: {access[0][:160]}")

        restore(server, database_url, tmp, env)
        procs.check_alive()
        say(f"passed in {time.monotonic() - started:.0f} s")
        return 0
    except SmokeFailure as exc:
        say(f"FAILED: {exc}")
        say(f"logs kept in {tmp / 'logs'}")
        return 1
    except Exception:  # noqa: BLE001 - anything unexpected is a failure with its traceback
        traceback.print_exc()
        say(f"FAILED (unexpected error above); logs kept in {tmp / 'logs'}")
        return 1
    finally:
        procs.stop()
        if weed is not None:
            weed.stop()
        if moto is not None:
            moto.stop()
        if server is not None:
            for name in (DATABASE, RESTORED):
                try:
                    drop_database(server, name)
                except Exception as exc:  # noqa: BLE001 - cleanup must not hide the result
                    say(f"could not drop {name}: {exc}")


def restore(server: str, database_url: str, tmp: Path, env: dict[str, str]) -> None:
    """pg_dump the smoke database, pg_restore it into another one, and compare what it holds."""
    import psycopg

    dump = tmp / "charterops.dump"
    run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", database_url], env, "pg_dump")
    restored_url = recreate_database(server, RESTORED)
    run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_url}", str(dump)], env, "pg_restore")
    tables = ("bookings_booking", "crew_assignment", "outbox_effect", "django_migrations", "auth_user")
    counts = {}
    for url in (database_url, restored_url):
        with psycopg.connect(url) as conn:
            counts[url] = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]
    if counts[database_url] != counts[restored_url] or counts[restored_url][0] < 1:
        raise SmokeFailure(f"restore differs: {dict(zip(tables, zip(*counts.values(), strict=True), strict=True))}")
    run([sys.executable, "manage.py", "migrate", "--check"], {**env, "DATABASE_URL": restored_url}, "migrate --check")
    say(
        f"pg_dump / pg_restore round trip: {dict(zip(tables, counts[restored_url], strict=True))}, no migration missing"
    )


if __name__ == "__main__":
    sys.exit(main())
