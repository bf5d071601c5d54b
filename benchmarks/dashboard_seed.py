"""A caseload for the dashboard benchmark: bulk 16/17 intake cases, one case made through the
real use cases, and a signed-in coordinator.

The bulk cases are written by ``benchmarks.seed.bulk_load`` (COPY / executemany) on the current
version of the 16/17 intake: a third at the main authority (the coordinator's) and the rest
spread over the others, a few of those shared with the main authority; each at a step of a real
route, with the events and steps that route records, and 1-3 running timers when open (some
overdue, some warned). Ids grow with ``opened_at``, as they do in a database that has been in
use.

The case the benchmark opens is started and worked through ``application.case_commands`` with
its events applied in process (no Prefect), so its facts, timers, steps, alerts and audit rows
are exactly what the product writes.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Engine
from sqlmodel import Session, select

from application import accounts
from application.case_commands import record_step, start_case
from application.cases import Applied, opening_facts
from application.directory import import_directory
from application.staff import add_staff
from benchmarks.progress import seeding
from benchmarks.seed import CASE_COLUMNS, TIMER_COLUMNS, bulk_load, reference_for, settle
from infrastructure.db import session_scope
from models import Authority
from pathways.deadlines import RULES
from pathways.definitions import get_definition
from pathways.engine.definition import PathwayDefinition, TimerSpec
from pathways.refusal import Refusal
from tests.support.cases import acting_for, apply_now
from tests.support.intake_form import intake_form

PATHWAY: Final = "youth-1617-intake"
MAIN_AUTHORITY: Final = "dartford"
MAIN_SHARE_PERCENT: Final = 33
SHARED_EVERY: Final = 50
"""A case at another authority whose id is a multiple of this is shared with the main one (a
cross-district referral)."""
COORDINATOR: Final = "coordinator.bench"
WORKER: Final = "ho.bench"
WORKER_ROLE: Final = "lha-housing-officer"
OPENING_SPAN: Final = timedelta(days=730)
"""The bulk cases opened over the last two years."""
EVENT_SPACING: Final = timedelta(hours=5)
CHUNK_CASES: Final = 20_000
"""Cases generated and loaded at a time: the rows of a chunk are held in memory at once."""

EVENT_COLUMNS: Final = (
    "id",
    "case_id",
    "transition",
    "payload",
    "actor",
    "role",
    "idempotency_key",
    "status",
    "occurred_at",
    "recorded_at",
    "applied_at",
)
STEP_COLUMNS: Final = (
    "id",
    "case_id",
    "step",
    "status",
    "opened_at",
    "completed_at",
    "completed_by",
    "event_id",
)
SHARE_COLUMNS: Final = ("id", "case_id", "authority_id", "reason", "shared_by", "shared_at")
CLOSED_TIMER_COLUMNS: Final = (*TIMER_COLUMNS, "closed_at")
CASE_ROW_COLUMNS: Final = (*CASE_COLUMNS, "outcome_code", "closed_at")

TRIAGED = ("record_enquiry", "triage_safe_tonight")
ASSESSED = (*TRIAGED, "refer_homeless_for_assessment", "complete_assessment")
REVIEWS = ("weekly_case_review", "monthly_stakeholder_review")


@dataclass(frozen=True)
class Shape:
    """Where a case is: its step, the moves that took it there and the clocks it runs."""

    state: str
    percent: int
    route: tuple[str, ...]
    timers: tuple[str, ...] = ()
    outcome: str | None = None

    @property
    def status(self) -> str:
        return "open" if self.outcome is None else "closed"


SHAPES: Final = (
    Shape("safety_triage", 4, ("record_enquiry",), ("joint_visit", *REVIEWS)),
    Shape("awaiting_joint_visit", 14, TRIAGED, ("joint_visit", *REVIEWS)),
    Shape(
        "emergency_accommodation",
        3,
        ("record_enquiry", "triage_not_safe_tonight"),
        ("emergency_accommodation", "weekly_case_review"),
    ),
    Shape(
        "accommodated_s20",
        2,
        ("record_enquiry", "triage_not_safe_tonight", "place_under_s20"),
        ("looked_after_24h", "weekly_case_review"),
    ),
    Shape("caf_plan", 10, (*TRIAGED, "support_package_needed"), REVIEWS),
    Shape(
        "support_package",
        24,
        (*TRIAGED, "support_package_needed", "agree_caf_plan"),
        ("weekly_home_meeting", *REVIEWS),
    ),
    Shape(
        "assessment",
        8,
        (*TRIAGED, "refer_homeless_for_assessment"),
        ("cf_assessment", "weekly_case_review"),
    ),
    Shape("assessment_outcome", 3, ASSESSED, ("weekly_home_meeting", "weekly_case_review")),
    Shape(
        "s17_support",
        4,
        (*ASSESSED, "s20_declined_after_advice"),
        ("weekly_home_meeting", "relief_duty"),
    ),
    Shape(
        "closed",
        8,
        (*TRIAGED, "returned_home_no_further_input", "close_returned_home"),
        outcome="O1",
    ),
    Shape(
        "closed",
        10,
        (*TRIAGED, "support_package_needed", "agree_caf_plan", "close_case"),
        outcome="O2",
    ),
    Shape("assistance_rejected", 4, ("record_enquiry", "assistance_rejected"), outcome="O5b"),
    Shape("looked_after_handoff", 2, (*ASSESSED, "s20_accepted"), outcome="O3"),
    Shape("transferred", 2, ("record_enquiry", "supported_back_to_home_authority"), outcome="O4"),
    Shape(
        "closed",
        2,
        (*ASSESSED, "s20_declined_after_advice", "close_s17_support"),
        outcome="O5a",
    ),
)
assert sum(shape.percent for shape in SHAPES) == 100
_BY_PERCENT: Final = tuple(shape for shape in SHAPES for _ in range(shape.percent))


@dataclass(frozen=True)
class Caseload:
    """What the benchmark needs to find its way round the seeded database."""

    cases: int
    main_authority: str
    covers: tuple[str, ...]
    case_reference: str
    """The case the benchmark opens, made through the use cases."""
    session_token: str
    """The coordinator's session cookie: a secret, never printed."""


def shape_of(case_id: int) -> Shape:
    # A multiplier coprime to 100 scatters the shapes over neighbouring ids.
    return _BY_PERCENT[(case_id * 37) % 100]


def authority_of(case_id: int, others: Sequence[str]) -> str:
    if case_id % 100 < MAIN_SHARE_PERCENT:
        return MAIN_AUTHORITY
    return others[(case_id * 7) % len(others)]


@dataclass
class _Ids:
    timer: int = 1
    event: int = 1
    step: int = 1
    share: int = 1


@dataclass
class _Rows:
    cases: list[tuple[Any, ...]]
    timers: list[tuple[Any, ...]]
    closed_timers: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    steps: list[tuple[Any, ...]]
    shares: list[tuple[Any, ...]]


def _period(rule_id: str) -> timedelta:
    rule = RULES[rule_id]
    days = {"hours": 1 / 24, "days": 1, "working_days": 1.4, "weeks": 7, "months": 30}
    return timedelta(days=rule.default * days.get(rule.unit, 1))


def _timer(
    specs: Mapping[str, TimerSpec],
    timer_id: int,
    case_id: int,
    name: str,
    due_at: datetime,
    now: datetime,
    closed_at: datetime | None = None,
) -> tuple[Any, ...]:
    spec = specs[name]
    period = _period(spec.rule)
    warn_at = due_at - period / 4
    level = 0
    next_fire: datetime | None = warn_at
    if closed_at is not None:
        status, next_fire = "closed", None
    elif due_at <= now:
        status, level, next_fire = "breached", 1, due_at + timedelta(days=1)
    elif warn_at <= now:
        status, next_fire = "warned", due_at
    else:
        status = "open"
    started = due_at - period
    row = (
        timer_id,
        case_id,
        name,
        spec.rule,
        RULES[spec.rule].citation,
        json.dumps(list(spec.closed_by)),
        spec.owner_team,
        started,
        warn_at,
        due_at,
        next_fire,
        status,
        level,
        spec.escalation_chain,
        spec.recurring,
        1,
        started,
    )
    return row if closed_at is None else (*row, closed_at)


def _closed_at(shape: Shape, opened: datetime) -> datetime | None:
    """A closed case closed with the last move of its route."""
    return opened + EVENT_SPACING * (len(shape.route) - 1) if shape.outcome else None


def _case_row(
    definition: PathwayDefinition,
    case_id: int,
    shape: Shape,
    authority: str,
    facts: Mapping[str, Any],
    opened: datetime,
) -> tuple[Any, ...]:
    return (
        case_id,
        reference_for(case_id),
        definition.name,
        definition.version,
        authority,
        shape.state,
        shape.status,
        {**facts, "enquiry_received_at": opened.isoformat(), "safe_tonight": True},
        len(shape.route) + 1,
        opened,
        shape.outcome,
        _closed_at(shape, opened),
    )


def _route_rows(rows: _Rows, ids: _Ids, case_id: int, shape: Shape, opened: datetime) -> None:
    for position, transition in enumerate(shape.route):
        at = opened + EVENT_SPACING * position
        rows.events.append(
            (
                ids.event,
                case_id,
                transition,
                {},
                WORKER,
                WORKER_ROLE,
                f"bench-{ids.event}",
                "applied",
                at,
                at,
                at,
            )
        )
        rows.steps.append((ids.step, case_id, transition, "done", at, at, WORKER, ids.event))
        ids.event += 1
        ids.step += 1


def _timer_rows(
    specs: Mapping[str, TimerSpec],
    rows: _Rows,
    ids: _Ids,
    case_id: int,
    shape: Shape,
    opened: datetime,
    now: datetime,
) -> None:
    for position, name in enumerate(shape.timers):
        # From three days overdue to four weeks ahead, scattered over the cases.
        due = now + timedelta(hours=(case_id * 131 + position * 977) % 744 - 72)
        rows.timers.append(_timer(specs, ids.timer, case_id, name, due, now))
        ids.timer += 1
    closed = _closed_at(shape, opened)
    if closed is not None:
        review = _timer(specs, ids.timer, case_id, "weekly_case_review", closed, now, closed)
        rows.closed_timers.append(review)
        ids.timer += 1


def _case_block(
    first: int, count: int, total: int, others: Sequence[str], now: datetime, ids: _Ids
) -> _Rows:
    definition = get_definition(PATHWAY)
    facts = {authority: opening_facts(authority) for authority in (MAIN_AUTHORITY, *others)}
    rows = _Rows([], [], [], [], [], [])
    spacing = OPENING_SPAN / total
    for case_id in range(first, first + count):
        shape = shape_of(case_id)
        authority = authority_of(case_id, others)
        opened = now - OPENING_SPAN + spacing * case_id
        rows.cases.append(
            _case_row(definition, case_id, shape, authority, facts[authority], opened)
        )
        _route_rows(rows, ids, case_id, shape, opened)
        _timer_rows(definition.timers, rows, ids, case_id, shape, opened, now)
        if authority != MAIN_AUTHORITY and case_id % SHARED_EVERY == 0:
            rows.shares.append(
                (ids.share, case_id, MAIN_AUTHORITY, "cross_district_referral", WORKER, opened)
            )
            ids.share += 1
    return rows


def seed_cases(engine: Engine, cases: int, now: datetime) -> None:
    """``cases`` bulk cases with their timers, events, steps and shares."""
    with session_scope(engine) as session:
        import_directory(session)
    with Session(engine) as session:
        others = sorted(a for a in session.exec(select(Authority.id)) if a != MAIN_AUTHORITY)
    ids = _Ids()
    with seeding(f"seeding {cases:,} dashboard cases", cases) as advance:
        for first in range(1, cases + 1, CHUNK_CASES):
            count = min(CHUNK_CASES, cases + 1 - first)
            rows = _case_block(first, count, cases, others, now, ids)
            for table, columns, values in (
                ("case", CASE_ROW_COLUMNS, rows.cases),
                ("timer", TIMER_COLUMNS, rows.timers),
                ("timer", CLOSED_TIMER_COLUMNS, rows.closed_timers),
                ("caseevent", EVENT_COLUMNS, rows.events),
                ("casestep", STEP_COLUMNS, rows.steps),
                ("caseshare", SHARE_COLUMNS, rows.shares),
            ):
                bulk_load(engine, table, columns, iter(values))
            advance(count)
    settle(engine, ("case", "timer", "caseevent", "casestep", "caseshare"))


def _applied(outcome: Applied | Refusal) -> Applied:
    if isinstance(outcome, Refusal) or outcome.status != "applied":
        raise RuntimeError(f"the benchmark case could not be worked: {outcome}")
    return outcome


PROGRESS: Final = {"support_taken_up": True, "progress": "improving"}
WORKED_STEPS: Final[tuple[tuple[str, str, dict[str, Any]], ...]] = (
    ("lha-housing-officer", "triage_safe_tonight", {}),
    (
        "early-help-practitioner",
        "support_package_needed",
        {"saw_family": True, "saw_young_person": True},
    ),
    (
        "early-help-practitioner",
        "agree_caf_plan",
        {"plan": "early_help_plan", "stress_areas": ["debt"]},
    ),
    ("lha-housing-officer", "open_prevention_duty", {"personalised_housing_plan_agreed": True}),
    ("early-help-practitioner", "record_home_meeting", PROGRESS),
    ("ics-social-worker", "record_team_review", {**PROGRESS, "package_effective": True}),
)


def worked_case() -> str:
    """A case at the main authority started and taken to its support package by the use cases
    (the application's engine and clock), with the made-up people every test uses."""
    people = {
        "young_person": {"full_name": "Bench Madeup", "date_of_birth": "2009-08-14"},
        "parent_or_pr_holder": {"full_name": "Parent Madeup"},
    }
    started = _applied(
        start_case(
            acting=acting_for(f"{WORKER_ROLE}.bench", WORKER_ROLE, MAIN_AUTHORITY),
            pathway=PATHWAY,
            authority_id=MAIN_AUTHORITY,
            payload=intake_form(people),
            runner=apply_now,
        )
    )
    for role, transition, payload in WORKED_STEPS:
        _applied(
            record_step(
                acting=acting_for(f"{role}.bench", role, MAIN_AUTHORITY),
                case_reference=started.case_reference,
                transition=transition,
                payload=payload,
                runner=apply_now,
            )
        )
    return started.case_reference


def signed_in_coordinator(engine: Engine) -> tuple[tuple[str, ...], str]:
    """(the authorities the coordinator covers, their session token). The password is made
    here and forgotten: nothing else signs in as them."""
    password = secrets.token_urlsafe(24)
    with session_scope(engine) as session:
        add_staff(
            session,
            username=COORDINATOR,
            display_name="Benchmark coordinator",
            email=f"{COORDINATOR}@dartford.example",
            roles=["coordinator"],
            team="lha",
            authority_id=MAIN_AUTHORITY,
            actor="bench",
            actor_role="operator",
            basis="dashboard benchmark",
        )
        accounts.add_account(session, COORDINATOR, password, by="bench")
    with session_scope(engine) as session:
        signed = accounts.sign_in(session, COORDINATOR, password)
    if isinstance(signed, Refusal):
        raise RuntimeError(f"the benchmark coordinator could not sign in: {signed.reason}")
    return tuple(sorted(signed.principal.covers)), signed.session_token


def seed_caseload(engine: Engine, cases: int) -> Caseload:
    seed_cases(engine, cases, datetime.now(UTC))
    reference = worked_case()
    covers, token = signed_in_coordinator(engine)
    return Caseload(cases, MAIN_AUTHORITY, covers, reference, token)
