"""A refused input, said in one line that names the field and the rule, never the value.

Refusal reasons are printed by the CLI and returned by the API, so they must not repeat what
was typed (a name, a date of birth) and must not carry characters that rewrite a terminal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pathways.refusal import Refusal

FIELD_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
UNNAMED_FIELD: Final = "<a field name that is not valid>"
"""Shown in place of a key that is not an identifier: it may be a pasted name or control
characters, so it is not echoed."""
MAX_MESSAGE: Final = 300


def field_path(location: Sequence[int | str]) -> str:
    """``young_person.date_of_birth``; a list item is ``support_domains.0``."""
    parts = [
        str(part) if isinstance(part, int) or FIELD_NAME.fullmatch(part) else UNNAMED_FIELD
        for part in location
    ]
    return ".".join(parts)


def printable(text: str) -> str:
    """One line without control, format or separator characters (they are replaced by ?)."""
    flat = " ".join(text.split())
    cleaned = "".join(c if c.isprintable() else "?" for c in flat)
    return cleaned if len(cleaned) <= MAX_MESSAGE else cleaned[: MAX_MESSAGE - 1] + "…"


def _message(error: ErrorDetails) -> str:
    # Some library messages (an email address's) quote the characters they refused.
    return printable(str(error["msg"]))


def describe_validation_error(error: ValidationError) -> tuple[str, str | None]:
    """(the reason, the field of the first problem), e.g. ``("young_person.full_name: must not
    be blank (also check: safe_tonight)", "young_person.full_name")``."""
    errors = error.errors(include_url=False, include_context=False, include_input=False)
    if not errors:
        return "the input is not valid", None
    first = errors[0]
    field_name = field_path(first["loc"]) or None
    message = _message(first)
    others = list(dict.fromkeys(field_path(e["loc"]) or "(the input)" for e in errors[1:]))
    if others:
        message = f"{message} (also check: {', '.join(others)})"
    return (f"{field_name}: {message}" if field_name else message), field_name


def field_problems(error: ValidationError) -> tuple[tuple[str, str], ...]:
    """Each (field, rule) broken, in order; the model's own checks have no field (``""``)."""
    errors = error.errors(include_url=False, include_context=False, include_input=False)
    return tuple((field_path(e["loc"]), _message(e)) for e in errors)


def input_refusal(error: ValidationError) -> Refusal:
    reason, field_name = describe_validation_error(error)
    return Refusal("invalid_input", reason, field_name, field_problems(error))
