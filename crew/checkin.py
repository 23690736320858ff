"""The captain's check-in: the names the lead guest gave, offered as tick boxes.

The passenger list belongs to ``guestpages``, which stands above ``crew``; crew must not import it.
So crew asks through a provider that ``guestpages`` registers at start-up
(:meth:`guestpages.apps.GuestpagesConfig.ready`). Without one (crew on its own, or a test that
unregisters it) the check-in offers only the free entry, as it did before passenger lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms

from bookings.trip import NAME_MAX
from crew.forms import TripLogForm


@dataclass(frozen=True)
class ListedPassenger:
    """A name on the guest's passenger list as the captain sees it: no phone numbers, no acceptance details."""

    name: str
    is_adult: bool
    # Adults only: "accepted" (the brand's current waiver), "older" (an earlier version only), "missing"
    # (the brand has a waiver this guest has not accepted), or "" (the brand has none to accept).
    waiver: str = ""


# Takes a booking id; returns the listed names in the guest's order (empty when no list was given).
# It must make one query however long the list is: it runs on every render of the captain's page.
PassengerNamesProvider = Callable[[int], Sequence[ListedPassenger]]

_provider: PassengerNamesProvider | None = None


def passenger_names_provider_register(provider: PassengerNamesProvider | None) -> PassengerNamesProvider | None:
    """Set where the check-in reads passenger names from (``None`` removes it); returns the one it replaces."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def checkin_passengers(*, booking_id: int) -> tuple[ListedPassenger, ...]:
    """The names from the booking's passenger list, or ``()`` when there is none (or no provider)."""
    return tuple(_provider(booking_id)) if _provider is not None else ()


# --- the form ------------------------------------------------------------------------------------

# A captain types "Ann, Bob" as readily as one name a line; the trip log shows names joined by commas anyway.
_SEPARATORS = re.compile(r"[\n\r,;]+")


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


class _TickedNames(forms.MultipleChoiceField):
    """Names ticked on the page. Any name is accepted, not only those on the list now: the guest may
    have edited the list between the captain opening the page and saving it, and a refused tick on
    the dock helps nobody. ``bookings.trip.trip_values_clean`` still checks every name."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value: str) -> bool:
        return bool(value.strip()) and len(value) <= NAME_MAX


class CheckInForm(TripLogForm):
    """The trip log form plus who checked in: tick boxes for the listed names and a free entry for others.

    ``cleaned_data["checked_in_names"]`` is the whole list (ticked names in the page's order, then
    the others). Like the other fields it is recorded only when it differs from what the page showed
    (``checked_in_shown``), so a page opened before a check-in on another phone does not wipe it.
    """

    checked_in_names = _TickedNames(label="Checked in", required=False)
    checked_in_others = forms.CharField(
        label="Others aboard",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "autocapitalize": "words"}),
    )
    checked_in_shown = forms.CharField(required=False, widget=forms.HiddenInput)

    _NAME_PARTS = ("checked_in_names", "checked_in_others", "checked_in_shown")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        names: list[str] = []
        seen: set[str] = set()
        typed = _SEPARATORS.split(cleaned.get("checked_in_others") or "")
        for raw in [*(cleaned.get("checked_in_names") or []), *typed]:
            name = " ".join(raw.split())
            if name and _fold(name) not in seen:  # a listed name typed again is the same person
                seen.add(_fold(name))
                names.append(name)
        cleaned["checked_in_names"] = names
        cleaned["checked_in_shown"] = _shown(cleaned.get("checked_in_shown"))
        return cleaned

    @property  # not cached: the parent's cached value is written to the instance, a property still wins
    def changed_data(self) -> list[str]:
        changed = [name for name in super().changed_data if name not in self._NAME_PARTS]
        if self.is_valid() and sorted(self.cleaned_data["checked_in_names"]) != sorted(
            self.cleaned_data["checked_in_shown"]
        ):
            changed.append("checked_in_names")
        return changed

    @property
    def ticked(self) -> set[str]:
        """The names whose box is ticked on the page (what was sent back, or what is recorded)."""
        if self.is_bound:
            return set(self.data.getlist(self.add_prefix("checked_in_names")))
        return set(self.initial.get("checked_in_names") or [])


def _shown(value: str | None) -> list[str]:
    """The names the page showed as checked in; a page from before this field (or a mangled one) showed none."""
    try:
        names = json.loads(value or "[]")
    except ValueError:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def checkin_initial(*, trip: Any, passengers: Sequence[ListedPassenger]) -> dict[str, Any]:
    """The form's starting values from the recorded trip log: recorded names on the list are ticked,
    the rest fill the free entry."""
    initial = {name: getattr(trip, name) for name in TripLogForm.base_fields}
    recorded = list(trip.checked_in_names or [])
    listed = {_fold(p.name): p.name for p in passengers}
    initial["checked_in_names"] = [listed[_fold(n)] for n in recorded if _fold(n) in listed]
    initial["checked_in_others"] = "\n".join(n for n in recorded if _fold(n) not in listed)
    initial["checked_in_shown"] = json.dumps(recorded)
    return initial
