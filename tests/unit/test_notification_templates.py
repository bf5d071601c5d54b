"""Every event type renders a subject, plain text and HTML from the minimal context only."""

from __future__ import annotations

import hashlib

import pytest
from jinja2 import TemplateNotFound
from pydantic import ValidationError

from notifications.context import NotificationContext
from notifications.templates import TEMPLATE_DIR, render, template_hash, template_names

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


def test_the_template_hash_covers_the_three_parts_and_the_bases_they_extend() -> None:
    names = [f"timer_breach.{part}" for part in ("html.j2", "subject.j2", "txt.j2")]
    names += ["_base.html.j2", "_base.txt.j2"]
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(f"{name}\0{(TEMPLATE_DIR / name).read_text(encoding='utf-8')}\0".encode())
    assert template_hash("timer_breach") == digest.hexdigest()


def test_each_event_type_has_its_own_template_hash() -> None:
    hashes = {name: template_hash(name) for name in template_names()}
    assert len(set(hashes.values())) == len(hashes)
    assert template_hash("timer_breach") == hashes["timer_breach"]


def test_the_template_hash_of_a_missing_template_raises() -> None:
    with pytest.raises(TemplateNotFound):
        template_hash("no_such_template")
