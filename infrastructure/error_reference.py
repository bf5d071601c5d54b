"""An unexpected error, reported by reference: its type and where it was raised, never its
message, arguments or local variables.

An exception's message often quotes its input (a database error quotes the row it could not
write, a ``KeyError`` its key), and the input may be a young person's name and date of birth.
So the operator is shown a reference, the log records the reference with the exception's type
and code location, and a developer finds the code from there.
"""

from __future__ import annotations

import logging
import secrets
import traceback
from pathlib import Path
from typing import Final

PROJECT_ROOT: Final = Path(__file__).resolve().parents[1]
REFERENCE_PREFIX: Final = "ERR-"
MAX_CHAIN: Final = 5


def new_reference() -> str:
    """``ERR-`` and eight random hex digits, e.g. ``ERR-3F9A0C12``."""
    return f"{REFERENCE_PREFIX}{secrets.token_hex(4).upper()}"


def type_name(error: BaseException) -> str:
    kind = type(error)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def _shown_path(filename: str) -> str:
    path = Path(filename)
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except (ValueError, OSError):
        # A library: its package and module are enough to find it.
        parts = path.parts
        if "site-packages" in parts:
            return "/".join(parts[parts.index("site-packages") + 1 :])
        return "/".join(parts[-2:])


def _is_ours(filename: str) -> bool:
    try:
        relative = Path(filename).resolve().relative_to(PROJECT_ROOT)
    except (ValueError, OSError):
        return False
    return relative.parts[:1] != (".venv",)


def location(error: BaseException) -> str:
    """Where it was raised (file:line in function), and the innermost frame of the project's
    own code when that is somewhere else. Frame names and line numbers only: no values."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown location"
    last = frames[-1]
    raised = f"{_shown_path(last.filename)}:{last.lineno} in {last.name}"
    ours = next((f for f in reversed(frames) if _is_ours(f.filename)), None)
    if ours is None or ours is last:
        return raised
    return f"{raised} (from {_shown_path(ours.filename)}:{ours.lineno} in {ours.name})"


def _causes(error: BaseException) -> list[str]:
    names: list[str] = []
    seen = {id(error)}
    current = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    while current is not None and id(current) not in seen and len(names) < MAX_CHAIN:
        seen.add(id(current))
        names.append(type_name(current))
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return names


def describe(error: BaseException) -> str:
    """``KeyError at application/cases.py:245 in open_case``, with the types it was raised
    from: what may be logged about an exception."""
    causes = _causes(error)
    chain = f" (raised from {' <- '.join(causes)})" if causes else ""
    return f"{type_name(error)}{chain} at {location(error)}"


def report_unexpected(error: BaseException, logger: logging.Logger) -> str:
    """Logs the error under a new reference, without its message, and returns the reference."""
    reference = new_reference()
    logger.error("unexpected error %s: %s", reference, describe(error))
    return reference
