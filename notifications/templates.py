"""Renders notification templates: one subject, plain-text and HTML file per event type."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, meta, select_autoescape

from notifications.context import NotificationContext

TEMPLATE_DIR = Path(__file__).parent / "templates"
PARTS = ("subject.j2", "txt.j2", "html.j2")


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


def template_hash(event_type: str) -> str:
    """The sha256 of every template source a message of this type renders from: its subject,
    text and HTML and each template they extend or include. Recorded on the outbox row, so the
    audit shows which version of the wording was sent. Raises as ``render`` would for a
    template that is missing or does not parse."""
    stamp = tuple(
        sorted((path.name, path.stat().st_mtime_ns) for path in TEMPLATE_DIR.glob("*.j2"))
    )
    return _sources_hash(event_type, stamp)


@lru_cache(maxsize=256)
def _sources_hash(event_type: str, _stamp: tuple[tuple[str, int], ...]) -> str:
    # Keyed on the files' modification times too, so an edited template gets a new hash.
    environment = _environment()
    loader = environment.loader
    assert loader is not None
    sources: dict[str, str] = {}
    pending = [f"{event_type}.{part}" for part in PARTS]
    while pending:
        name = pending.pop(0)
        if name in sources:
            continue
        sources[name] = loader.get_source(environment, name)[0]
        referenced = meta.find_referenced_templates(environment.parse(sources[name]))
        pending.extend(reference for reference in referenced if reference is not None)
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(f"{name}\0{sources[name]}\0".encode())
    return digest.hexdigest()
