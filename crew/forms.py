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
