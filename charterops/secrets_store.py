"""The only code that talks to AWS Secrets Manager.

Settings read the Django secret key from it at start-up (before apps are loaded)
and ``api.secrets`` reads the service API's secrets from it at run time, so this
module needs nothing from ``django.conf.settings``: callers pass the region and
endpoint.
"""

from __future__ import annotations

import json
from typing import Any

# A store that does not answer must not hang a start-up or a request for long.
_TIMEOUTS = {"connect_timeout": 3, "read_timeout": 5, "retries": {"max_attempts": 2, "mode": "standard"}}


def secrets_client(*, region_name: str, endpoint_url: str | None):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "secretsmanager", region_name=region_name, endpoint_url=endpoint_url, config=Config(**_TIMEOUTS)
    )


def secret_read(secret_id: str, *, region_name: str, endpoint_url: str | None) -> dict[str, Any]:
    """The JSON object stored in ``secret_id`` (AWSCURRENT)."""
    client = secrets_client(region_name=region_name, endpoint_url=endpoint_url)
    data = json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
    if not isinstance(data, dict):
        raise ValueError(f"secret {secret_id} is not a JSON object")
    return data


def secret_write(secret_id: str, values: dict[str, Any], *, region_name: str, endpoint_url: str | None) -> None:
    """Store ``values`` as the new current version of ``secret_id``."""
    client = secrets_client(region_name=region_name, endpoint_url=endpoint_url)
    client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(values, sort_keys=True))
