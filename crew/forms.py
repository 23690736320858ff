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
