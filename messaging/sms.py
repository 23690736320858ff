"""Amazon SNS for text messages: the only module that talks to SNS.

``settings.SMS_BACKEND`` is "sns" in production and "console" with debug on (one line per
text on stdout, so a laptop needs no AWS). A botocore ``ClientError`` is not caught here:
the outbox decides (outbox/errors.py) whether a later attempt may succeed; an invalid
parameter (a number SNS refuses) is a 400, so it is permanent.
"""

from __future__ import annotations

import sys
import threading
import uuid

import boto3
from django.conf import settings

from charterops.phones import phone_region

# Countries where a text from an alphanumeric sender id is refused or rewritten, so none is sent
# (AWS: "Several major markets (including Canada, China, and the United States) don't support
# sender ID"): the North American numbering plan (US and its territories, Canada) and others whose
# carriers require a registered number instead. Everywhere else the brand's id is shown.
SENDER_ID_UNSUPPORTED = frozenset(
    {
        "US",  # United States
        "CA",  # Canada
        "PR",  # Puerto Rico
        "VI",  # US Virgin Islands
        "GU",  # Guam
        "AS",  # American Samoa
        "MP",  # Northern Mariana Islands
        "CN",  # China
        "BR",  # Brazil
        "AR",  # Argentina
        "CL",  # Chile
        "CO",  # Colombia
        "MX",  # Mexico
        "JP",  # Japan
        "KR",  # South Korea
    }
)

_client_lock = threading.Lock()
_client = None


def sms_client():
    """The SNS client, built once per process (boto3 clients are thread-safe)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = boto3.client(
                "sns",
                region_name=settings.AWS_SNS_REGION_NAME,
                endpoint_url=settings.AWS_SNS_ENDPOINT_URL,
            )
        return _client


def sms_client_reset() -> None:
    """Forget the cached client (tests start moto first, then build a new one)."""
    global _client
    with _client_lock:
        _client = None


def sender_id_allowed(phone_e164: str) -> bool:
    """Whether a text to this number may show an alphanumeric sender id."""
    region = phone_region(phone_e164)
    return bool(region) and region not in SENDER_ID_UNSUPPORTED


def _console() -> bool:
    return getattr(settings, "SMS_BACKEND", "sns") == "console"


def sms_send(*, phone_e164: str, text: str, sender_id: str = "") -> str:
    """Text ``text`` to ``phone_e164`` as a transactional message; return the SNS message id.

    ``sender_id`` (the brand's) is used only where the recipient's country allows one.
    """
    if _console():
        line = f"Text to {phone_e164}: {' '.join(text.split())}"
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        return f"console-{uuid.uuid4()}"
    attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
    if sender_id and sender_id_allowed(phone_e164):
        attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
    response = sms_client().publish(PhoneNumber=phone_e164, Message=text, MessageAttributes=attributes)
    return response["MessageId"]


def sms_opted_out(phone_e164: str) -> bool:
    """Whether the owner of this number replied STOP to an earlier text (SNS keeps the list)."""
    if _console():
        return False
    response = sms_client().check_if_phone_number_is_opted_out(phoneNumber=phone_e164)
    return bool(response.get("isOptedOut"))
