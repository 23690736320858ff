"""The booking page's "Guest messages", its resend and preview pages, the message lists and the brand's settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking
from messaging.models import Channel, Message, Suppression
from outbox.models import Effect
from tests.factories import BookingFactory, staff_user

pytestmark = pytest.mark.django_db
Kind = Message.Kind
NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # Dec 1, 10:00 AM in San Diego


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff(client, tenant):
    user = staff_user(tenant)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="messaging"))
    client.force_login(user)
    return client


def _message(booking, kind=Kind.CONFIRMATION, channel=Channel.EMAIL, *, n=0, effect_status=None, **fields) -> Message:
    message = Message.objects.create(
        booking=booking,
        kind=kind,
        channel=channel,
        recipient=booking.guest_email if channel == Channel.EMAIL else "+18585550199",
        key=f"{kind}:{booking.pk}:{channel}:test:{n}",
        **fields,
    )
    if effect_status is not None:
        effect = Effect.objects.create(
            kind=Effect.Kind.SEND_MESSAGE,
            target_id=message.pk,
            booking=booking,
            status=effect_status,
            last_error="SES: Email address is not verified." if effect_status == Effect.Status.FAILED else "",
            unique_key=message.key,
        )
        Message.objects.filter(pk=message.pk).update(effect=effect)
    return message


def _page(client, booking) -> str:
    response = client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _panel(page: str) -> str:
    start = page.index('id="guest-messages"')
    return page[start : page.index("</fieldset>", start)]


def test_booking_page_lists_each_message_with_its_state_in_the_brand_zone(staff, tenant):
    booking = BookingFactory(tenant=tenant)
    _message(
        booking,
        n=1,
        status=Message.Status.DELIVERED,
        sent_at=datetime(2026, 11, 30, 17, 5, tzinfo=UTC),
        delivered_at=datetime(2026, 11, 30, 17, 6, tzinfo=UTC),
        effect_status=Effect.Status.SENT,
    )
    _message(booking, Kind.CHANGE, n=2, effect_status=Effect.Status.FAILED)  # still "queued" on the message
    _message(
        booking,
        Kind.REMINDER,
        Channel.SMS,
        n=3,
        status=Message.Status.DELAYED,
        detail="Quiet hours: goes at Dec 3 08:00",
    )

    panel = _panel(_page(staff, booking))

    assert "Guest messages" in panel
    assert "Confirmation" in panel and "Delivered" in panel
    assert "Nov 30, 9:05 AM PST" in panel and "Nov 30, 9:06 AM PST" in panel
    assert '<strong style="color:#ba2121">Failed</strong>' in panel and "SES: Email address is not verified." in panel
    assert "Delayed (quiet hours)" in panel and "Quiet hours: goes at Dec 3 08:00" in panel
    assert "Text message" in panel and "+18585550199" in panel


def test_booking_page_shows_the_reminders_to_come_at_their_local_moments(staff, tenant):
    booking = BookingFactory(tenant=tenant)  # Sat Dec 5 10:00 AM; the brand reminds 48 and 2 hours before

    panel = _panel(_page(staff, booking))

    assert "48 hours before: <strong>Dec 3, 10:00 AM PST</strong>" in panel
    assert "2 hours before: <strong>Dec 5, 8:00 AM PST</strong>" in panel

    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    assert "None: the booking is cancelled." in _panel(_page(staff, booking))


def test_a_guest_without_email_or_number_cannot_be_reached(staff, tenant):
    booking = BookingFactory(tenant=tenant, guest_email="", guest_phone="")

    panel = _panel(_page(staff, booking))

    assert "The guest cannot be reached: no email or mobile number" in panel
    assert "No email or mobile number." in panel


def test_a_bounced_address_and_an_opted_out_number_are_said(staff, tenant):
    booking = BookingFactory(tenant=tenant, guest_email="Jordan.Guest@example.com", guest_phone="+1 858 555 0199")
    Suppression.objects.create(channel=Channel.EMAIL, address="jordan.guest@example.com", reason="bounce")
    assert "cannot be reached" not in _panel(_page(staff, booking))  # the number still takes texts

    Suppression.objects.create(channel=Channel.SMS, address="+18585550199", reason="opted_out")
    panel = _panel(_page(staff, booking))

    assert "The guest cannot be reached: no email or mobile number they can get messages on." in panel
    assert "Email Jordan.Guest@example.com bounced on 1 Dec 2026: nothing is sent to it." in panel
    assert "Number +18585550199 opted out of text messages on 1 Dec 2026" in panel


def test_page_queries_do_not_grow_with_the_messages(staff, tenant, django_assert_max_num_queries):
    booking = BookingFactory(tenant=tenant)
    _message(booking, n=0, effect_status=Effect.Status.SENT)
    with CaptureQueriesContext(connection) as few:
        _page(staff, booking)
    for n in range(1, 16):
        _message(booking, Kind.REMINDER, n=n, effect_status=Effect.Status.FAILED if n % 2 else Effect.Status.SENT)

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = _page(staff, booking)
    assert _panel(page).count("<tr>") == 1 + 16


def test_resend_confirmation_asks_then_posts_with_csrf(tenant):
    booking = BookingFactory(tenant=tenant)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user(tenant))
    url = reverse("admin:messaging_message_resend_confirmation", args=[booking.pk])
    assert f'href="{url}"' in _panel(_page(client, booking))

    ask = client.get(url)
    assert ask.status_code == 200 and "jordan.guest@example.com" in ask.content.decode()
    assert client.post(url).status_code == 403  # no CSRF token
    assert not Message.objects.filter(booking=booking, key__contains=":resend:").exists()

    response = client.post(url, {"csrfmiddlewaretoken": ask.context["csrf_token"]}, follow=True)

    keys = set(Message.objects.filter(booking=booking, key__contains=":resend:").values_list("key", flat=True))
    assert keys == {f"confirmation:{booking.pk}:email:resend:1", f"confirmation:{booking.pk}:sms:resend:1"}
    assert response.redirect_chain[-1][0] == reverse("admin:bookings_booking_change", args=[booking.pk])
    assert "The confirmation will be sent again to jordan.guest@example.com (email)" in response.content.decode()


def test_resend_that_cannot_go_says_why(staff, tenant):
    booking = BookingFactory(tenant=tenant)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)

    response = staff.post(reverse("admin:messaging_message_resend_confirmation", args=[booking.pk]), follow=True)

    assert "The booking is cancelled: no confirmation to resend." in response.content.decode()
    assert not Message.objects.filter(booking=booking).exists()


def test_resend_and_preview_stop_at_the_brand_and_the_permission(client, tenant, other_tenant):
    theirs = BookingFactory(tenant=other_tenant)
    ours = BookingFactory(tenant=tenant)
    user = staff_user(tenant)
    client.force_login(user)
    assert client.get(reverse("admin:messaging_message_preview", args=[theirs.pk, "confirmation"])).status_code == 404
    assert client.post(reverse("admin:messaging_message_resend_confirmation", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:messaging_message_preview", args=[ours.pk, "no_such_kind"])).status_code == 404

    user.user_permissions.remove(*Permission.objects.filter(codename="change_booking"))
    user = get_user_model().objects.get(pk=user.pk)  # permissions are cached on the user
    client.force_login(user)
    assert client.post(reverse("admin:messaging_message_resend_confirmation", args=[ours.pk])).status_code == 403
    assert not Message.objects.filter(key__contains=":resend:").exists()
    page = _panel(_page(client, ours))
    assert "Resend confirmation" not in page and "Preview:" in page


def test_preview_shows_html_text_and_text_message_of_each_kind(staff, tenant):
    booking = BookingFactory(tenant=tenant)
    Booking.objects.filter(pk=booking.pk).update(guest_notes="<script>alert('notes')</script>")
    panel = _panel(_page(staff, booking))
    for kind in ("confirmation", "reminder", "change", "cancellation", "weather_owed", "thank_you", "photos"):
        url = reverse("admin:messaging_message_preview", args=[booking.pk, kind])
        assert f'href="{url}"' in panel
        assert staff.get(url).status_code == 200

    page = staff.get(reverse("admin:messaging_message_preview", args=[booking.pk, "reminder"])).content.decode()

    assert "Reminder: your charter with Queen of San Diego on Saturday, December 5 at 10:00 AM" in page
    assert 'sandbox="allow-popups"' in page and 'srcdoc="&lt;!doctype html&gt;' in page
    assert "See you in 2 days" in page
    # What the guest or staff typed reaches the admin page escaped, in the email, its text and the SMS.
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;notes&#x27;)&lt;/script&gt;" in page
    assert "Queen of San Diego reminder: your charter is Sat Dec 5" in page
    photos = staff.get(reverse("admin:messaging_message_preview", args=[booking.pk, "photos"])).content.decode()
    assert "attached to this email as a zip" in photos and "Not sent by text message." in photos
    assert not Message.objects.filter(booking=booking).exists()


def test_message_list_is_read_only_and_scoped_to_the_brand(staff, tenant, other_tenant):
    ours = _message(BookingFactory(tenant=tenant, guest_email="ours@example.com"), n=1)
    _message(BookingFactory(tenant=other_tenant, guest_email="theirs@example.com"), n=2)

    listing = staff.get(reverse("admin:messaging_message_changelist")).content.decode()

    assert "ours@example.com" in listing and "theirs@example.com" not in listing
    assert staff.get(reverse("admin:messaging_message_add")).status_code == 403
    change = staff.get(reverse("admin:messaging_message_change", args=[ours.pk])).content.decode()
    assert 'name="recipient"' not in change


def test_suppressions_are_shown_per_brand_and_only_superusers_remove_one(staff, client, tenant, other_tenant):
    BookingFactory(tenant=tenant, guest_email="ours@example.com")
    BookingFactory(tenant=other_tenant, guest_email="theirs@example.com")
    ours = Suppression.objects.create(channel=Channel.EMAIL, address="ours@example.com", reason="bounce")
    Suppression.objects.create(channel=Channel.EMAIL, address="theirs@example.com", reason="complaint")

    listing = staff.get(reverse("admin:messaging_suppression_changelist")).content.decode()
    assert "ours@example.com" in listing and "theirs@example.com" not in listing
    delete_url = reverse("admin:messaging_suppression_delete", args=[ours.pk])
    assert staff.post(delete_url, {"post": "yes"}).status_code == 403

    boss = Client()
    boss.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-123"))
    assert "theirs@example.com" in boss.get(reverse("admin:messaging_suppression_changelist")).content.decode()
    assert boss.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Suppression.objects.filter(pk=ours.pk).exists()


def test_brand_staff_set_how_their_guest_messages_look(client, tenant):
    user = staff_user(tenant)
    user.user_permissions.add(*Permission.objects.filter(codename="change_tenant"))
    client.force_login(user)
    url = reverse("admin:bookings_tenant_change", args=[tenant.pk])
    assert "Guest messages" in client.get(url).content.decode()

    response = client.post(
        url,
        {
            "name": tenant.name,
            "timezone": tenant.timezone,
            "upload_window_hours_after_end": 24,
            "reply_to_email": "office@queenofsandiego.com",
            "logo_url": "https://queenofsandiego.com/logo.png",
            "brand_colour": "#7a1f3d",
            "email_signature": "Captain Ana",
            "sms_sender_id": "QueenSD",
            "reminder_offsets_hours": "24, 3",
            "what_to_bring": "Sunscreen",
            "rebooking_instructions": "Reply with three dates.",
            "sender_email": "someone@else.example",
        },
    )

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.brand_colour == "#7a1f3d" and tenant.reminder_offsets == [24, 3]
    assert (tenant.reply_to_email, tenant.sms_sender_id, tenant.what_to_bring) == (
        "office@queenofsandiego.com",
        "QueenSD",
        "Sunscreen",
    )
    assert tenant.sender_email != "someone@else.example"  # infrastructure stays superuser-only

    bad = client.post(
        url,
        {
            "name": tenant.name,
            "timezone": tenant.timezone,
            "upload_window_hours_after_end": 24,
            "brand_colour": "red",
            "reminder_offsets_hours": "48,0",
        },
    )
    assert bad.status_code == 200
    assert {"brand_colour", "reminder_offsets_hours"} <= set(bad.context["adminform"].form.errors)


def test_saving_the_booking_needs_nothing_from_the_panel(staff, tenant):
    from tests.bookings.test_admin import booking_form_data

    booking = BookingFactory(tenant=tenant)
    _message(booking, n=1, effect_status=Effect.Status.SENT)
    url = reverse("admin:bookings_booking_change", args=[booking.pk])
    data = booking_form_data(booking, guest_name="Jordan Renamed")
    prefixes = [inline.formset.prefix for inline in staff.get(url).context["inline_admin_formsets"]]
    assert "messages" in prefixes
    for prefix in prefixes:
        if prefix != "messages":  # the panel's management fields are left out, as an older page would
            data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0"}

    response = staff.post(url, data)

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.guest_name == "Jordan Renamed"
    assert Message.objects.filter(booking=booking).count() >= 1
