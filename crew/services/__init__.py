"""Writes of the crew app, by concern. Import from here: ``from crew.services import assignment_save``."""

from crew.services.assignments import (
    REASON_CHANGED,
    REASON_CREW_ASKED,
    REASON_NEW,
    REASON_STAFF_RESENT,
    assignment_remove,
    assignment_save,
    crew_decline_notify_effect,
    crew_event_ensure,
    crew_event_material_change,
    crew_invite_resend,
    crew_invite_schedule,
    crew_invite_send_effect,
)
from crew.services.credentials import (
    credential_expiry_notices_schedule,
    credential_expiry_notify_effect,
    credential_scan_discard,
)
from crew.services.crew_pages import (
    assignment_accept,
    assignment_decline,
    checklist_item_set,
    crew_actor,
    crew_calendar_token_replace,
    crew_new_link_request,
    crew_upcoming_for_new_link,
)
from crew.services.identity import (
    crew_identity_editable_by,
    crew_identity_notify_effect,
    crew_member_identity_change,
)
from crew.services.time_off import time_off_remove, time_off_save

__all__ = [
    "REASON_CHANGED",
    "REASON_CREW_ASKED",
    "REASON_NEW",
    "REASON_STAFF_RESENT",
    "assignment_accept",
    "assignment_decline",
    "assignment_remove",
    "assignment_save",
    "checklist_item_set",
    "credential_expiry_notices_schedule",
    "credential_expiry_notify_effect",
    "credential_scan_discard",
    "crew_actor",
    "crew_calendar_token_replace",
    "crew_decline_notify_effect",
    "crew_event_ensure",
    "crew_event_material_change",
    "crew_identity_editable_by",
    "crew_identity_notify_effect",
    "crew_invite_resend",
    "crew_invite_schedule",
    "crew_invite_send_effect",
    "crew_member_identity_change",
    "crew_new_link_request",
    "crew_upcoming_for_new_link",
    "time_off_remove",
    "time_off_save",
]
