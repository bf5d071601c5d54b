"""The KPI page's figures: what the cases record, counted in the database with GROUP BY.

Every measure says what it counts and where the measure comes from, so the page can print
both beside the figure. The duty measures read the facts the LHA duty steps record on a case
(``prevention_duty_from``, ``relief_duty_from``, ``lha_duty``, ``duty_outcome``: the latest duty
and how it ended); the 56-day measure reads the relief duty's timer, whose end date already
follows the authority's counting rule; the outcome mix reads the closed 16/17 cases' codes; the
Request for Support measure pairs each request's receipt step with its triage decision step.
Only the cases the viewer may see are counted. A share with nothing to divide by says so in
words, never 0%. What the cases do not record yet is said, not estimated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any, Final, Literal, get_args

from sqlalchemy import ColumnElement, and_, case, cast, func, not_, or_
from sqlalchemy import select as select_columns
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from application.case_views import case_filters
from application.principals import Acting
from application.report_scope import ReportPeriod, quarter_to_date
from infrastructure.authority_config import UnknownAuthorityError, office_hours_for
from models import Authority, Case, CaseStep, Timer
from pathways.calendar import london_date
from pathways.deadlines import RULES
from pathways.definitions import get_definition
from pathways.definitions.youth_1617 import YOUTH_1617
from pathways.definitions.youth_1617_inputs import DutyOutcome
from pathways.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours
from pathways.office_time import office_time_between

NO_CASES: Final = "no cases yet"
SECURED: Final = (
    "accommodation_secured_6_months_existing",
    "accommodation_secured_6_months_alternative",
)
INTO_MAIN_DUTY_STAGE: Final = "56_days_elapsed"
RELIEF_RULE: Final = "relief-duty"
RFS_PATHWAY: Final = "request-for-support"
RFS_RECEIPT_STEPS: Final = ("submit_rfs", "safeguarding_lead_overrides_consent")
"""A request reaches the front door when the LHA submits it with consent (or on the NRPF
route), or when the Safeguarding Lead sends it without consent."""
RFS_TRIAGE_OUTCOMES: Final[dict[str, str]] = {
    "accept_intensive_early_help": "Accepted: Intensive Early Help",
    "accept_for_s17_assessment": "Accepted: s.17 child and family assessment",
    "refer_for_s47_strategy_discussion": "Referred for an s.47 strategy discussion",
    "not_accepted": "Not accepted: the LHA continues with Level 2 / universal services",
}
"""The four triage decisions, each of which is the feedback to the LHA referrer (spec §4 C5)."""
HOUR: Final = timedelta(hours=1)
MAIN_DUTY_NOT_RECORDED: Final = (
    "whether the main housing duty (s.193) was then owed: no pathway records the main duty "
    "decision yet"
)
SEED_001: Final = "Seed 001 (Dartford Homelessness Strategy, Priority 1)"
SEED_000: Final = "Seed 000 (NHAS: Dartford/KCC intensive preventative work, pilot 2011/12)"

# Spec §8 (reason-duty-ended codes, one council's categories: errata 8).
ENDING_LABELS: Final[dict[str, str]] = {
    "accommodation_secured_6_months_existing": "Accommodation secured for 6+ months: existing home",
    "accommodation_secured_6_months_alternative": (
        "Accommodation secured for 6+ months: alternative home"
    ),
    "56_days_elapsed": "56 days elapsed",
    "became_homeless": "Became homeless",
    "contact_lost": "Contact lost",
    "withdrew_or_deceased": "Withdrew or deceased",
    "refused_suitable_accommodation": "Refused suitable accommodation",
    "intentionally_homeless_from_accommodation_provided": (
        "Intentionally homeless from accommodation provided"
    ),
    "no_longer_eligible": "No longer eligible",
    "not_cooperating": "Not co-operating",
}

# Seed 000: "Just over half ... 25% ... 15% ... The remainder were either supported back to
# their home authority or rejected assistance" (O4 and O5 together).
PILOT: Final[dict[str, tuple[str, float]]] = {
    "O1": ("just over half", 50.0),
    "O2": ("25%", 25.0),
    "O3": ("15%", 15.0),
}
PILOT_REMAINDER: Final = ("the remainder, under 10%", 10.0)
PILOT_SERIES: Final = ("Here", "Pilot")
O5_PARTS: Final = ("O5a", "O5b", "O5")
"""What counts as O5: version 1.1 splits it; version 1.0's single O5 counts whole."""


def percent(count: int, of: int) -> int:
    """``count`` as a whole percentage of ``of``, halves rounded up (exact integer arithmetic)."""
    return (200 * count + of) // (2 * of)


@dataclass(frozen=True)
class Share:
    count: int
    of: int

    @property
    def percent(self) -> int | None:
        return None if self.of == 0 else percent(self.count, self.of)

    @property
    def text(self) -> str:
        return NO_CASES if self.of == 0 else f"{self.percent}% ({self.count} of {self.of})"


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: what it is, how long, and the figure printed beside it."""

    label: str
    value: float
    text: str


@dataclass(frozen=True)
class Group:
    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Line:
    """One row of a measure's table."""

    label: str
    count: int
    share: Share | None = None
    """None where the row is shown but not part of the rate (e.g. a duty still open)."""

    @property
    def text(self) -> str:
        return self.share.text if self.share is not None else str(self.count)


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    definition: str
    source: str
    chart: Literal["count", "percent"]
    headline: Line | None
    lines: tuple[Line, ...] = ()
    not_recorded: str | None = None
    """A part of the measure the cases do not record yet, and why."""
    unavailable: str | None = None
    """Why the whole measure cannot be shown yet."""

    @property
    def bars(self) -> tuple[Bar, ...]:
        if self.chart == "percent":
            return tuple(
                Bar(line.label, float(line.share.percent or 0), line.share.text)
                for line in self.lines
                if line.share is not None
            )
        return tuple(Bar(line.label, float(line.count), str(line.count)) for line in self.lines)


@dataclass(frozen=True)
class OutcomeRow:
    code: str
    label: str
    count: int
    share: Share
    pilot: str
    part_of: str | None = None
    """``O5`` for the rows that split it."""


@dataclass(frozen=True)
class OutcomeMix:
    key: str
    title: str
    definition: str
    source: str
    closed: int
    rows: tuple[OutcomeRow, ...]
    groups: tuple[Group, ...]
    series: tuple[str, ...] = PILOT_SERIES


@dataclass(frozen=True)
class RuleOnTime:
    rule_id: str
    title: str
    short_title: str
    on_time: int
    late: int
    not_due: int

    @property
    def share(self) -> Share:
        return Share(self.on_time, self.on_time + self.late)


@dataclass(frozen=True)
class OnTime:
    key: str
    title: str
    definition: str
    source: str
    rules: tuple[RuleOnTime, ...]

    @property
    def bars(self) -> tuple[Bar, ...]:
        return tuple(
            Bar(rule.short_title, float(rule.share.percent or 0), rule.share.text)
            for rule in self.rules
        )


def hours_text(hours: float) -> str:
    return f"{hours:.1f}"


@dataclass(frozen=True)
class FeedbackTimes:
    """The Requests for Support one authority (or all) received in the period, and the median
    time from receipt to feedback over those that have had it."""

    label: str
    received: int
    answered: int
    working_hours: float | None
    """None while no request has had its feedback."""
    clock_hours: float | None

    @property
    def awaiting(self) -> int:
        return self.received - self.answered

    @property
    def working_text(self) -> str:
        return "none yet" if self.working_hours is None else hours_text(self.working_hours)

    @property
    def clock_text(self) -> str:
        return "none yet" if self.clock_hours is None else hours_text(self.clock_hours)

    @property
    def text(self) -> str:
        if self.working_hours is None:
            return "no feedback yet"
        plural = "" if self.answered == 1 else "s"
        return f"{hours_text(self.working_hours)} working hours ({self.answered} request{plural})"


@dataclass(frozen=True)
class RfsFeedback:
    key: str
    title: str
    definition: str
    unit: str
    """Which hours the times are in, and why."""
    source: str
    period: ReportPeriod
    quarter_so_far: bool
    """The period was not chosen: the report's default."""
    overall: FeedbackTimes
    authorities: tuple[FeedbackTimes, ...]
    outcomes: tuple[Line, ...]
    """How many requests each triage decision answered, as a share of those answered."""

    @property
    def received_in(self) -> str:
        default = " (the quarter so far; the other measures count every case)"
        return f"Requests received {self.period.text}{default if self.quarter_so_far else ''}"

    @property
    def bars(self) -> tuple[Bar, ...]:
        return tuple(
            Bar(row.label, row.working_hours, row.text)
            for row in self.authorities
            if row.working_hours is not None
        )


@dataclass(frozen=True)
class KpiReport:
    generated_at: datetime
    scope: str
    """Whose cases are counted, in words."""
    prevention_owed: Measure
    relief_owed: Measure
    accommodation_secured: Measure
    prevention_to_relief: Measure
    relief_to_main: Measure
    relief_past_56_days: Measure
    outcome_mix: OutcomeMix
    on_time: OnTime
    rfs_feedback: RfsFeedback

    @property
    def duty_measures(self) -> tuple[Measure, ...]:
        """Seed 001's three measures, then its strategy's conversion and 56-day measures."""
        return (
            self.prevention_owed,
            self.relief_owed,
            self.accommodation_secured,
            self.prevention_to_relief,
            self.relief_to_main,
            self.relief_past_56_days,
        )


# The queries


DUTY_FACTS: Final = ("prevention_duty_from", "relief_duty_from", "lha_duty", "duty_outcome")


def _duty_facts(session: Session, filters: Sequence[ColumnElement[bool]]) -> Any:
    """The visible cases' duty facts, each read out of the JSON once per row.

    The OFFSET keeps the database from folding this into the aggregate above it, which would
    read each fact again wherever it is used; PostgreSQL's ``json`` type would even reparse the
    whole document each time, so there it is parsed once, as ``jsonb``.
    """
    facts: Any = col(Case.facts)
    if session.get_bind().dialect.name == "postgresql":
        facts = cast(facts, JSONB)
    return (
        select_columns(
            col(Case.authority_id).label("authority_id"),
            *(facts[name].as_string().label(name) for name in DUTY_FACTS),
        )
        .where(*filters)
        .offset(0)
        .subquery("duty_facts")
    )


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True)
class _Duties:
    """The visible cases of one authority owed an LHA duty whose latest duty ended one way
    (``outcome`` None: it is still open)."""

    authority_id: str
    outcome: str | None
    cases: int
    prevention: int
    relief: int
    moved_to_relief: int
    latest_prevention_not_moved: int
    latest_relief: int


def _duties(session: Session, filters: Sequence[ColumnElement[bool]]) -> list[_Duties]:
    facts = _duty_facts(session, filters)
    prevention, relief = facts.c.prevention_duty_from, facts.c.relief_duty_from
    duty, outcome = facts.c.lha_duty, facts.c.duty_outcome
    # ISO dates compare as text; relief from the same day or later is a move onward.
    moved = and_(prevention.is_not(None), relief.is_not(None), relief >= prevention)
    # More columns than sqlmodel's typed select takes, so SQLAlchemy's own.
    statement = (
        select_columns(
            facts.c.authority_id,
            outcome,
            func.count(),
            _count_if(prevention.is_not(None)),
            _count_if(relief.is_not(None)),
            _count_if(moved),
            _count_if(and_(duty == "prevention", not_(moved))),
            _count_if(duty == "relief"),
        )
        .where(duty.is_not(None))
        .group_by(facts.c.authority_id, outcome)
        .order_by(facts.c.authority_id)
    )
    return [
        _Duties(str(authority_id), None if ended is None else str(ended), *(int(n) for n in counts))
        for authority_id, ended, *counts in session.execute(statement)
    ]


def _outcome_codes(session: Session, filters: Sequence[ColumnElement[bool]]) -> dict[str, int]:
    statement = (
        select(Case.outcome_code, func.count())
        .where(
            *filters,
            col(Case.pathway) == YOUTH_1617.name,
            col(Case.status) == "closed",
            col(Case.outcome_code).is_not(None),
        )
        .group_by(col(Case.outcome_code))
    )
    return {str(code): int(n) for code, n in session.exec(statement)}


@dataclass(frozen=True)
class _RuleCounts:
    rule_id: str
    on_time: int
    late: int
    not_due: int
    still_open: int
    open_past_due: int


def _timer_rules(
    session: Session, filters: Sequence[ColumnElement[bool]], now: datetime
) -> list[_RuleCounts]:
    closed = col(Timer.status) == "closed"
    running = col(Timer.status).in_(("open", "warned"))
    # Breached, or past due and not yet swept: late either way (as case_views.is_overdue).
    open_past_due = or_(col(Timer.status) == "breached", and_(running, col(Timer.due_at) <= now))
    statement = (
        select_columns(
            col(Timer.rule_id),
            _count_if(and_(closed, col(Timer.closed_at) <= col(Timer.due_at))),
            _count_if(or_(and_(closed, col(Timer.closed_at) > col(Timer.due_at)), open_past_due)),
            _count_if(and_(running, col(Timer.due_at) > now)),
            _count_if(not_(closed)),
            _count_if(open_past_due),
        )
        .join(Case, col(Case.id) == col(Timer.case_id))
        .where(*filters)
        .group_by(col(Timer.rule_id))
    )
    return [
        _RuleCounts(str(rule_id), *(int(n) for n in counts))
        for rule_id, *counts in session.execute(statement)
    ]


@dataclass(frozen=True)
class _Request:
    authority_id: str
    received_at: datetime
    decision: str | None
    decided_at: datetime | None


def _rfs_requests(
    session: Session, filters: Sequence[ColumnElement[bool]], period: ReportPeriod
) -> list[_Request]:
    """Each request received in the period, with its triage decision if one is recorded: one
    query, the receipt step joined to the decision step of the same case."""
    received = aliased(CaseStep, name="received")
    decided = aliased(CaseStep, name="decided")
    decision_of_the_same_case = and_(
        col(decided.case_id) == col(received.case_id),
        col(decided.step).in_(RFS_TRIAGE_OUTCOMES),
    )
    statement = (
        select_columns(
            col(Case.authority_id),
            col(received.completed_at),
            col(decided.step),
            col(decided.completed_at),
        )
        .select_from(received)
        .join(Case, col(Case.id) == col(received.case_id))
        .outerjoin(decided, decision_of_the_same_case)
        .where(
            *filters,
            col(Case.pathway) == RFS_PATHWAY,
            col(received.step).in_(RFS_RECEIPT_STEPS),
            col(received.completed_at) >= period.since,
            col(received.completed_at) < period.until,
        )
    )
    return [
        _Request(str(authority_id), received_at, decision, decided_at)
        for authority_id, received_at, decision, decided_at in session.execute(statement)
    ]


def _authority_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Authority.id, Authority.name).where(col(Authority.id).in_(wanted))
    ).all()
    return dict(rows)


# The measures


def _owed(
    key: str, kind: str, section: str, counts: Sequence[tuple[str, int]], names: dict[str, str]
) -> Measure:
    total = sum(n for _, n in counts)
    statute = {"prevention": "s.195; Code ch.12 [G12]", "relief": "s.189B; Code ch.13 [G13]"}
    return Measure(
        key=key,
        title=f"Initial assessments owed a {kind} duty",
        definition=(
            f"Cases where a housing officer recorded that the LHA was satisfied the {kind} duty "
            f"({section}) is owed, whether or not it has ended since. Each case counts once, "
            "under the authority that owns it."
        ),
        source=f"{SEED_001}: 'Number of initial assessments owed a {kind} duty'; spec §8; "
        f"Housing Act 1996 {statute[kind]}",
        chart="count",
        headline=Line("Total", total),
        lines=tuple(Line(names.get(a, a), n) for a, n in counts if n),
    )


def _accommodation_secured(endings: dict[str, int]) -> Measure:
    ended = sum(endings.values())
    secured = sum(endings.get(code, 0) for code in SECURED)
    known = [code for code in get_args(DutyOutcome) if isinstance(code, str)]
    codes = [*known, *sorted(code for code in endings if code not in known)]
    return Measure(
        key="accommodation-secured",
        title="Applicants securing accommodation for 6 months or more",
        definition=(
            "Of the cases whose latest LHA duty (prevention or relief) has ended, the share where "
            "it ended with accommodation secured for 6 months or more, in the existing home or "
            "an alternative one. The rows give every reason a duty was recorded as ending. A "
            "case whose duty is still open is not counted yet."
        ),
        source=f"{SEED_001}: 'Percentage of applicants securing accommodation for six months "
        "or more'; spec §8 reason-duty-ended codes (one council's categories, errata 8)",
        chart="percent",
        headline=Line("Accommodation secured for 6+ months", secured, Share(secured, ended)),
        lines=tuple(
            Line(
                ENDING_LABELS.get(code, code.replace("_", " ")),
                endings.get(code, 0),
                Share(endings.get(code, 0), ended),
            )
            for code in codes
        ),
    )


def _prevention_to_relief(moved: int, still_open: int, owed: int) -> Measure:
    other = owed - moved - still_open
    ended = moved + other
    return Measure(
        key="prevention-to-relief",
        title="Prevention cases moving to the relief duty",
        definition=(
            "Of the cases owed a prevention duty that has ended, the share owed the relief duty "
            "afterwards on the same case. A prevention duty still open is shown but not counted "
            "yet."
        ),
        source=f"{SEED_001} objective: 'reduce the number of homeless prevention cases moving "
        "to the homeless relief stage'; spec §8",
        chart="percent",
        headline=Line("Moved to the relief duty", moved, Share(moved, ended)),
        lines=(
            Line("Moved to the relief duty", moved, Share(moved, ended)),
            Line("Prevention duty ended another way", other, Share(other, ended)),
            Line("Prevention duty still open (not counted yet)", still_open),
        ),
    )


def _relief_to_main(into_main: int, ended: int, still_open: int) -> Measure:
    other = ended - into_main
    return Measure(
        key="relief-to-main",
        title="Relief cases moving to the main duty decision stage",
        definition=(
            "Of the cases whose relief duty has ended, the share where it ended because 56 days "
            "passed with the applicant still homeless ('56 days elapsed'): the route seed 001 "
            "describes into the main duty decision stage. A relief duty still open is shown but "
            "not counted yet."
        ),
        source=f"{SEED_001} objective: 'reduce the number of homeless relief cases moving into "
        "the main homeless duty decision stage'; spec §8; Code ch.14 [G14]",
        chart="percent",
        headline=Line("Moved to the main duty decision stage", into_main, Share(into_main, ended)),
        lines=(
            Line("Moved to the main duty decision stage", into_main, Share(into_main, ended)),
            Line("Relief duty ended another way", other, Share(other, ended)),
            Line("Relief duty still open (not counted yet)", still_open),
        ),
        not_recorded=MAIN_DUTY_NOT_RECORDED,
    )


def _relief_past_56_days(open_duties: int, past: int) -> Measure:
    return Measure(
        key="relief-past-56-days",
        title="Relief cases past 56 days",
        definition=(
            "Relief duties still open, with no outcome recorded, whose 56-day period has ended: "
            "the relief duty timer (T11) is past its end date, counted as the authority counts "
            "the period (spec §0.1). The share is of every relief duty still open."
        ),
        source=f"{SEED_001}: 'a higher level of relief cases where 56 days had elapsed without "
        "finding a housing solution'; spec §8; T11, Housing Act 1996 s.189B",
        chart="percent",
        headline=Line("Past day 56", past, Share(past, open_duties)),
        lines=(
            Line("Past day 56", past, Share(past, open_duties)),
            Line("Within 56 days", open_duties - past, Share(open_duties - past, open_duties)),
        ),
    )


def _outcome_rows(codes: dict[str, int], closed: int) -> list[OutcomeRow]:
    labels = get_definition(YOUTH_1617.name).outcomes
    unsplit = get_definition(YOUTH_1617.name, "1.0").outcomes["O5"]
    pilots = {code: text for code, (text, _) in PILOT.items()}
    pilots |= {"O4": f"{PILOT_REMAINDER[0]}, with O5", "O5": f"{PILOT_REMAINDER[0]}, with O4"}
    o5 = sum(codes.get(code, 0) for code in O5_PARTS)
    rows = [
        OutcomeRow(code, labels[code], codes.get(code, 0), Share(codes.get(code, 0), closed), pilot)
        for code, pilot in pilots.items()
        if code != "O5"
    ]
    rows.append(OutcomeRow("O5", unsplit, o5, Share(o5, closed), pilots["O5"]))
    parts = [("O5a", labels["O5a"]), ("O5b", labels["O5b"])]
    if codes.get("O5"):
        parts.append(("O5", f"{unsplit} (closed under version 1.0, not split)"))
    rows.extend(
        OutcomeRow(
            code,
            label,
            codes.get(code, 0),
            Share(codes.get(code, 0), closed),
            "not split in the pilot",
            part_of="O5",
        )
        for code, label in parts
    )
    return rows


def _outcome_groups(codes: dict[str, int], closed: int) -> list[Group]:
    labels = get_definition(YOUTH_1617.name).outcomes

    def here(count: int) -> Bar:
        share = Share(count, closed)
        return Bar(PILOT_SERIES[0], float(share.percent or 0), share.text)

    def pilot(text: str, value: float) -> Bar:
        return Bar(PILOT_SERIES[1], value, text)

    groups = [
        Group(f"{code} {labels[code]}", (here(codes.get(code, 0)), pilot(text, value)))
        for code, (text, value) in PILOT.items()
    ]
    rest = codes.get("O4", 0) + sum(codes.get(code, 0) for code in O5_PARTS)
    groups.append(
        Group(
            "O4 and O5: back to their home authority, or rejected assistance",
            (here(rest), pilot(*PILOT_REMAINDER)),
        )
    )
    return groups


def _outcome_mix(codes: dict[str, int]) -> OutcomeMix:
    closed = sum(codes.values())
    return OutcomeMix(
        key="outcome-mix",
        title="16/17-year-old intake: outcomes beside the 2011/12 pilot",
        definition=(
            "Closed cases of the 16/17-year-old intake, by outcome code. O5 is version 1.1's "
            "O5a (declined s.20 after full advice) and O5b (rejected all help) together, with "
            "any closed under version 1.0's single O5. The pilot gave O4 and O5 together as "
            "'the remainder', so the chart compares them as one group; its shares are of the "
            "young people interviewed at initial enquiry."
        ),
        source=f"{SEED_000}: 'Results in the pilot period'; spec §2 outcome codes; errata 10",
        closed=closed,
        rows=tuple(_outcome_rows(codes, closed)),
        groups=tuple(_outcome_groups(codes, closed)),
    )


def _on_time(counts: list[_RuleCounts]) -> OnTime:
    order = {rule_id: i for i, rule_id in enumerate(RULES)}
    rules = []
    for row in sorted(counts, key=lambda row: (order.get(row.rule_id, len(order)), row.rule_id)):
        rule = RULES.get(row.rule_id)
        title = rule.title if rule else row.rule_id
        short = (rule.short_title or rule.title) if rule else row.rule_id
        rules.append(RuleOnTime(row.rule_id, title, short, row.on_time, row.late, row.not_due))
    return OnTime(
        key="on-time",
        title="Timers met on time, by rule",
        definition=(
            "For each deadline rule, the timers closed by their due time, as a share of those "
            "settled: closed on time, closed late, or past due and still open. Timers running "
            "and not yet due are shown but not counted yet. A timer stopped because its case "
            "closed counts as closed when the case closed."
        ),
        source="Spec §1 master timer table; each rule's citation in the deadline table "
        "(pathways deadline --help)",
        rules=tuple(rules),
    )


def _office_hours(authority_id: str) -> OfficeHours:
    # A case of an authority no longer configured is still counted, on the default day.
    try:
        return office_hours_for(authority_id)
    except UnknownAuthorityError:
        return DEFAULT_OFFICE_HOURS


def _feedback_times(label: str, requests: Sequence[_Request]) -> FeedbackTimes:
    answered = [(r.authority_id, r.received_at, r.decided_at) for r in requests if r.decided_at]
    hours = {authority_id: _office_hours(authority_id) for authority_id, _, _ in answered}
    working = [office_time_between(a, b, hours[who]) / HOUR for who, a, b in answered]
    clock = [(b - a) / HOUR for _, a, b in answered]
    return FeedbackTimes(
        label,
        received=len(requests),
        answered=len(answered),
        working_hours=median(working) if working else None,
        clock_hours=median(clock) if clock else None,
    )


def _rfs_feedback(
    requests: Sequence[_Request], period: ReportPeriod, chosen: bool, names: dict[str, str]
) -> RfsFeedback:
    by_authority: dict[str, list[_Request]] = {}
    for request in requests:
        by_authority.setdefault(request.authority_id, []).append(request)
    answered = sum(1 for r in requests if r.decided_at)
    decisions = [r.decision for r in requests]
    return RfsFeedback(
        key="rfs-feedback",
        title="Median time from a Request for Support to feedback",
        definition=(
            "Requests for Support received by the Integrated Front Door in the period (sent by "
            "the LHA with consent or on the NRPF route, or by the Safeguarding Lead without "
            "consent), and the median time from receipt to the triage decision, which is the "
            "feedback to the LHA referrer (spec §4, C3 to C5). A request still waiting for its "
            "decision is shown but not counted in the median yet. Each request counts under "
            "the authority that owns the case."
        ),
        unit=(
            "Times are in working hours: the authority's office hours (09:00 to 17:00 unless "
            "it has configured its own), Monday to Friday except bank holidays. The triage "
            "standard is counted in working days (1 working day after the day of receipt), so "
            "a request sent on a Friday evening and answered on Monday morning was not waiting "
            "on the front door all weekend. The hours on the clock, what the family waited, "
            "are in the table beside them."
        ),
        source="Spec §4 Pathway C ('KPI: time from RFS to feedback'); seed 002 'Role of the "
        "Integrated Front Door Service'; T07 (rfs-triage)",
        period=period,
        quarter_so_far=not chosen,
        overall=_feedback_times("All authorities", requests),
        authorities=tuple(
            _feedback_times(names.get(authority_id, authority_id), rows)
            for authority_id, rows in sorted(by_authority.items())
        ),
        outcomes=tuple(
            Line(label, decisions.count(step), Share(decisions.count(step), answered))
            for step, label in RFS_TRIAGE_OUTCOMES.items()
        ),
    )


def _scope(viewer: Acting, names: dict[str, str]) -> str:
    if viewer.principal.is_system:
        return "Cases of every authority."
    covered = sorted(names.get(a, a) for a in viewer.principal.covers)
    if not covered:
        return "Cases shared with you."
    return f"Cases of {', '.join(covered)}, and cases shared with them."


def _by_authority(
    duties: Sequence[_Duties], owed: Callable[[_Duties], int]
) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for row in duties:
        counts[row.authority_id] = counts.get(row.authority_id, 0) + owed(row)
    return sorted(counts.items())


def kpi_report(
    session: Session, viewer: Acting, now: datetime, period: ReportPeriod | None = None
) -> KpiReport:
    """Every KPI over the cases ``viewer`` may see, as of ``now``: four queries (and one for
    the authorities' names), however many cases there are. The Request for Support measure
    covers the requests received in ``period``, by default the quarter so far (as the reports
    page); the other measures count every case."""
    filters = case_filters(viewer.principal, None, None)
    duties = _duties(session, filters)
    rules = _timer_rules(session, filters, now)
    rfs_period = period or quarter_to_date(london_date(now))
    requests = _rfs_requests(session, filters, rfs_period)
    names = _authority_names(
        session,
        [d.authority_id for d in duties]
        + [r.authority_id for r in requests]
        + list(viewer.principal.covers),
    )
    ended = [d for d in duties if d.outcome is not None]
    still_open = [d for d in duties if d.outcome is None]
    relief = next((r for r in rules if r.rule_id == RELIEF_RULE), None)
    endings: dict[str, int] = {}
    for row in ended:
        endings[str(row.outcome)] = endings.get(str(row.outcome), 0) + row.cases
    return KpiReport(
        generated_at=now,
        scope=_scope(viewer, names),
        prevention_owed=_owed(
            "prevention-owed",
            "prevention",
            "s.195",
            _by_authority(duties, lambda d: d.prevention),
            names,
        ),
        relief_owed=_owed(
            "relief-owed", "relief", "s.189B", _by_authority(duties, lambda d: d.relief), names
        ),
        accommodation_secured=_accommodation_secured(endings),
        prevention_to_relief=_prevention_to_relief(
            moved=sum(d.moved_to_relief for d in duties),
            still_open=sum(d.latest_prevention_not_moved for d in still_open),
            owed=sum(d.prevention for d in duties),
        ),
        relief_to_main=_relief_to_main(
            into_main=sum(d.latest_relief for d in ended if d.outcome == INTO_MAIN_DUTY_STAGE),
            ended=sum(d.latest_relief for d in ended),
            still_open=sum(d.latest_relief for d in still_open),
        ),
        relief_past_56_days=_relief_past_56_days(
            relief.still_open if relief else 0, relief.open_past_due if relief else 0
        ),
        outcome_mix=_outcome_mix(_outcome_codes(session, filters)),
        on_time=_on_time(rules),
        rfs_feedback=_rfs_feedback(requests, rfs_period, period is not None, names),
    )
