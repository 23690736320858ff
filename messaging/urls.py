"""The messaging app's public endpoints: delivery notifications from the email provider."""

from django.urls import path

from messaging.webhooks import SesTrackingWebhookView

app_name = "messaging"

urlpatterns = [
    # Mounted at webhooks/ses/tracking/: the address given to the SNS topic's HTTPS subscription.
    path("", SesTrackingWebhookView.as_view(), name="ses_tracking"),
]
