"""``pathways case``: open cases, record steps and see where they stand, from the command line.

Every command here acts as a named member of staff (``--as``), resolved from the staff
directory by the application layer, which also holds every rule: this module parses and prints.
Moves run their pathway flow through ``flows.dispatch``, so Prefect is imported only inside
``open`` and ``record``. Exit codes: 2 for input the command cannot use or a principal it
refuses (nothing is written but the audited refusal), 3 when the role may not make the move,
4 when the rules refuse it now. Output may be pasted into a ticket, so it says which people are
recorded on a case, never who they are; the one exception is ``document``, a statutory notice
that must name the applicant, printed for the officer alone.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast, get_args
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from application.case_commands import (
    SHARE_REASON_WORDS,
    ShareReason,
    act_as,
    list_cases,
    share_case,
    show_case,
    steps_now,
)
from application.case_views import CaseView, TimerView, TransitionView, pathway_transitions
from application.cases import Applied
from application.documents import DOCUMENT_KINDS, DocumentKind, produce_document
from application.people_in_inputs import described
from application.principals import Acting
from cli.common import FAILURE, console, fail, migrated_engine
from cli.examples import load_example
from cli.prefect_api import product_prefect
from infrastructure import clock
from infrastructure.authority_config import (
    AuthorityConfigError,
    UnknownAuthorityError,
    authority_config,
)
from pathways.definitions import UnknownPathwayError, get_definition, latest_definitions
from pathways.engine.definition import PathwayDefinition
from pathways.references import is_case_reference
from pathways.refusal import Refusal
from pathways.roles import ROLES

FORBIDDEN = 3
REFUSED_NOW = 4
LONDON = ZoneInfo("Europe/London")
CASE_STATUSES = ("open", "closed")

case_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Open cases, record their steps and see where they stand.",
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
WideFlag = Annotated[
    bool,
    typer.Option(
        "--wide",
        help="One line per row, however wide (for `less -S`); else tables fit the terminal.",
    ),
]
As = Annotated[
    str,
    typer.Option(
        "--as", metavar="USERNAME", help="The member of staff acting (their directory username)."
    ),
]
Role = Annotated[
    str | None,
    typer.Option(
        "--role",
        metavar="ROLE",
        help="Which of their roles they act in; needed only when they hold several.",
    ),
]
InputFile = Annotated[
    str | None,
    typer.Option(
        "--input", metavar="FILE.json", help="The step's input as a JSON file (- = stdin)."
    ),
]
InputJson = Annotated[
    str | None, typer.Option("--input-json", metavar="JSON", help="The step's input as JSON text.")
]


# --- checking what the operator typed ---------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _definition(name: str) -> PathwayDefinition:
    try:
        return get_definition(name)
    except UnknownPathwayError as unknown:
        fail(f"PATHWAY: {unknown}")


def _reference(value: str) -> str:
    reference = value.strip().upper()
    if not is_case_reference(reference):
        fail(f"REF: '{value}' is not a case reference such as JP-7K3Q-9D2F")
    return reference


def _check_authority(authority_id: str) -> None:
    try:
        authority_config().authority(authority_id)
    except UnknownAuthorityError as unknown:
        fail(f"--authority: {unknown}")
    except (AuthorityConfigError, OSError) as broken:
        fail(f"authority configuration: {broken}", FAILURE)


def _check_role(role: str | None) -> None:
    if role is not None and role not in ROLES:
        fail(f"--role: unknown role '{role}' (known: {', '.join(ROLES)})")


def _check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > 80 or not name.isprintable():
        fail("--as: give the username of who acts (1-80 printable characters)")
    return name


def _acting(
    username: str, role: str | None, attempted: str, reference: str | None = None
) -> Acting:
    """The member of staff named, in the role chosen; a refusal (audited) exits 2."""
    _check_role(role)
    migrated_engine()
    found = act_as(_check_username(username), role, attempted=attempted, case_reference=reference)
    if isinstance(found, Refusal):
        _refused(found)
    return found


def _read_input(path: str | None, inline: str | None) -> dict[str, Any]:
    """The input as a JSON object. Error messages name the option, never echo the content:
    it is the young person's details."""
    if path is not None and inline is not None:
        fail("give --input or --input-json, not both")
    option, text = ("--input-json", inline) if inline is not None else ("--input", None)
    if path is not None:
        try:
            text = (
                typer.get_text_stream("stdin").read()
                if path == "-"
                else Path(path).read_text("utf-8")
            )
        except (OSError, UnicodeDecodeError) as unreadable:
            fail(f"--input: cannot read '{path}': {unreadable}")
    if text is None:
        return {}
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as malformed:
        fail(f"{option}: not valid JSON: {malformed}")
    if not isinstance(payload, dict):
        fail(f"{option}: the input must be a JSON object ({{...}}), not {type(payload).__name__}")
    return payload


def _refused(refusal: Refusal) -> NoReturn:
    reason = _one_line(refusal.reason)
    if refusal.about_the_principal:
        fail(f"refused ({refusal.http_status}): {reason}")
    if refusal.code == "not_found":
        fail(reason.replace("case: ", "REF: ", 1).replace("pathway: ", "PATHWAY: ", 1))
    if refusal.code == "forbidden":
        typer.echo(f"refused ({refusal.http_status}): {reason}", err=True)
        raise typer.Exit(FORBIDDEN)
    if refusal.field == "authority_id":
        missing = reason.removeprefix("authority_id: ")
        fail(f"--authority: {missing} in the directory: `pathways directory list` imports it")
    if refusal.code == "unknown_transition":
        fail(f"STEP: {reason}")
    if refusal.code == "invalid_input":
        fail(reason)
    typer.echo(f"refused: {reason}", err=True)
    raise typer.Exit(REFUSED_NOW)


# --- showing ----------------------------------------------------------------------------------


def when(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%a %d %b %Y %H:%M %Z") if moment else "—"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(LONDON).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(_jsonable(value), indent=2))


WHOLE = ("case", "step", "timer", "name")
"""Columns whose cells are copied into other commands: never wrapped or cut."""


def _table(title: str, headings: tuple[str, ...], rows: Sequence[Sequence[str | Text]]) -> Table:
    """A table that fits an 80-column terminal: prose wraps, identifiers stay whole."""
    # No vertical rules: they cost three columns per column, and 80 are all there may be.
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAVY, pad_edge=False)
    for index, heading in enumerate(headings):
        if heading in WHOLE:
            widest = max([len(heading), *(len(str(row[index])) for row in rows)])
            table.add_column(heading, no_wrap=True, min_width=widest)
        else:
            # Long cells fold onto more lines rather than being cut; headings stay whole.
            longest_word = max(len(word) for word in heading.split())
            table.add_column(heading, overflow="fold", min_width=longest_word)
    for row in rows:
        # Plain Text: titles carry citations like "[S000]" that rich would read as markup.
        table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in row))
    return table


def _people(view: CaseView) -> str:
    return "; ".join(f"{described(r)}: recorded" for r in view.people_recorded) or "none"


def _due(timer: TimerView) -> Text:
    # A day-level rule ends with its day: the date is the deadline, not 23:59 on it.
    due = Text(_due_day(timer))
    if timer.overdue:
        due.append("  OVERDUE", style="bold red")
        if timer.overdue_at_opening:
            due.append(" since before the case opened")
    return due


def _due_day(timer: TimerView) -> str:
    return timer.due_on.strftime("%a %d %b %Y") if timer.due_on else when(timer.due_at)


def overdue_at_opening_lines(view: CaseView) -> list[str]:
    """What the opening found already late, one line a timer, as the case page's banner says."""
    return [
        f"already overdue when the case opened: {timer.title}, due {_due_day(timer)}"
        for timer in view.timers_overdue_at_opening
    ]


def _referral_rows(view: CaseView) -> list[list[str | Text]]:
    referral = view.duty_to_refer
    if referral is None:
        return []
    return [
        ["chosen authority", referral.authority],
        ["situation", referral.situation],
        ["referred on", referral.referred_on.isoformat() if referral.referred_on else "—"],
        [
            "acknowledged on",
            referral.acknowledged_on.isoformat() if referral.acknowledged_on else "not yet",
        ],
        ["local connection", referral.local_connection_words],
        ["basis", referral.basis],
    ]


def _status(timer: TimerView) -> str:
    # A step done after its deadline stays visible once its timer has closed.
    return f"closed late ({when(timer.closed_at)})" if timer.closed_late else timer.status


def _timer_rows(timers: list[TimerView]) -> list[list[str | Text]]:
    return [[t.name, t.title, t.rule, _due(t), _status(t), str(t.escalation_level)] for t in timers]


TIMER_HEADINGS = ("timer", "title", "rule", "due (UK time)", "status", "escalation")


def _basis_rows(timers: list[TimerView]) -> list[list[str | Text]]:
    return [[t.name, t.counts_from, t.legal_source] for t in timers if t.counts_from]


def _print_case(view: CaseView, now: datetime, wide: bool) -> None:
    out = console(wide)
    outcome = f"{view.outcome_code} ({view.outcome_label})" if view.outcome_code else "—"
    linked = "; ".join(
        f"{c.relation} {c.reference} ({c.pathway})" + (f" by {c.by_step}" if c.by_step else "")
        for c in view.linked_cases
    )
    summary = Table.grid(padding=(0, 2))
    for label, value in (
        ("case", view.reference),
        ("pathway", f"{view.pathway} {view.version}: {view.pathway_title}"),
        ("authority", f"{view.authority_id} ({view.authority_name or 'not in the directory'})"),
        ("step", f"{view.step}: {view.step_title}"),
        ("status", view.status),
        ("outcome", outcome),
        ("duty outcome", view.duty_outcome or "—"),
        ("linked case", linked or "—"),
        ("opened", when(view.opened_at)),
        ("closed", when(view.closed_at)),
        ("people", _people(view)),
        ("overdue timers", f"{view.overdue} (as of {when(now)})"),
    ):
        summary.add_row(Text(label, style="bold"), Text(value))
    out.print(summary)
    steps = [[when(s.at), s.title, s.actor or "—", s.role or "—"] for s in view.steps]
    out.print(_table("Steps recorded", ("when", "title", "actor", "role"), steps))
    decisions = [[when(d.at), d.kind, d.outcome, d.decided_by, d.role] for d in view.decisions]
    if decisions:
        headings = ("when", "decision", "outcome", "decided by", "role")
        out.print(_table("Decisions", headings, decisions))
    else:
        out.print(Text("Decisions: none recorded"))
    if view.policy:
        out.print(_table("Authority policy", ("choice", "setting", "source"), view.policy))
    if referral := _referral_rows(view):
        out.print(_table("Duty to refer (s.213B)", ("item", "detail"), referral))
    out.print(_table("Timers", TIMER_HEADINGS, _timer_rows(view.timers)))
    if basis := _basis_rows(view.timers):
        out.print(_table("Timer sources", ("timer", "basis", "legal source"), basis))
    sent = [[when(n.created_at), n.event_type, n.recipient, n.status] for n in view.notifications]
    out.print(_table("Notifications", ("queued", "event", "recipient", "status"), sent))


def _transitions_table(title: str, views: list[TransitionView], for_case: bool) -> Table:
    """Each step and its title (and, for a case, whether it is ready now): the detail of one
    step is ``_step_detail``, since seven columns of a whole pathway do not fit 80."""
    rows: list[list[str | Text]] = [
        [view.name, view.title, *([view.now or ""] if for_case else [])] for view in views
    ]
    headings = ("step", "title", "now") if for_case else ("step", "title")
    return _table(title, headings, rows)


def _step_detail(view: TransitionView) -> Table:
    fields = "\n".join(f"{f.name}{' *' if f.required else ''}: {f.type}" for f in view.input)
    follows = [
        *(f"opens {timer}" for timer in view.opens_timers),
        *(f"closes {timer}" for timer in view.closes_timers),
        *(f"alerts {alert}" for alert in view.notifies),
    ]
    detail = Table.grid(padding=(0, 2))
    for label, value in (
        ("step", view.name),
        ("title", view.title),
        ("from", ", ".join(view.from_steps)),
        ("to", view.to_step),
        ("roles", ", ".join(view.roles)),
        ("input (* = required)", fields or "—"),
        ("then", "\n".join(follows) or "—"),
    ):
        detail.add_row(Text(label, style="bold"), Text(value))
    return detail


ONE_STEP_HINT = "A step's input, timers and alerts: pathways case steps {pathway} STEP"


# --- commands ---------------------------------------------------------------------------------


@case_app.command("pathways")
def pathways_command(as_json: JsonFlag = False) -> None:
    """The registered pathways (newest version of each)."""
    found = [(d.name, d.version, d.title) for d in latest_definitions()]
    if as_json:
        _echo_json([{"name": n, "version": v, "title": t} for n, v, t in found])
        return
    console().print(_table("Pathways", ("name", "version", "title"), [list(r) for r in found]))


@case_app.command(
    "steps",
    help="The steps a pathway has, or those a case can take next, with who may record them "
    "and the input each takes.",
)
def steps_command(
    target: Annotated[
        str,
        typer.Argument(
            metavar="PATHWAY_OR_REF",
            help="A pathway name (every step) or a case reference (the steps open to it now).",
        ),
    ],
    step: Annotated[
        str | None,
        typer.Argument(metavar="[STEP]", help="With a pathway: only this step."),
    ] = None,
    username: Annotated[
        str | None,
        typer.Option(
            "--as", metavar="USERNAME", help="With a case reference: who is looking (username)."
        ),
    ] = None,
    role: Role = None,
    example: Annotated[
        bool,
        typer.Option(
            "--example", help="With PATHWAY STEP: print a sample input document for the step."
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    if not is_case_reference(target.strip().upper()):
        definition = _definition(target)
        views = pathway_transitions(definition)
        if step is not None:
            views = [_one_step(definition, views, step)]
        if example:
            _print_example(definition, views, step)
            return
        title = f"{definition.name} {definition.version}: {definition.title}"
        if as_json:
            _echo_json({"pathway": definition.name, "version": definition.version, "steps": views})
            return
        if step is not None:
            console().print(Text(title), _step_detail(views[0]))
            return
        console().print(_transitions_table(title, views, for_case=False))
        typer.echo(ONE_STEP_HINT.format(pathway=definition.name))
        return
    if step is not None or example:
        fail("STEP, --example: give a pathway name, not a case reference, to see a step's input")
    reference = _reference(target)
    if username is None:
        fail("--as: a case's open steps are shown to a member of staff: give --as USERNAME")
    viewer = _acting(username, role, "case.steps", reference)
    found = steps_now(viewer, reference)
    if isinstance(found, Refusal):
        _refused(found)
    step, status, views = found
    if as_json:
        _echo_json({"case": reference, "step": step, "status": status, "steps": views})
        return
    if status != "open":
        typer.echo(f"{reference} is {status}: nothing more can be recorded on it")
        return
    title = f"{reference} at {step}: steps open now"
    console().print(_transitions_table(title, views, for_case=True))
    typer.echo(ONE_STEP_HINT.format(pathway="PATHWAY"))


def _one_step(
    definition: PathwayDefinition, views: list[TransitionView], step: str
) -> TransitionView:
    found = next((view for view in views if view.name == step), None)
    if found is None:
        names = ", ".join(view.name for view in views)
        fail(f"STEP: '{step}' is not a step of {definition.name} (its steps: {names})")
    return found


def _print_example(
    definition: PathwayDefinition, views: list[TransitionView], step: str | None
) -> None:
    if step is None:
        fail("--example: name the step, e.g. `pathways case steps PATHWAY STEP --example`")
    if not views[0].input:
        typer.echo(f"{step} takes no input: record it without --input")
        return
    try:
        document = load_example(definition.name, step)
    except (OSError, ValueError) as missing:
        fail(f"--example: no sample input for {definition.name} {step}: {missing}", FAILURE)
    typer.echo(json.dumps(document, indent=2))


def _viewed(viewer: Acting, reference: str) -> CaseView:
    view = show_case(viewer, reference)
    if isinstance(view, Refusal):
        _refused(view)
    return view


def _running_timer_ids(view: CaseView) -> set[int]:
    return {timer.id for timer in view.timers if timer.status != "closed"}


def _print_after_move(view: CaseView, before: set[int]) -> None:
    out = console()
    out.print(Text(f"step reached: {view.step}: {view.step_title}"))
    if view.status != "open":
        label = f" ({view.outcome_label})" if view.outcome_label else ""
        out.print(Text(f"case {view.status}, outcome {view.outcome_code or '—'}{label}"))
    opened = [t for t in view.timers if t.id not in before and t.status != "closed"]
    closed = [t for t in view.timers if t.id in before and t.status == "closed"]
    if opened:
        out.print(_table("Timers opened", TIMER_HEADINGS, _timer_rows(opened)))
    if closed:
        out.print(Text("timers closed: " + ", ".join(t.name for t in closed)))


def _finish(viewer: Acting, applied: Applied | Refusal) -> tuple[Applied, CaseView]:
    if isinstance(applied, Refusal):
        _refused(applied)
    if applied.status == "rejected":
        # The case moved on between the check and the run: the flow decided against it.
        reason = _one_line(applied.reason or "the pathway rules refused the step")
        typer.echo(f"refused: {reason}", err=True)
        raise typer.Exit(REFUSED_NOW)
    if applied.status == "pending":
        waiting = applied.reason or "its pathway run has not finished yet"
        typer.echo(f"{applied.case_reference}: recorded; {waiting}")
    return applied, _viewed(viewer, applied.case_reference)


@case_app.command(
    "open",
    short_help="Open a case with the pathway's first step.",
    help="Open a case with the pathway's first step (see `pathways case steps PATHWAY`).\n\n"
    "The input holds the young person's details: prefer --input with a file you delete "
    "afterwards (or - for stdin) over --input-json, which stays in the shell history.\n\n"
    "When the pathway asks for enquiry_received_at and the input leaves it out, it is filled "
    "with the application clock's time (`pathways clock show`). Give it yourself for a "
    "contact taken earlier, such as an out-of-hours call recorded the next morning.",
)
def open_command(
    pathway: Annotated[str, typer.Argument(metavar="PATHWAY", help="e.g. youth-1617-intake.")],
    authority: Annotated[
        str, typer.Option("--authority", metavar="ID", help="The LHA, e.g. dartford.")
    ],
    username: As,
    role: Role = None,
    input_file: InputFile = None,
    input_json: InputJson = None,
) -> None:
    definition = _definition(pathway)
    _check_authority(authority)
    if input_file is None and input_json is None:
        fail("--input: give the opening step's input with --input FILE.json or --input-json")
    payload = _read_input(input_file, input_json)
    who = _acting(username, role, f"{definition.name}.open")
    # Imported here so every other command starts without loading Prefect.
    from application.case_commands import start_case
    from flows.dispatch import run_pathway_event

    with product_prefect():
        started = start_case(
            acting=who,
            pathway=definition.name,
            authority_id=authority,
            payload=payload,
            runner=run_pathway_event,
        )
    _, view = _finish(who, started)
    console().print(
        Text(f"opened {view.reference}: {view.pathway} {view.version}, authority {authority}")
    )
    for relationship in view.people_recorded:
        typer.echo(f"{described(relationship)}: recorded")
    for line in overdue_at_opening_lines(view):
        typer.echo(line)
    _print_after_move(view, set())


@case_app.command("record")
def record_command(
    reference: Annotated[str, typer.Argument(metavar="REF", help="e.g. JP-7K3Q-9D2F.")],
    step: Annotated[
        str, typer.Argument(metavar="STEP", help="See `pathways case steps REF` for the choices.")
    ],
    username: As,
    role: Role = None,
    input_file: InputFile = None,
    input_json: InputJson = None,
) -> None:
    """Record a step on a case (its input, if the step takes one, as JSON)."""
    reference = _reference(reference)
    payload = _read_input(input_file, input_json)
    who = _acting(username, role, f"case.{step}", reference)
    before = _running_timer_ids(_viewed(who, reference))
    from application.case_commands import record_step
    from flows.dispatch import run_pathway_event

    with product_prefect():
        recorded = record_step(
            acting=who,
            case_reference=reference,
            transition=step,
            payload=payload,
            runner=run_pathway_event,
        )
    applied, view = _finish(who, recorded)
    title = next((s.title for s in reversed(view.steps) if s.transition == step), step)
    console().print(Text(f"recorded on {reference}: {title}"))
    _print_after_move(view, before)
    for linked_pathway, linked_reference, _event in applied.follow_ups:
        typer.echo(f"linked case opened: {linked_reference} ({linked_pathway})")


@case_app.command("share")
def share_command(
    reference: Annotated[str, typer.Argument(metavar="REF", help="e.g. JP-7K3Q-9D2F.")],
    authority: Annotated[
        str, typer.Option("--with", metavar="ID", help="The authority to share it with.")
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            metavar="|".join(get_args(ShareReason)),
            help="Why, under the protocol: "
            + "; ".join(f"{key}, {words}" for key, words in SHARE_REASON_WORDS.items())
            + ".",
        ),
    ],
    username: As,
    role: Role = None,
) -> None:
    """Share a case with another authority (a cross-district referral, a placement in its
    district, or a care leaver referred to its housing authority under the duty to refer), so
    its staff may act on it. Only the owning authority's staff may share."""
    reference = _reference(reference)
    if reason not in get_args(ShareReason):
        fail(f"--reason: '{reason}' is not one of {', '.join(get_args(ShareReason))}")
    _check_authority(authority)
    who = _acting(username, role, "case.share", reference)
    refused = share_case(
        acting=who,
        case_reference=reference,
        authority_id=authority,
        reason=cast(ShareReason, reason),
    )
    if refused is not None:
        _refused(refused)
    typer.echo(f"{reference} is shared with {authority} ({SHARE_REASON_WORDS[reason]})")


def _write_new(path: Path, text: str) -> None:
    # Exclusive create, readable by its owner only: the document names the applicant.
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(f"--output: '{path}' already exists: a document is never written over a file")
    except OSError as unwritable:
        fail(f"--output: cannot create '{path}': {unwritable.strerror}", FAILURE)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)


@case_app.command(
    "document",
    help="Produce a statutory document for the officer to send through a secure channel. "
    "s208-notice: the s.208(3) notice to the authority a s.188 placement outside the district "
    "is in. It names the applicant, so it is printed (or written to a new file with --output) "
    "for you alone and never e-mailed. Housing (LHA) roles of the placing authority only.",
)
def document_command(
    reference: Annotated[str, typer.Argument(metavar="REF", help="e.g. JP-7K3Q-9D2F.")],
    kind: Annotated[str, typer.Argument(metavar="|".join(DOCUMENT_KINDS), help="Which one.")],
    username: As,
    role: Role = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", metavar="FILE", help="Write it to FILE, which must not exist."),
    ] = None,
) -> None:
    reference = _reference(reference)
    if kind not in DOCUMENT_KINDS:
        fail(f"KIND: '{kind}' is not one of {', '.join(DOCUMENT_KINDS)}")
    if output is not None and output.exists():
        fail(f"--output: '{output}' already exists: a document is never written over a file")
    who = _acting(username, role, f"document.{kind}", reference)
    produced = produce_document(acting=who, case_reference=reference, kind=cast(DocumentKind, kind))
    if isinstance(produced, Refusal):
        _refused(produced)
    if output is None:
        typer.echo(produced.text, nl=False)
        return
    _write_new(output, produced.text)
    typer.echo(f"{reference}: {kind} written to {output}: send it through a secure channel")


@case_app.command(
    "show",
    help="Where a case stands: its step, steps recorded, decisions, timers (OVERDUE marked) "
    "and notifications. People are listed as recorded, never by name.",
)
def show_command(
    reference: Annotated[str, typer.Argument(metavar="REF", help="e.g. JP-7K3Q-9D2F.")],
    username: As,
    role: Role = None,
    as_json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    reference = _reference(reference)
    view = _viewed(_acting(username, role, "case.show", reference), reference)
    now = clock.now(migrated_engine())
    if as_json:
        _echo_json({**asdict(view), "overdue": view.overdue, "as_of": now})
        return
    _print_case(view, now, wide)


@case_app.command("list")
def list_command(
    status: Annotated[
        str | None,
        typer.Option("--status", metavar="|".join(CASE_STATUSES), help="Only cases in this state."),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only cases with a breached or past-due timer.")
    ] = False,
    authority: Annotated[
        str | None, typer.Option("--authority", metavar="ID", help="Only this LHA's cases.")
    ] = None,
    username: As = "",
    role: Role = None,
    as_json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    """One row per case the member of staff may see, oldest first: its step, outcome, overdue
    timers and next due time."""
    if status is not None and status not in CASE_STATUSES:
        fail(f"--status: '{status}' is not one of {', '.join(CASE_STATUSES)}")
    if authority is not None:
        _check_authority(authority)
    viewer = _acting(username, role, "case.list")
    now, rows = list_cases(viewer, status=status, authority_id=authority, overdue_only=overdue)
    if as_json:
        _echo_json(rows)
        return
    table = _table(
        f"Cases (as of {when(now)})",
        ("case", "pathway", "LHA", "step", "status", "late", "next due"),
        [
            [
                r.reference,
                r.pathway,
                r.authority_id,
                r.step,
                f"{r.status} {r.outcome_code}" if r.outcome_code else r.status,
                Text(str(r.overdue), style="bold red") if r.overdue else "0",
                when(r.next_due),
            ]
            for r in rows
        ],
    )
    console(wide).print(table)


@case_app.command(
    "migrate",
    help="Move a running case onto the newer version of its pathway, along the move declared "
    "for it (youth-1617-intake 1.0 -> 1.1: issue #9; care-leaver-transition 0.1 and 0.2 -> "
    "1.0: issue #12), and say what changed for the case: the steps it gains, the timers it "
    "starts and closes. "
    "A coordinator or operator role only. --all moves every open case you may act on that "
    "has a declared move, each on its own; --dry-run prints the plan and writes nothing.",
)
def migrate_command(
    reference: Annotated[
        str | None, typer.Argument(metavar="REF", help="e.g. JP-7K3Q-9D2F (or --all).")
    ] = None,
    username: As = "",
    role: Role = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every open case with a declared move.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; write nothing.")
    ] = False,
    to_version: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="VERSION",
            help="The version to move to (default: the one declared from the case's version).",
        ),
    ] = None,
) -> None:
    # Imported here, like Prefect in `open`, so this edit stays one command.
    import textwrap

    from application.case_migration import Migration, migrate_all, migrate_case

    if every == (reference is not None):
        fail("give REF or --all (one of them)")
    ref = _reference(reference) if reference is not None else None
    who = _acting(username, role, "case.migrate", ref)
    if ref is not None:
        one = migrate_case(who, ref, to_version=to_version, dry_run=dry_run)
        if isinstance(one, Refusal):
            _refused(one)
        results: list[tuple[str, Migration | Refusal]] = [(ref, one)]
    else:
        found = migrate_all(who, to_version=to_version, dry_run=dry_run)
        if isinstance(found, Refusal):
            _refused(found)
        results = list(found)
        if not results:
            typer.echo("no open case you may act on has a declared move")

    def wrapped(text: str, first: str = "  - ") -> str:
        # 80 columns: a note may be pasted into a ticket or read on a narrow terminal.
        return textwrap.fill(
            _one_line(text),
            width=79,
            initial_indent=first,
            subsequent_indent="    ",
            break_on_hyphens=False,
            break_long_words=False,
        )

    refused = 0
    for case_ref, moved in results:
        if isinstance(moved, Refusal):
            refused += 1
            typer.echo(wrapped(f"{case_ref}: refused: {moved.reason}", ""), err=True)
            continue
        plan = moved.plan
        done = "moved" if moved.written else "dry run, nothing written: would move"
        typer.echo(f"{case_ref}: {done} to {plan.pathway} {plan.to_version}")
        for note in plan.notes:
            typer.echo(wrapped(note))
        starts = "timer started" if moved.written else "timer it would start"
        for timer in moved.timers_opened:
            late = (
                " (already overdue: the sweep breaches it at once)"
                if timer.name in moved.timers_overdue
                else ""
            )
            typer.echo(wrapped(f"{starts}: {timer.name}, due {when(timer.due_at)}{late}"))
        closes = "timer closed" if moved.written else "timer it would close"
        for name in plan.timers_to_close:
            typer.echo(wrapped(f"{closes}: {name}"))
    if refused:
        raise typer.Exit(REFUSED_NOW)


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
