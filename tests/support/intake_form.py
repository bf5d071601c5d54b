"""The 16/17 intake's opening form, valid as it stands, for tests to vary one field at a time."""

from __future__ import annotations

from typing import Any

ANSWERS: dict[str, Any] = {
    "slept_last_night": "sofa_surfing",
    "safe_tonight": True,
    "known_to_ics": False,
    "young_person_consent": {"purpose": "joint working", "given": True},
    "parent_consent": {"purpose": "joint working", "given": True},
    "approached": "co_located_team",
}


def intake_form(people: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``people`` holds a test's own young person and parent (and any enquiry time: left out,
    the application fills it with its clock's time); ``changes`` override any field."""
    return {**ANSWERS, **people, **changes}
