"""Forms of the crew pages."""

from __future__ import annotations

from django import forms


class NewLinkForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)


class DeclineForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=1000, widget=forms.Textarea)


class ChecklistForm(forms.Form):
    # An unticked box sends nothing, so the form says what it wants explicitly.
    done = forms.TypedChoiceField(choices=[("1", "done"), ("0", "not done")], coerce=lambda v: v == "1")


class TimeOffForm(forms.Form):
    """ "I'm away from ... to ...", typed on a phone in the crew member's home brand's zone."""

    start = forms.DateTimeField(
        label="Away from",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.DateTimeField(
        label="Back from",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label="Note for the office (optional)", required=False, max_length=200)
    zone = forms.ChoiceField(label="Times in", required=False)

    field_order = ["zone", "start", "end", "note"]

    def __init__(self, *args, zones: list[str], **kwargs):
        """``zones``: the time zones of the brands the crew member works for, their home brand's first."""
        super().__init__(*args, **kwargs)
        self.zones = zones
        if len(zones) > 1:
            self.fields["zone"].choices = [(z, z.replace("_", " ")) for z in zones]
            self.fields["zone"].initial = zones[0]
        else:
            del self.fields["zone"]

    def chosen_zone(self) -> str:
        """The zone the typed times are in (read before the times are parsed)."""
        value = self.data.get(self.add_prefix("zone")) if self.is_bound else None
        return value if value in self.zones else self.zones[0]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", "Pick a time after the start.")
        return cleaned


class MinuteDateTimeField(forms.DateTimeField):
    """A time typed to the minute; one recorded with seconds ("Departed now") is unchanged if the minute is."""

    def has_changed(self, initial, data):
        if initial is not None and hasattr(initial, "replace"):
            initial = initial.replace(second=0, microsecond=0)
        return super().has_changed(initial, data)


TRIP_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class TripLogForm(forms.Form):
    """The captain's check-in, in the brand's zone.

    Each field carries the value the page showed (``show_hidden_initial``), so only what the
    captain changed on this page is recorded: a page opened before a "Departed now" on another
    phone, or before the office corrected a time, does not undo it.
    """

    guests_boarded = forms.IntegerField(
        label="Guests boarded",
        required=False,
        min_value=0,
        max_value=999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        show_hidden_initial=True,
    )
    no_show = forms.BooleanField(label="No-show: the party did not come", required=False, show_hidden_initial=True)
    departed_at = MinuteDateTimeField(
        label="Departed at",
        required=False,
        input_formats=TRIP_TIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        show_hidden_initial=True,
    )
    returned_at = MinuteDateTimeField(
        label="Returned at",
        required=False,
        input_formats=TRIP_TIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        show_hidden_initial=True,
    )
    incident_note = forms.CharField(
        label="Incident note (injury, damage, complaint)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        show_hidden_initial=True,
    )
