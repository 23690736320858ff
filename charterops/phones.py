"""Phone numbers in one form: E.164 (``+18585550142``), parsed with the ``phonenumbers`` library.

Staff type numbers every way ("(858) 555-0142", "+44 7911 123456"); texts go through SNS,
which takes E.164 only. A number typed without a country code is read in
``settings.PHONE_DEFAULT_REGION`` (default "US").
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Types a text message can reach. FIXED_LINE_OR_MOBILE is what the US and Canada report for
# every number (their plans do not tell a mobile from a landline), so it counts as mobile.
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def default_region() -> str:
    return (getattr(settings, "PHONE_DEFAULT_REGION", "") or "US").upper()


def phone_e164(raw: str, *, region: str | None = None) -> str:
    """``raw`` as E.164, or ValueError with a message staff can act on.

    ``region`` (ISO 3166 code such as "US" or "GB") is how a number without a
    "+country code" is read; the default is ``settings.PHONE_DEFAULT_REGION``.
    """
    text = (raw or "").strip()
    if not text:
        raise ValueError("Enter a phone number.")
    region = (region or default_region()).upper()
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise ValueError(
            f"“{text}” is not a phone number. Type it with its country code, e.g. +1 858 555 0142."
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(
            f"“{text}” is not a valid phone number. Check the digits, and start a number from outside "
            f"{region} with + and its country code, e.g. +44 7911 123456."
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def phone_e164_or_none(raw: str, *, region: str | None = None) -> str | None:
    """Like :func:`phone_e164`, but None for a number that does not parse (old data, optional fields)."""
    try:
        return phone_e164(raw, region=region)
    except ValueError:
        return None


def is_mobile_e164(value: str) -> bool:
    """True for a valid E.164 number that can receive a text message."""
    if not value or not value.startswith("+"):
        return False
    try:
        number = phonenumbers.parse(value, None)
    except NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    if phonenumbers.format_number(number, PhoneNumberFormat.E164) != value:
        return False  # stored in another form: normalise it before texting it
    return phonenumbers.number_type(number) in _MOBILE_TYPES


def phone_region(value: str) -> str:
    """The ISO country code a number belongs to ("US", "GB"...), "" when it cannot be told."""
    try:
        number = phonenumbers.parse(value, None)
    except NumberParseException:
        return ""
    return phonenumbers.region_code_for_number(number) or ""


def validate_phone_number(value: str) -> None:
    """Model field validator: a blank or a number that parses (the model's clean() stores it as E.164)."""
    if not value:
        return
    try:
        phone_e164(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid_phone") from exc


def phone_display(value: str) -> str:
    """A stored number as people read it ("+1 858-555-0199"); anything that does not parse, as it is."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
