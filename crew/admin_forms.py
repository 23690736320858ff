"""Admin forms shared by the booking page and the crew event page: the crew assignment rows."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from bookings.forms import clash_message
from bookings.models import Booking
from crew.availability import availability_for, crew_choice_groups
from crew.models import Assignment


class AssignmentInlineFormSet(forms.BaseInlineFormSet):
    """Assignment rows of one crew event: the boat's legal limit, and each person free and qualified."""

    def clean(self):
        super().clean()
        booking = self.instance.booking
        if not booking.boat_id or not booking.party_size:
            return
        aboard = sum(
            1
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("crew_member")
            and form.cleaned_data.get("status") != Assignment.Status.DECLINED
        )
        room = booking.boat.capacity - aboard
        if booking.party_size > room:
            raise ValidationError(
                f"{booking.boat.name} carries {booking.boat.capacity} people including crew: "
                f"{booking.party_size} guests and {aboard} crew is too many."
            )
        self._check_availability(booking)

    def _check_availability(self, booking: Booking) -> None:
        """Each crew member who stays or comes aboard must be free and qualified at the booking's
        (possibly new) time: the rules ``assignment_save`` enforces, shown on the row."""
        from bookings.services import booking_change_for

        moved = booking.pk is None or booking_change_for(booking).occupancy_changed
        to_check = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("crew_member") or not data.get("role"):
                continue
            if data.get("status") == Assignment.Status.DECLINED:
                continue
            if moved or form.instance.pk is None or {"crew_member", "role", "status"} & set(form.changed_data):
                to_check.append(form)
        if not to_check or not booking.occupies_boat:
            return
        found = availability_for(
            members=[f.cleaned_data["crew_member"] for f in to_check],
            booking=booking,
            roles={f.cleaned_data["role"] for f in to_check},
            exclude_event_id=self.instance.pk,
        )
        for form in to_check:
            mine = found[form.cleaned_data["crew_member"].pk]
            clashes = [*mine.clashes, *mine.unqualified.get(form.cleaned_data["role"].pk, [])]
            if clashes:
                form.add_error("crew_member", ValidationError([clash_message(c) for c in clashes], code="conflict"))


def crew_member_choices_set(formset, *, booking: Booking | None) -> None:
    """The crew choice: the brand's active crew, free and qualified first, the others with the reason.

    People already on the charter stay in the list whatever their state, so their row keeps its value.
    """
    for name in ("crew_member", "role"):
        # A crew row is a line of short values: no add/change/delete/view icons beside each choice.
        widget = getattr(formset.form.base_fields.get(name), "widget", None)
        for flag in ("can_add_related", "can_change_related", "can_delete_related", "can_view_related"):
            if hasattr(widget, flag):
                setattr(widget, flag, False)
    field = formset.form.base_fields.get("crew_member")
    if field is None:
        return
    members = field.queryset.filter(active=True)
    if booking is not None and booking.tenant_id:
        assigned = Assignment.objects.filter(event__booking_id=booking.pk).values("crew_member_id")
        members = field.queryset.filter(Q(active=True, tenants=booking.tenant_id) | Q(pk__in=assigned)).distinct()
    members = list(members.prefetch_related("roles").order_by("name"))
    field.choices = [("", "---------"), *crew_choice_groups(booking=booking, members=members)]
