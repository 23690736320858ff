"""The crew member's admin page says when their email bounced or their number opted out of texts.

crew sits below messaging and must not import it, so messaging extends the crew member admin that
crew registered (imported from messaging/admin.py, after crew's admin is loaded).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from crew.models import CrewMember
from messaging.models import Channel
from messaging.services.deliverability import suppression_describe, suppression_for
from messaging.services.rules import sms_number


@admin.display(description="Undeliverable")
def crew_member_deliverability(obj: CrewMember | None) -> str:
    """Staff's view of the suppressions on this crew member's email and number ("—" when none)."""
    if obj is None or obj.pk is None:
        return "—"
    notes = []
    email = suppression_for(channel=Channel.EMAIL, address=obj.email)
    if email is not None:
        notes.append(
            (
                f"Email {email.address} is undeliverable: {suppression_describe(email)}. "
                "No invitations or notices are emailed to it until it is changed.",
                email.detail,
            )
        )
    number = sms_number(obj.phone)
    text = suppression_for(channel=Channel.SMS, address=number) if number else None
    if text is not None:
        notes.append((f"Number {text.address} {suppression_describe(text)}: no texts are sent to it.", text.detail))
    if not notes:
        return "—"
    return format_html_join(
        "",
        "<p><strong>{}</strong>{}</p>",
        ((note, format_html("<br><small>{}</small>", detail) if detail else "") for note, detail in notes),
    )


def crew_member_admin_extend(site: admin.AdminSite = admin.site) -> None:
    """Add the read-only line to the registered crew member admin (once, whatever its layout)."""
    model_admin = site._registry.get(CrewMember)
    if model_admin is None or crew_member_deliverability in model_admin.readonly_fields:
        return
    model_admin.readonly_fields = (*model_admin.readonly_fields, crew_member_deliverability)
    # An explicit layout shows only what it lists.
    if model_admin.fieldsets:
        model_admin.fieldsets = (*model_admin.fieldsets, ("Deliverability", {"fields": (crew_member_deliverability,)}))
    elif model_admin.fields:
        model_admin.fields = (*model_admin.fields, crew_member_deliverability)


crew_member_admin_extend()
