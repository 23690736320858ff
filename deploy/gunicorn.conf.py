"""gunicorn for charterops: `gunicorn -c deploy/gunicorn.conf.py charterops.wsgi`.

It listens on plain http behind a proxy or load balancer that terminates TLS and
sets X-Forwarded-Proto (Django trusts it: SECURE_PROXY_SSL_HEADER). Every value can
be overridden from the environment, or on the command line / GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from charterops.logconfig import logging_config  # noqa: E402

# GUNICORN_BIND wins; a platform that hands out $PORT (Procfile runners) gets every interface on it.
bind = os.environ.get("GUNICORN_BIND") or (
    f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000"
)
# Requests are short and mostly wait on the database: a few sync workers per core.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 9))
# A staff save waits at most ~4 s for a hung broker (socket timeouts); PDFs take a few seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Only the proxy on this host may say the request came over https.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's own lines and its access lines (to stderr) in the app's format: JSON in production, crew
# tokens redacted (charterops/logconfig.py, the same configuration as Django's LOGGING).
accesslog = "-"
errorlog = "-"
_debug = os.environ.get("DJANGO_DEBUG", "").lower() in ("1", "true", "yes", "on")
logconfig_dict = logging_config(
    json_lines=os.environ.get("LOG_FORMAT", "text" if _debug else "json") == "json",
    level=os.environ.get("LOG_LEVEL", "INFO"),
)
# No runtime control socket (gunicornc): nothing uses it, and it would live in the service user's home.
control_socket_disable = True
