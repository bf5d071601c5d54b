"""``pathways deadline RULE --start DATE``: show when a statutory or local timer falls due.

Read-only: it loads the authority configuration when ``--authority`` is given and
writes nothing.
"""

from __future__ import annotations

import json
import textwrap
from datetime import date, datetime
from typing import Annotated, Any, NoReturn

import typer

from pathways.deadlines import (
    RULES,
    Deadline,
    OverrideError,
    UnknownRuleError,
    compute_deadline,
)

USAGE_ERROR = 2
CONFIG_ERROR = 1
# Help is rendered with a one-column margin each side; keep every line inside 80 columns.
HELP_WIDTH = 78


def rules_help() -> str:
    """Each rule's id, then its short title, wrapped under itself to fit ``HELP_WIDTH``."""
    id_width = max(len(rule_id) for rule_id in RULES)
    room = HELP_WIDTH - id_width - 2
    lines: list[str] = []
    for rule in RULES.values():
        label = textwrap.wrap(rule.short_title or rule.title, width=room)
        lines.append(f"{rule.id:<{id_width}}  {label[0]}")
        lines.extend(f"{'':<{id_width}}  {more}" for more in label[1:])
    return "Rules:\n\n" + "\n".join(lines)


def _fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def parse_start(value: str) -> date | datetime:
    """An ISO date, or an ISO datetime when the value has a time part or offset."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--start: '{value}' is not a valid ISO date or datetime")


def _authority_overrides(authority: str | None) -> dict[str, int] | None:
    if authority is None:
        return None
    # Imported here so a plain `deadline` call never touches configuration.
    from infrastructure.authority_config import (
        AuthorityConfigError,
        UnknownAuthorityError,
        rule_overrides_for,
    )

    try:
        return rule_overrides_for(authority)
    except UnknownAuthorityError as exc:
        _fail(f"--authority: {exc}")
    except (AuthorityConfigError, OSError) as exc:
        _fail(f"authority configuration: {exc}", CONFIG_ERROR)


def _start_text(deadline: Deadline, start: date | datetime) -> str:
    # A datetime is shown as the Europe/London instant it was read as (naive = local).
    return deadline.start_at.isoformat() if isinstance(start, datetime) else start.isoformat()


def _as_json(deadline: Deadline, start: date | datetime, authority: str | None) -> str:
    rule = deadline.rule
    payload: dict[str, Any] = {
        "due": deadline.due_iso,
        "due_at": deadline.due_at.isoformat(),
        "rule": rule.id,
        "citation": rule.citation,
        "convention": rule.convention,
        "convention_text": rule.convention_text,
        "amount": deadline.amount,
        "unit": rule.unit,
        "start": _start_text(deadline, start),
        "authority": authority,
    }
    return json.dumps(payload, ensure_ascii=False)


def _as_lines(deadline: Deadline, start: date | datetime, authority: str | None) -> list[str]:
    rule = deadline.rule
    source = f"authority {authority}" if authority else "default"
    return [
        f"{rule.title} [{rule.id}]",
        f"Counting: {rule.convention_text}",
        f"Source ({rule.status}): {rule.citation}",
        f"Start: {_start_text(deadline, start)}; amount: {deadline.amount} {rule.unit} ({source})",
        f"Due by: {deadline.due_at.isoformat()} (Europe/London)",
        # Last line is the bare answer so scripts can take `tail -n 1`.
        deadline.due_iso,
    ]


def deadline_command(
    rule: Annotated[str, typer.Argument(help="Rule id (listed below), e.g. review-request.")],
    start: Annotated[
        str,
        typer.Option(
            "--start",
            help="ISO date, or ISO datetime (naive = Europe/London) for the hours rules.",
        ),
    ],
    authority: Annotated[
        str | None,
        typer.Option("--authority", help="Apply this authority's configured rule overrides."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show when RULE falls due for a period starting at --start."""
    parsed = parse_start(start)
    overrides = _authority_overrides(authority)
    try:
        deadline = compute_deadline(rule, parsed, overrides)
    except UnknownRuleError as exc:
        _fail(str(exc))
    except OverrideError as exc:
        _fail(f"--authority: {exc}", CONFIG_ERROR)
    if as_json:
        typer.echo(_as_json(deadline, parsed, authority))
        return
    for line in _as_lines(deadline, parsed, authority):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.command("deadline", epilog=rules_help())(deadline_command)
