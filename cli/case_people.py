"""``pathways case people REF`` and ``pathways case readers REF``: the one command that prints
who a case is about (each run is audited as a read of personal data), and, for an auditor,
the list of everyone who has read it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.text import Text

from application.case_people import CasePeople, show_people
from application.read_log import CaseReaders, show_readers
from cli.cases import As, JsonFlag, Role, _acting, _echo_json, _reference, _refused, _table, when
from cli.common import console
from pathways.refusal import Refusal

Reference = Annotated[str, typer.Argument(metavar="REF", help="e.g. JP-7K3Q-9D2F.")]


def _print_people(shown: CasePeople) -> None:
    out = console()
    out.print(Text(f"{shown.reference}: personal details (this read is in the audit log)"))
    rows = [
        [
            person.described_as,
            "removed (retention)" if person.anonymised else person.full_name or "",
            "" if person.anonymised else str(person.date_of_birth or "not recorded"),
            "" if person.anonymised else person.contact_details or "not recorded",
        ]
        for person in shown.people
    ]
    headings = ("relationship", "full name", "date of birth", "contact details")
    out.print(_table("People", headings, rows))
    if shown.retained_until is None:
        kept = f"kept for {shown.policy.years} years after the case closes"
    else:
        kept = f"kept until {when(shown.retained_until)}"
    out.print(Text(f"{kept}; source: {shown.policy.source}"))


def people_command(
    reference: Reference, username: As, role: Role = None, as_json: JsonFlag = False
) -> None:
    """The names, dates of birth and contact details of a case's people, for the staff who work
    it. Each run is recorded in the audit log; do not paste the output into a ticket."""
    reference = _reference(reference)
    shown = show_people(_acting(username, role, "case.people", reference), reference, "people-cli")
    if isinstance(shown, Refusal):
        _refused(shown)
    if as_json:
        _echo_json(
            {
                **asdict(shown),
                "people": [
                    {**asdict(p), "date_of_birth": p.date_of_birth and p.date_of_birth.isoformat()}
                    for p in shown.people
                ],
            }
        )
        return
    _print_people(shown)


def _print_readers(shown: CaseReaders) -> None:
    rows = [[when(r.at), r.username, r.role, r.view] for r in shown.readers]
    title = f"{shown.reference}: reads of its personal details, oldest first"
    console().print(_table(title, ("when", "who", "role", "view"), rows))
    if not rows:
        typer.echo("no one has read them")


def readers_command(
    reference: Reference, username: As, role: Role = None, as_json: JsonFlag = False
) -> None:
    """Who has read a case's personal details, when and where (an auditor's command)."""
    reference = _reference(reference)
    shown = show_readers(_acting(username, role, "case.readers", reference), reference)
    if isinstance(shown, Refusal):
        _refused(shown)
    if as_json:
        _echo_json(shown)
        return
    _print_readers(shown)


def register(case_app: typer.Typer) -> None:
    case_app.command("people")(people_command)
    case_app.command("readers")(readers_command)
