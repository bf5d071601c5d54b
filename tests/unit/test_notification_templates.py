"""Every event type renders a subject, plain text and HTML from the minimal context only."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifications.context import NotificationContext
from notifications.delivery import backoff
from notifications.templates import render, template_names

CONTEXT = NotificationContext(
    case_reference="JP-7K3Q-9D2F",
    pathway="16/17-year-old intake",
    event="Joint visit: overdue",
    due="Tue 22 Dec 2026 09:00 (UK time)",
    owning_team="Joint LHA + ICS team",
    link="http://127.0.0.1:8080/cases/JP-7K3Q-9D2F",
)


@pytest.mark.parametrize("event_type", sorted(template_names()))
def test_each_template_renders_the_minimal_fields(event_type: str) -> None:
    message = render(event_type, CONTEXT)
    assert "JP-7K3Q-9D2F" in message.subject
    for part in (message.text, message.html):
        assert "JP-7K3Q-9D2F" in part
        assert CONTEXT.link in part
        assert "Joint LHA" in part


def test_templates_exist_for_the_timer_events() -> None:
    assert {"timer_warning", "timer_breach", "timer_escalation"} <= template_names()


def test_context_refuses_anything_beyond_the_minimal_fields() -> None:
    with pytest.raises(ValidationError, match="full_name"):
        NotificationContext.model_validate({**CONTEXT.model_dump(), "full_name": "A Person"})


def test_html_escapes_what_it_is_given() -> None:
    hostile = CONTEXT.model_copy(update={"event": "<script>x</script>"})
    assert "<script>" not in render("step_recorded", hostile).html


def test_backoff_doubles_and_is_capped() -> None:
    waits = [backoff(attempt).total_seconds() for attempt in range(1, 10)]
    assert waits[:4] == [30, 60, 120, 240]
    assert max(waits) == 3600
