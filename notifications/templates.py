"""Renders notification templates: one subject, plain-text and HTML file per event type."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifications.context import NotificationContext

TEMPLATE_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        keep_trailing_newline=False,
    )


def template_names() -> set[str]:
    names = {path.name.removesuffix(".txt.j2") for path in TEMPLATE_DIR.glob("*.txt.j2")}
    return {name for name in names if not name.startswith("_")}


def render(event_type: str, context: NotificationContext) -> RenderedMessage:
    values = context.model_dump()
    environment = _environment()
    subject = environment.get_template(f"{event_type}.subject.j2").render(values).strip()
    text = environment.get_template(f"{event_type}.txt.j2").render(values).strip() + "\n"
    html = environment.get_template(f"{event_type}.html.j2").render(values).strip() + "\n"
    return RenderedMessage(" ".join(subject.split()), text, html)
