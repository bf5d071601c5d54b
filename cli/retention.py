"""``pathways retention run [--dry-run]``: anonymise the closed cases past their retention date.

The operator's command: it prints case references and counts, never a value.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict
from typing import Annotated

import typer

from application.retention import RetentionReport, run_retention
from cli.common import CLI_ROLE, cli_actor, migrated_engine
from pathways.principal import Actor

retention_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Retention of personal data after a case closes.",
)


def _echo(text: str, *, err: bool = False) -> None:
    # 80 columns: what follows a case reference wraps under it.
    typer.echo(textwrap.fill(text, width=79, subsequent_indent="  "), err=err)


def _print(report: RetentionReport) -> None:
    policy = report.policy
    _echo(f"retention: {policy.years} years after closure ({policy.source})")
    verb = "would anonymise" if report.dry_run else "anonymised"
    for case in report.anonymised:
        counts = ", ".join(f"{name} {count}" for name, count in sorted(case.counts.items()))
        _echo(f"{case.reference}: {verb} {case.total} values ({counts})")
    for skipped in report.skipped:
        _echo(f"{skipped.reference}: skipped: {skipped.reason}", err=True)
    _echo(
        f"{verb} {len(report.anonymised)} cases; {report.already_anonymised} already "
        f"anonymised; {len(report.skipped)} skipped"
        + ("; dry run, nothing written" if report.dry_run else "")
    )


@retention_app.command("run")
def run_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be anonymised; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Anonymise the personal data of every closed case past its retention date (each value
    replaced by its salted hash, so the audit chain still verifies). Running it again
    changes nothing. Exit 1 if a case had to be skipped."""
    migrated_engine()
    report = run_retention(Actor(cli_actor(), CLI_ROLE), dry_run=dry_run)
    if as_json:
        typer.echo(json.dumps(asdict(report), default=str))
    else:
        _print(report)
    raise typer.Exit(1 if report.skipped else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(retention_app, name="retention")
