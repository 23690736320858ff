"""Real servers for end-to-end tests: redis-server, a celery worker subprocess, moto's HTTP server.

Each is started and stopped by a fixture, on free loopback ports.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.support import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}

pytestmark = pytest.mark.integration


class RedisServer:
    def __init__(self, tmp: Path):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            pytest.fail("redis-server is not installed: .ci/run installs it (apt-get install redis-server)")
        self.port = free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, what="redis-server")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


class BlackHole:
    """Accepts TCP connections and never answers: a hung AWS endpoint or broker."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(conn)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def black_hole():
    hole = BlackHole()
    yield hole
    hole.close()


def database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def aws_env(moto_server, monkeypatch, settings):
    """The test process and its workers talk to the moto server over HTTP."""
    requests.post(f"{moto_server}/moto-api/reset", timeout=10)
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    settings.GUESTPAGES_BACKEND = "s3"
    settings.AWS_S3_ENDPOINT_URL = moto_server
    settings.AWS_CLOUDFRONT_ENDPOINT_URL = moto_server
    settings.EMAIL_BACKEND = "anymail.backends.amazon_ses.EmailBackend"
    settings.ANYMAIL = {"AMAZON_SES_CLIENT_PARAMS": {"region_name": "us-east-1", "endpoint_url": moto_server}}
    from guestpages import publishing

    publishing.reset_clients()
    yield moto_server
    publishing.reset_clients()


@pytest.fixture
def celery_broker(redis_server):
    """Point this process's Celery app at the real Redis (tasks are no longer run in-process)."""
    from charterops.celery import app

    keys = ("broker_url", "task_always_eager")
    saved = {k: app.conf[k] for k in keys}
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    _reset_pools(app)
    subprocess.run(["redis-cli", "-p", str(redis_server.port), "FLUSHALL"], check=False, capture_output=True)
    from outbox import services

    services.broker_reset()
    yield redis_server
    app.conf.update(saved)
    _reset_pools(app)


def _reset_pools(app) -> None:
    """Forget connections made for another broker URL."""
    from kombu import pools

    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


class Worker:
    def __init__(self, env: dict[str, str], log: Path):
        self.env = env
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.log.write_text("")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "charterops",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"test-{os.getpid()}-{time.monotonic_ns()}@localhost",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill the pool children with it
        )
        wait_until(lambda: "ready." in self.log.read_text() or self.proc.poll() is not None, 60, what="worker")
        if self.proc.poll() is not None:
            raise AssertionError("worker exited:\n" + self.log.read_text())
        return self

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool): a machine dying mid-task."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_factory(tmp_path, settings, redis_server):
    workers: list[Worker] = []

    def make(**overrides) -> Worker:
        env = {
            **os.environ,
            **AWS_ENV,
            "DJANGO_SETTINGS_MODULE": "charterops.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": redis_server.url,
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "OUTBOX_LEASE_SECONDS": "3",
            "OUTBOX_BACKOFF_BASE_SECONDS": "0.5",
            "GUESTPAGES_BACKEND": "s3",
            "AWS_S3_ENDPOINT_URL": settings.AWS_S3_ENDPOINT_URL or "",
            "AWS_CLOUDFRONT_ENDPOINT_URL": settings.AWS_CLOUDFRONT_ENDPOINT_URL or "",
            "AWS_SES_ENDPOINT_URL": settings.ANYMAIL["AMAZON_SES_CLIENT_PARAMS"].get("endpoint_url", ""),
            "EMAIL_BACKEND": "anymail.backends.amazon_ses.EmailBackend",
            # Guest texts through moto's SNS too (numbers ending in 99 are opted out there).
            "SMS_BACKEND": "sns",
            "AWS_SNS_ENDPOINT_URL": settings.AWS_CLOUDFRONT_ENDPOINT_URL or "",
            "CHARTEROPS_BASE_URL": settings.CHARTEROPS_BASE_URL,
            "CHARTEROPS_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "LOG_LEVEL": "INFO",
        }
        env.update(overrides)
        worker = Worker(env, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker.start()

    yield make
    for worker in workers:
        worker.stop()
