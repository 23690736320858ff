"""charterops settings.

Every setting has an embedded default that runs on one machine with no outside
service (SQLite, in-process tasks, local files, email to the console). Production
switches each outside system on through an environment variable; the README lists
them all.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from charterops import secrets_store
from charterops.logconfig import logging_config
from charterops.secret_key import secret_keys

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's .env is read if present; the environment always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Fail closed: debug (and the public development key with it) only when the environment asks for it;
# `make run`, `make worker` and the test settings do.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Read raw (a random key may start with "$", which django-environ would expand). With debug off the web
# app, every management command and the Celery worker and beat refuse to start without a real key.
SECRET_KEY, SECRET_KEY_FALLBACKS = secret_keys(
    env.ENVIRON,
    debug=DEBUG,
    read_secret=lambda secret_id: secrets_store.secret_read(
        secret_id,
        region_name=env.str("AWS_DEFAULT_REGION", default="us-east-1"),
        endpoint_url=env.str("AWS_SECRETS_ENDPOINT_URL", default="") or None,
    ),
)

# --- Links in email are built from this, never from a request's Host header ---
CHARTEROPS_BASE_URL = env.str("CHARTEROPS_BASE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not CHARTEROPS_BASE_URL:
    raise ImproperlyConfigured(
        "CHARTEROPS_BASE_URL is not set: set it to the address staff and crew open, e.g. https://ops.example.com "
        "(magic links, guest pages and the allowed host are built from it)."
    )
_BASE = urlsplit(CHARTEROPS_BASE_URL)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [_BASE.hostname]
)
# The app's own origin is always trusted (the admin's forms post to it); add others here.
CSRF_TRUSTED_ORIGINS = [f"{_BASE.scheme}://{_BASE.netloc}", *env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])]

INSTALLED_APPS = [
    # First, so its admin home (with "needs attention") overrides Django's.
    "operations",
    "charterops",  # its static files (the admin's stylesheet)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "anymail",
    "simple_history",
    "bookings",
    "crew",
    "guestpages",
    "outbox",
    "marketplaces",
    "messaging",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Production serves its collected static files itself (gunicorn, no separate file server);
    # with debug on, runserver serves them.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "charterops.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "charterops.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and workers write at the same time: wait for the lock, take the
    # write lock when a transaction starts (no deadlocked read->write upgrades), and let
    # readers carry on during a write (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Stored times are UTC; each tenant's zone is applied where times are entered and shown.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["charterops.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env.str("CHARTEROPS_MEDIA_ROOT", default=str(BASE_DIR / "media")))

# Crew credential scans (licences, medical certificates) are private: a bucket with no public
# access when CREDENTIAL_SCANS_BUCKET is set, otherwise a folder outside MEDIA_ROOT that no URL
# serves. Staff download them through the admin, which checks their brands.
CREDENTIAL_SCANS_BUCKET = env.str("CREDENTIAL_SCANS_BUCKET", default="")
PRIVATE_MEDIA_ROOT = Path(env.str("CHARTEROPS_PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: hashed, compressed names from `collectstatic` (deploy runs it before the web starts).
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    "credentials": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": CREDENTIAL_SCANS_BUCKET,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "region_name": env.str("AWS_DEFAULT_REGION", default="us-east-1"),
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            },
        }
        if CREDENTIAL_SCANS_BUCKET
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT / "credentials"), "base_url": "/no-public-url/"},
        }
    ),
}

# --- Cache (rate limits need one shared by every web process in production) ---
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://charterops")}

# --- Email -------------------------------------------------------------------
# Default with debug on: one line per message on the console (recipient, subject, the link to click).
# With debug off: Amazon SES through anymail, never the console, which would print magic links into
# the system log.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="charterops.mail.ConsoleSummaryBackend" if DEBUG else "anymail.backends.amazon_ses.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="charterops@localhost")
ANYMAIL = {
    "AMAZON_SES_CLIENT_PARAMS": {
        "region_name": env.str("AWS_SES_REGION", default=env.str("AWS_DEFAULT_REGION", default="us-east-1")),
        **({"endpoint_url": env.str("AWS_SES_ENDPOINT_URL")} if env.str("AWS_SES_ENDPOINT_URL", default="") else {}),
    },
    # "user:password" of the SES tracking webhook (the SNS subscription's URL carries it). Read raw: a
    # random password may start with "$". Unset, anymail warns and SNS subscriptions are not auto-confirmed.
    **({"WEBHOOK_SECRET": env.ENVIRON["ANYMAIL_WEBHOOK_SECRET"]} if env.ENVIRON.get("ANYMAIL_WEBHOOK_SECRET") else {}),
}
# Where the SES webhook may fetch Amazon SNS's signing certificate from (the SigningCertURL's host), and
# whether plain http is allowed for it (never in production; tests serve a certificate locally).
AWS_SNS_CERT_HOST_PATTERN = r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$"
AWS_SNS_CERT_ALLOW_HTTP = False

# --- SMS ---------------------------------------------------------------------
# "sns": texts through Amazon SNS (messaging/sms.py). "console": one line per text on stdout, the
# default with debug on, so a laptop needs no AWS. Never the console in production: it would print
# magic links into the system log.
SMS_BACKEND = env.str("SMS_BACKEND", default="console" if DEBUG else "sns")
# Only for local testing against an SNS stand-in; empty means AWS (region AWS_DEFAULT_REGION).
AWS_SNS_REGION_NAME = env.str("AWS_DEFAULT_REGION", default="us-east-1")
AWS_SNS_ENDPOINT_URL = env.str("AWS_SNS_ENDPOINT_URL", default="") or None
# Where a phone number typed without "+country code" is read (ISO 3166 code: US, GB, AU...).
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="US").upper()

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured: run each task in-process right after the commit that scheduled it.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The worker and beat log through LOGGING below (JSON in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A broker that accepts TCP but never answers must not hang a staff member's save.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {"task": "outbox.relay", "schedule": 60.0},
    "api-idempotency-purge": {"task": "api.purge_idempotency_records", "schedule": 3600.0},
    # Idempotent (one notice row per credential, expiry and threshold): hourly costs nothing extra.
    "crew-credential-expiry": {"task": "crew.notify_expiring_credentials", "schedule": 3600.0},
    # Marketplaces poll their own imports hourly; every 15 minutes keeps the double-sale window small.
    "marketplace-feeds-sync": {"task": "marketplaces.sync_feeds", "schedule": 900.0},
    # A reminder is due for 30 minutes from its moment: every 5 minutes reaches each one several times.
    "messaging-send-due": {"task": "messaging.send_due_messages", "schedule": 300.0},
}

# --- Outbox ------------------------------------------------------------------
# A claimed effect whose worker vanished is taken up again after this many seconds.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_BACKOFF_BASE_SECONDS = env.float("OUTBOX_BACKOFF_BASE_SECONDS", default=5.0)
OUTBOX_BACKOFF_MAX_SECONDS = env.float("OUTBOX_BACKOFF_MAX_SECONDS", default=1800.0)
# The relay re-enqueues QUEUED effects the broker has not confirmed after this long.
OUTBOX_RELAY_STALE_SECONDS = env.int("OUTBOX_RELAY_STALE_SECONDS", default=120)

# --- Marketplace feeds --------------------------------------------------------
# Off in production: a feed URL may never reach loopback, private or link-local addresses, nor plain http.
# The tests turn it on for their local feed server.
MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS = env.bool("MARKETPLACE_FEED_ALLOW_PRIVATE_HOSTS", default=False)
MARKETPLACE_FEED_TIMEOUT_SECONDS = env.float("MARKETPLACE_FEED_TIMEOUT_SECONDS", default=20.0)
MARKETPLACE_FEED_MAX_BYTES = env.int("MARKETPLACE_FEED_MAX_BYTES", default=5 * 1024 * 1024)

# --- Guest pages -------------------------------------------------------------
# "local": pages are files under MEDIA_ROOT/guestpages/<tenant>/ served by the dev server at /g/<slug>.
# "s3": each tenant's bucket through django-storages, then a CloudFront invalidation.
GUESTPAGES_BACKEND = env.str("GUESTPAGES_BACKEND", default="local")
GUESTPAGES_CACHE_CONTROL = env.str("GUESTPAGES_CACHE_CONTROL", default="public, max-age=300")
AWS_S3_REGION_NAME = env.str("AWS_DEFAULT_REGION", default="us-east-1")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_CLOUDFRONT_ENDPOINT_URL = env.str("AWS_CLOUDFRONT_ENDPOINT_URL", default="") or None

# --- Crew magic links and crew pages (crew issue) -----------------------------
# A magic link (and the crew session it starts) works until the event's end plus this.
CREW_LINK_VALID_AFTER_END_HOURS = env.int("CREW_LINK_VALID_AFTER_END_HOURS", default=48)
# Gate codes and the guest's phone show on the crew page from this long before the start until the end.
CREW_DETAILS_HOURS_BEFORE_START = env.int("CREW_DETAILS_HOURS_BEFORE_START", default=24)
# "Send me a new link": django-ratelimit rates on CACHES["default"] (shared by every web process).
CREW_NEW_LINK_RATE_PER_EMAIL = env.str("CREW_NEW_LINK_RATE_PER_EMAIL", default="3/h")
CREW_NEW_LINK_RATE_PER_IP = env.str("CREW_NEW_LINK_RATE_PER_IP", default="20/h")
# The iCal feed lists events that ended up to this many days ago and start up to this many days ahead
# (a bounded window, so the feed stays the same size as years of charters pile up).
CREW_CALENDAR_PAST_DAYS = env.int("CREW_CALENDAR_PAST_DAYS", default=90)
CREW_CALENDAR_FUTURE_DAYS = env.int("CREW_CALENDAR_FUTURE_DAYS", default=365)

# --- Availability (availability issue) -----------------------------------------
# Two charters of one crew member need at least this gap between them (travel between marinas).
CREW_TRAVEL_BUFFER_MINUTES = env.int("CREW_TRAVEL_BUFFER_MINUTES", default=60)
# Staff are emailed once per credential when it expires within each of these many days.
CREDENTIAL_EXPIRY_NOTICE_DAYS = (60, 14)

# --- Guest photo uploads (guest pages issue) ------------------------------------
# Photos go to each tenant's own bucket (Tenant.s3_bucket) under photos/<booking id>/,
# through AWS_S3_ENDPOINT_URL / AWS_S3_REGION_NAME above. The presigned POST policy
# enforces these limits at S3 itself, not only in the browser.
GUEST_UPLOAD_MAX_BYTES = env.int("GUEST_UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)
# Upload grants per booking, counted by the server: bounds what one leaked link can cost.
GUEST_UPLOAD_MAX_GRANTS = env.int("GUEST_UPLOAD_MAX_GRANTS", default=200)
# "Who's coming" (passenger list and waiver) submissions per address.
GUEST_PASSENGERS_RATE_PER_IP = env.str("GUEST_PASSENGERS_RATE_PER_IP", default="30/h")
# A grant never outlives the upload window either.
GUEST_UPLOAD_GRANT_TTL_SECONDS = env.int("GUEST_UPLOAD_GRANT_TTL_SECONDS", default=15 * 60)
# send_guest_photos refuses a zip larger than this: most mailboxes take ~25 MB after base64 (+33%).
GUEST_PHOTOS_EMAIL_MAX_BYTES = env.int("GUEST_PHOTOS_EMAIL_MAX_BYTES", default=15 * 1024 * 1024)

# --- Service API, secrets and audit (API issue) ---------------------------------
# Secrets come from these variables unless CHARTEROPS_SECRETS_ID names an AWS Secrets Manager
# secret (a JSON object with the same four keys), which is re-read every CHARTEROPS_SECRETS_TTL_SECONDS
# so a rotation needs no deploy. api/secrets.py is the only code that reads them.
# Read raw: django-environ treats a value starting with "$" as a reference to another variable,
# and every bcrypt hash ("$2b$12$...") would silently become "".
DASHBOARD_TOKEN = env.ENVIRON.get("DASHBOARD_TOKEN", "")
SERVICE_KEY_HASH = env.ENVIRON.get("SERVICE_KEY_HASH", "")
# During a rotation the previous key keeps working until this ISO-8601 time (with offset).
SERVICE_KEY_HASH_PREVIOUS = env.ENVIRON.get("SERVICE_KEY_HASH_PREVIOUS", "")
SERVICE_KEY_PREVIOUS_EXPIRES_AT = env.str("SERVICE_KEY_PREVIOUS_EXPIRES_AT", default="")
CHARTEROPS_SECRETS_ID = env.str("CHARTEROPS_SECRETS_ID", default="")
CHARTEROPS_SECRETS_TTL_SECONDS = env.float("CHARTEROPS_SECRETS_TTL_SECONDS", default=60.0)
AWS_SECRETS_ENDPOINT_URL = env.str("AWS_SECRETS_ENDPOINT_URL", default="") or None
# bcrypt cost of newly generated service keys (~0.28 s per check at 12).
API_BCRYPT_ROUNDS = env.int("API_BCRYPT_ROUNDS", default=12)
# Verified keys remembered per process (by HMAC of the key), so bcrypt is paid once.
API_KEY_CACHE_SIZE = env.int("API_KEY_CACHE_SIZE", default=256)
# Wrong credentials per client IP per minute before every credentialed request gets 429.
API_AUTH_FAILURES_PER_MINUTE = env.int("API_AUTH_FAILURES_PER_MINUTE", default=20)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
API_PAGE_SIZE_DEFAULT = env.int("API_PAGE_SIZE_DEFAULT", default=100)
API_PAGE_SIZE_MAX = env.int("API_PAGE_SIZE_MAX", default=500)
# A retry with the same Idempotency-Key is answered from its record for this long; then it is purged.
API_IDEMPOTENCY_RETENTION_HOURS = env.int("API_IDEMPOTENCY_RETENTION_HOURS", default=72)

# Plain text with debug on; one JSON object per line in production (or LOG_FORMAT=json). Crew tokens
# are redacted in both (charterops/logconfig.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = logging_config(json_lines=LOG_FORMAT == "json", level=env.str("LOG_LEVEL", default="INFO"))

# --- Error reports (charterops/sentry.py strips crew tokens and query strings) ---
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from charterops.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=""),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # A load balancer probes the instance over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^api/health$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
