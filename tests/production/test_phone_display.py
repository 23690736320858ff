"""Numbers are stored in E.164 and shown as people read them; the tel: link keeps E.164."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from charterops.phones import phone_display


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+18585550199", "+1 858-555-0199"),
        ("+447400123456", "+44 7400 123456"),
        ("not a number", "not a number"),  # an old row that never parsed is shown as typed
        ("", ""),
    ],
)
def test_a_stored_number_is_shown_as_people_read_it(stored, shown):
    assert phone_display(stored) == shown
    assert Template("{% load phones %}{{ n|phone }}").render(Context({"n": stored})) == shown
