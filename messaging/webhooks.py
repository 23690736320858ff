"""SES delivery notifications (delivered, bounced, complained) arriving through SNS."""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from django.http import HttpResponse

from messaging.sns_signature import SnsCertificateUnavailable, SnsSignatureError, sns_message_verify

logger = logging.getLogger(__name__)


class SesTrackingWebhookView(AmazonSESTrackingWebhookView):
    """anymail's SES tracking webhook, which also checks the SNS signature.

    Order matters: anymail's own checks (basic auth, SNS headers) first, then the signature,
    and only then parsing, which records events and auto-confirms a SubscriptionConfirmation
    (a call to SNS that a forged message must never trigger). A refused message answers 400
    (anymail's validation failure) and records nothing.
    """

    def run_validators(self, request):
        # Not a validate_request of our own: anymail runs those subclass-first, before basic auth.
        super().run_validators(request)
        try:
            sns_message_verify(self._parse_sns_message(request))
        except SnsSignatureError as exc:
            logger.warning("SES webhook: refused an SNS message: %s", exc)
            raise AnymailWebhookValidationFailure(f"SNS signature check failed: {exc}") from exc

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except SnsCertificateUnavailable as exc:
            # Amazon's certificate could not be fetched: nothing recorded, and SNS delivers it again.
            logger.warning("SES webhook: %s", exc)
            return HttpResponse("Signing certificate unavailable; try again.", status=503)
