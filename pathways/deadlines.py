"""The deadline rule registry (spec §1 timers, §10 conflicts, §13 errata) and ``compute_deadline``.

Pure: no I/O. Per-authority overrides arrive as a plain mapping so the caller decides
where they come from (``infrastructure.authority_config.rule_overrides_for`` or a per-case
override recorded with a reason).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Literal

from pathways.calendar import (
    LONDON,
    add_clock_hours,
    add_months,
    add_working_days,
    birthday,
    end_of_day,
    london_date,
    next_working_day_not_friday,
    period_beginning_with,
    start_of_day,
    to_london,
    working_days_before,
)

Unit = Literal["hours", "days", "weeks", "working_days", "months"]
Status = Literal["statute", "guidance", "local", "assumption", "conflict"]
Convention = Literal[
    "clock-hours",
    "more-than-clock-hours",
    "same-day-at-least-clock-hours",
    "days-beginning-with",
    "weeks-beginning-with",
    "days-after",
    "working-days-after",
    "working-days-before",
    "months-after",
    "birthday-months-after",
    "birthday-months-before",
    "eve-of-birthday",
    "days-before",
    "days-after+not-on-friday",
]

_LEAP_DAY_NOTE = "A 29 February birthday falls on 28 February in a non-leap year."
_MONTH_END_NOTE = (
    "A day that does not exist in the target month becomes that month's last day "
    "(31 August + 6 months = 28/29 February; 29 February + 12 months = 28 February)."
)


class UnknownRuleError(LookupError):
    def __init__(self, rule_id: str) -> None:
        super().__init__(f"unknown rule '{rule_id}' (valid: {', '.join(sorted(RULES))})")
        self.rule_id = rule_id


class OverrideError(ValueError):
    """An override the rule does not allow; the message names the rule and why."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    default: int
    unit: Unit
    convention: Convention
    convention_text: str
    citation: str
    overridable_per_authority: bool
    status: Status
    # Only the birthday conventions use it: the age whose birthday anchors the period.
    anchor_age: int | None = None
    # An authority may only shorten the period, never lengthen it past the default.
    override_at_most_default: bool = False
    # An override may only lengthen the period: the default is a statutory minimum.
    override_at_least_default: bool = False
    # Why the override has a limit, named in the refusal (e.g. the statute that sets it).
    override_limit_basis: str | None = None
    # What ``pathways deadline --help`` lists beside the id (the title when unset).
    short_title: str | None = None

    @property
    def is_datetime(self) -> bool:
        return self.convention in _CLOCK_COUNTERS


def warning_point(start_at: datetime, due_at: datetime, fraction: float) -> datetime:
    """The moment ``fraction`` of the way from ``start_at`` to ``due_at`` (e.g. 0.75).

    Elapsed time is measured in UTC so a clock change does not shift the warning.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"warning fraction must be between 0 and 1, got {fraction}")
    start_utc = to_london(start_at).astimezone(UTC)
    due_utc = to_london(due_at).astimezone(UTC)
    if due_utc < start_utc:
        raise ValueError(
            "warning points apply to timers running forward; this deadline is before its start"
        )
    return (start_utc + (due_utc - start_utc) * fraction).astimezone(LONDON)


@dataclass(frozen=True, slots=True)
class Deadline:
    rule: Rule
    amount: int
    start_at: datetime
    due_date: date
    due_at: datetime
    is_datetime: bool

    def warn_at(self, fraction: float, start_at: datetime | None = None) -> datetime:
        """``warning_point`` from ``start_at`` (default: this deadline's own start)."""
        return warning_point(start_at or self.start_at, self.due_at, fraction)

    @property
    def due_iso(self) -> str:
        """ISO date for day rules, ISO datetime with offset for the exact-instant rules."""
        return self.due_at.isoformat() if self.is_datetime else self.due_date.isoformat()


def _by_birthday_after(rule: Rule, start: date, amount: int) -> date:
    return add_months(birthday(start, _anchor_age(rule)), amount)


def _by_birthday_before(rule: Rule, start: date, amount: int) -> date:
    return add_months(birthday(start, _anchor_age(rule)), -amount)


def _anchor_age(rule: Rule) -> int:
    if rule.anchor_age is None:
        raise ValueError(f"rule '{rule.id}' uses a birthday convention but has no anchor_age")
    return rule.anchor_age


# Day-based conventions: (rule, start date, amount) -> due date.
_DATE_COUNTERS: Mapping[str, Callable[[Rule, date, int], date]] = {
    "days-beginning-with": lambda _r, d, n: period_beginning_with(d, n),
    "weeks-beginning-with": lambda _r, d, n: period_beginning_with(d, 7 * n),
    "days-after": lambda _r, d, n: d + timedelta(days=n),
    "days-before": lambda _r, d, n: d - timedelta(days=n),
    "working-days-after": lambda _r, d, n: add_working_days(d, n),
    "working-days-before": lambda _r, d, n: working_days_before(d, n),
    "months-after": lambda _r, d, n: add_months(d, n),
    "birthday-months-after": _by_birthday_after,
    "birthday-months-before": _by_birthday_before,
    "eve-of-birthday": lambda r, d, n: _by_birthday_after(r, d, n) - timedelta(days=1),
    "days-after+not-on-friday": lambda _r, d, n: next_working_day_not_friday(d + timedelta(days=n)),
}


def _more_than_clock_hours(start_at: datetime, hours: int) -> datetime:
    # The sweep treats due_at <= now as reached, and at exactly N hours the period has lasted
    # N hours, not more: the first whole minute past it is the first the sweep may act in.
    past = add_clock_hours(start_at, hours).astimezone(UTC) + timedelta(minutes=1)
    return past.astimezone(LONDON)


def _same_day_at_least_clock_hours(start_at: datetime, hours: int) -> datetime:
    return max(end_of_day(start_at.date()), add_clock_hours(start_at, hours))


# Exact-instant conventions: (start instant in Europe/London, amount) -> due instant.
_CLOCK_COUNTERS: Mapping[str, Callable[[datetime, int], datetime]] = {
    "clock-hours": add_clock_hours,
    "more-than-clock-hours": _more_than_clock_hours,
    "same-day-at-least-clock-hours": _same_day_at_least_clock_hours,
}


_RULE_LIST: tuple[Rule, ...] = (
    Rule(
        id="joint-visit-1617",
        title="First joint meeting with family and 16/17-year-old",
        short_title="Joint visit to family and young person",
        default=24,
        unit="hours",
        convention="clock-hours",
        convention_text=(
            "24 clock hours of real elapsed time from the young person's first enquiry; "
            "a clock change does not add or remove an hour."
        ),
        citation="T01; seed 000 [S000] (Dartford/KCC co-located model). Local: no statutory "
        "equivalent; an out-of-hours fallback is needed.",
        overridable_per_authority=True,
        status="local",
    ),
    Rule(
        id="same-day",
        title="Emergency accommodation for a 16/17-year-old with nowhere safe to stay tonight",
        default=4,
        unit="hours",
        convention="same-day-at-least-clock-hours",
        convention_text=(
            "The same day, but never less than 4 clock hours (the authority may set another "
            "number): due at 23:59 Europe/London on the day the young person asked for help, "
            "or 4 real hours after the enquiry if that is later, so an enquiry at 22:30 is "
            "due at 02:30 the next day."
        ),
        citation="T02; Provision of accommodation for 16 and 17 year olds who may be homeless "
        "and/or require accommodation (2018 guidance), as quoted in [P-NOTTS]; [NHAS-1617]. "
        "Minimum N hours: ASSUMPTION (product default, to be confirmed by Kent); out of "
        "hours the Kent & Medway OOH service is alerted (seed 002 'Out of hours').",
        overridable_per_authority=True,
        status="assumption",
        short_title="Emergency accommodation tonight",
    ),
    Rule(
        id="looked-after-24h",
        title="s.20 accommodation lasting more than 24 hours: the young person is looked after",
        default=24,
        unit="hours",
        convention="more-than-clock-hours",
        convention_text=(
            "More than 24 clock hours of real elapsed time from the start of the s.20 "
            "placement: due at start + 24 hours + 1 minute, the first whole minute in which "
            "the accommodation has lasted more than 24 hours (at exactly 24 hours it has not); "
            "a clock change does not add or remove an hour."
        ),
        citation="T03; Children Act 1989 s.22(2) (spec errata 1: not s.20); [P-NOTTS].",
        overridable_per_authority=False,
        status="statute",
        short_title="Looked after: s.20 for over 24 hours",
    ),
    Rule(
        id="prevention-duty",
        title="Prevention duty (s.195) ends",
        default=56,
        unit="days",
        convention="days-beginning-with",
        convention_text=(
            "56 days beginning with the day the LHA is first satisfied: that day is day 1, "
            "so the period ends at 23:59 on start + 55 days."
        ),
        citation="T10; Housing Act 1996 s.195; Code ch.12 [G12]; [SH-PREV]. Seed 002 agrees. "
        "Cannot end on 56 days elapsed where the threat is a valid s.21 notice.",
        overridable_per_authority=False,
        status="statute",
    ),
    Rule(
        id="relief-duty",
        title="Relief duty (s.189B) ends",
        default=56,
        unit="days",
        convention="days-beginning-with",
        convention_text=(
            "56 days beginning with the day the LHA is first satisfied: that day is day 1, "
            "so the period ends at 23:59 on start + 55 days."
        ),
        citation="T11; Housing Act 1996 s.189B(4) (wording to be verified against "
        "legislation.gov.uk); Code ch.13-14 [G13, G14]; [SH-REL].",
        overridable_per_authority=False,
        status="statute",
    ),
    Rule(
        id="review-request",
        title="Last day to request a s.202 review",
        default=21,
        unit="days",
        convention="days-beginning-with",
        convention_text=(
            "21 days beginning with the day of (deemed) notification: that day is day 1, "
            "so the window ends at 23:59 on start + 20 days."
        ),
        citation="T12; Housing Act 1996 s.202(3) [L4]; Code ch.19 [G19]. CONFLICT C1: seed 002 "
        "says 28 days; use 28 only where the LHA confirms a written extension policy. Errata 18: "
        "a decision letter giving a longer period is itself a written allowance; never shorter.",
        overridable_per_authority=True,
        status="conflict",
        override_at_least_default=True,
        override_limit_basis="Housing Act 1996 s.202(3) allows a longer period in writing, "
        "never a shorter one",
    ),
    Rule(
        id="review-decision",
        title="s.202 review decision due (8 weeks)",
        default=8,
        unit="weeks",
        convention="weeks-beginning-with",
        convention_text=(
            "8 weeks beginning with the day the review request is made: that day is day 1, "
            "so the period ends at 23:59 on start + 55 days."
        ),
        citation="T13; SI 2018/223 reg.9 [L6]; spec §10 C2. Extendable only by written "
        "agreement between applicant and reviewer (per case, not per authority).",
        overridable_per_authority=False,
        status="statute",
    ),
    Rule(
        id="review-decision-short",
        title="s.202 review decision due (3 weeks: PHP steps, prevention non-cooperation)",
        short_title="s.202 review decision due (3 weeks)",
        default=3,
        unit="weeks",
        convention="weeks-beginning-with",
        convention_text=(
            "3 weeks beginning with the day the request (or, under reg.7, the applicant's "
            "representations) is received: that day is day 1, so due = start + 20 days."
        ),
        citation="T13; SI 2018/223 reg.9 [L6]; errata 3: s.202(1)(ba)(i), (bb), (bc). "
        "Extendable only by written agreement.",
        overridable_per_authority=False,
        status="statute",
    ),
    Rule(
        id="review-decision-local-connection",
        title="s.202 review decision due (10 weeks: joint local-connection review)",
        short_title="s.202 review decision due (10 weeks)",
        default=10,
        unit="weeks",
        convention="weeks-beginning-with",
        convention_text=(
            "10 weeks beginning with the day the review request is made: that day is day 1, "
            "so the period ends at 23:59 on start + 69 days."
        ),
        citation="T13; SI 2018/223 reg.9 [L6]; errata 3: joint reviews of local-connection "
        "referrals only. Extendable only by written agreement.",
        overridable_per_authority=False,
        status="statute",
    ),
    Rule(
        id="review-decision-appointed",
        title="s.202 review decision due (12 weeks: review by an appointed person)",
        short_title="s.202 review decision due (12 weeks)",
        default=12,
        unit="weeks",
        convention="weeks-beginning-with",
        convention_text=(
            "12 weeks beginning with the day the review request is made: that day is day 1, "
            "so the period ends at 23:59 on start + 83 days."
        ),
        citation="T13; SI 2018/223 reg.9 [L6]; spec §10 C2: 12 weeks where the review is "
        "carried out by an appointed person rather than an officer of the authority. "
        "Extendable only by written agreement (reg.9(2)).",
        overridable_per_authority=False,
        status="statute",
    ),
    Rule(
        id="review-decision-extended",
        title="s.202 review decision due (date agreed in writing)",
        short_title="s.202 review decision due (agreed date)",
        # Zero: the agreed date is itself the deadline, not the start of a period.
        default=0,
        unit="days",
        convention="days-after",
        convention_text=(
            "Start is the date the applicant and the reviewer agreed in writing: the decision "
            "is due by 23:59 on that day itself (start + 0 days)."
        ),
        citation="T13; SI 2018/223 reg.9(2) [L6]; spec errata 3: every reg.9 period can be "
        "extended by written agreement between the applicant and the reviewer. The date is "
        "the case's own, agreed and recorded; no authority may change it.",
        overridable_per_authority=False,
        status="statute",
    ),
    Rule(
        id="county-court-appeal",
        title="Last day to appeal to the county court (s.204)",
        short_title="Last day to appeal to the county court",
        default=21,
        unit="days",
        convention="days-after",
        convention_text=(
            "Within 21 days of being notified of the review decision: the day of "
            "notification is excluded, so the window ends at 23:59 on start + 21 days."
        ),
        citation="T14; Housing Act 1996 s.204(2); [SNL] (secondary source). The court may "
        "allow a late appeal for good reason (s.204(2A)). Errata 19: where the review decision "
        "is not notified in time (s.204(1)(b)), start is the day it was due.",
        overridable_per_authority=False,
        status="statute",
    ),
    Rule(
        id="rfs-triage",
        title="ICS decision on a referral / Request for Support",
        short_title="ICS decision on a Request for Support",
        default=1,
        unit="working_days",
        convention="working-days-after",
        convention_text=(
            "1 working day after the day the request is received; weekends and England & "
            "Wales bank holidays do not count."
        ),
        citation="T07; Working Together to Safeguard Children [P-TEES, P-SUSSEX]; errata 7: "
        "confirmed only from secondary sources, configurable.",
        overridable_per_authority=True,
        status="guidance",
    ),
    Rule(
        id="cf-assessment",
        title="Child and family assessment complete",
        default=45,
        unit="working_days",
        convention="working-days-after",
        convention_text=(
            "45 working days after the day of referral; weekends and England & Wales bank "
            "holidays do not count."
        ),
        citation="T08; Working Together to Safeguard Children [P-TEES, P-BUCKS]; spec §10 C3; "
        "errata 7: confirmed only from secondary sources, configurable.",
        overridable_per_authority=True,
        status="guidance",
    ),
    Rule(
        id="escalation-step",
        title="Professional-disagreement escalation step",
        default=5,
        unit="working_days",
        convention="working-days-after",
        convention_text=(
            "5 working days after the day the escalation is raised at this level; weekends "
            "and England & Wales bank holidays do not count."
        ),
        citation="T25; spec §7 (seed 002 chain). ASSUMPTION: no source found for the period.",
        overridable_per_authority=True,
        status="assumption",
    ),
    Rule(
        id="ih-reasonable-notice",
        title="End of accommodation after an IH decision (reasonable period, s.190(2)(a))",
        short_title="End of accommodation after an IH decision",
        default=28,
        unit="days",
        convention="days-after+not-on-friday",
        convention_text=(
            "28 days after the s.184 notification; if that is a Friday, weekend day or bank "
            "holiday, the next working Monday to Thursday."
        ),
        citation="T15 + T16; Housing Act 1996 s.190(2)(a) [L3]; seed 002 'generally around "
        "28 days' and 'not on a Friday' (LHA policy); [SH-IHPN]. Spec §10 C8: statute sets "
        "no number; a per-case override needs a recorded reason.",
        overridable_per_authority=True,
        status="local",
    ),
    Rule(
        id="ih-signoff-sla",
        title="Senior sign-off of an intentionality decision",
        short_title="Senior sign-off of an IH decision",
        default=5,
        unit="working_days",
        convention="working-days-after",
        convention_text=(
            "5 working days after the day the sign-off is requested; weekends and England & "
            "Wales bank holidays do not count."
        ),
        citation="Spec §5 D3 (no timer number in §1); seed 004 §1.2, §2.10 [S004] (joint "
        "senior sign-off; no period given). ASSUMPTION: 5 working days SLA, configurable.",
        overridable_per_authority=True,
        status="assumption",
    ),
    Rule(
        id="ih-eviction-notice-to-ics",
        title="Tell children's services the accommodation end date",
        short_title="Tell ICS the accommodation end date",
        default=5,
        unit="working_days",
        convention="working-days-before",
        convention_text=(
            "Start is the accommodation end date: due on the last working day that is at "
            "least 5 working days before it, the latest working day whose 5th working day "
            "after is on or before the end date (the end date counts when it is a working "
            "day); weekends and England & Wales bank holidays do not count. End date Thursday "
            "28 January 2027: due Thursday 21 January."
        ),
        citation="T15 + T16 (the end date it counts back from); spec §5 Pathway D "
        "notifications (D9): the eviction date goes to ICS at least 5 working days ahead "
        "(ASSUMPTION), consistent with [S002]. Errata 23: sharing it needs the family's "
        "s.213A consent or a recorded override.",
        overridable_per_authority=True,
        status="assumption",
    ),
    Rule(
        id="s208-notice",
        title="s.208 out-of-district placement notice to the host LHA",
        default=14,
        unit="days",
        convention="days-beginning-with",
        convention_text=(
            "Before the end of the period of 14 days beginning with the day the accommodation "
            "was made available: that day is day 1, so the last day is start + 13 days."
        ),
        citation="T22; Housing Act 1996 s.208(4) as amended [L11] (spec errata 9). Enfield v A "
        "[2025] EWCA Civ 1355: a late notice does not invalidate the placement, but it is "
        "still a breach to report.",
        overridable_per_authority=False,
        status="statute",
        short_title="s.208 notice to the host LHA",
    ),
    Rule(
        id="bb-stay",
        title="Bed and breakfast stay for a 16/17-year-old",
        short_title="B&B stay for a 16/17-year-old",
        default=6,
        unit="weeks",
        convention="weeks-beginning-with",
        convention_text=(
            "At most 6 weeks beginning with the day of the placement: that day is day 1, so "
            "the stay must have ended by 23:59 on start + 41 days."
        ),
        citation="T24; [SH-BB]; spec errata 2: B&B is unsuitable for 16/17-year-olds under the "
        "Homelessness Code of Guidance, at most a last-resort emergency measure. The 6 weeks of "
        "the Suitability of Accommodation Order 2003 art.3 is for applicants with family "
        "commitments, so this limit is the spec's; an authority may set a shorter one only.",
        overridable_per_authority=True,
        status="guidance",
        override_at_most_default=True,
    ),
    Rule(
        id="needs-assessment",
        title="Needs assessment for an eligible child",
        default=3,
        unit="months",
        convention="birthday-months-after",
        convention_text=(
            "Start is the date of birth: 3 calendar months after the 16th birthday. "
            + _LEAP_DAY_NOTE
            + " "
            + _MONTH_END_NOTE
        ),
        citation="T17; SI 2010/959 reg.42(1) [L9]: for a young person already an eligible "
        "child at 16. One who becomes eligible after 16 is counted from that date instead, by "
        "'needs-assessment-after-eligibility' (spec errata 13). " + _LEAP_DAY_NOTE,
        overridable_per_authority=False,
        status="statute",
        anchor_age=16,
    ),
    Rule(
        id="needs-assessment-after-eligibility",
        title="Needs assessment for a child who became eligible after 16",
        default=3,
        unit="months",
        convention="months-after",
        convention_text=(
            "Start is the day the young person became an eligible child (13 weeks looked after "
            "since 14, counting the day they became looked after as day 1): 3 calendar months "
            "after it. " + _MONTH_END_NOTE
        ),
        citation="T17; SI 2010/959 reg.42(1) [L9] ('not more than three months after the date "
        "on which C ... becomes an eligible child after that age'); reg.40(1) and Children Act "
        "1989 Sch.2 para 19B(2) (13 weeks looked after since 14); spec errata 13: never due "
        "before the young person became eligible.",
        overridable_per_authority=False,
        status="statute",
    ),
    Rule(
        id="pathway-plan-review",
        title="Pathway plan review",
        default=6,
        unit="months",
        convention="months-after",
        convention_text=(
            "6 calendar months after the last review (sooner on request or a significant "
            "change). " + _MONTH_END_NOTE
        ),
        citation="T18; Care Leavers (England) Regulations 2010 (to be confirmed) [L10] "
        "(errata 6); [P-NORF]. Configurable. " + _LEAP_DAY_NOTE,
        overridable_per_authority=True,
        status="guidance",
    ),
    Rule(
        id="pre18-panel",
        title="Pre-18 multi-agency panel listing",
        default=6,
        unit="months",
        convention="birthday-months-before",
        convention_text=(
            "Start is the date of birth: 6 calendar months before the 18th birthday (the "
            "birthday is found first, then the months are counted back). "
            + _LEAP_DAY_NOTE
            + " "
            + _MONTH_END_NOTE
        ),
        citation="T20; seed 004 §2.2 [S004], seed 001 [S001] (no timing given). ASSUMPTION. "
        + _LEAP_DAY_NOTE,
        overridable_per_authority=True,
        status="assumption",
        anchor_age=18,
    ),
    Rule(
        id="age-25",
        title="The applicant turns 25",
        short_title="The applicant turns 25",
        # Zero: the birthday itself, the day the Act's "under 25" ends.
        default=0,
        unit="months",
        convention="eve-of-birthday",
        convention_text=(
            "Start is the date of birth: due at the end of the day before the 25th birthday, so "
            "the applicant counts as 25 from the first moment of the birthday, the day the "
            "Act's 'under 25' ends. " + _LEAP_DAY_NOTE
        ),
        citation="Spec §5 (law change) and errata 5; Housing Act 1996 s.191(1ZA)-(1C) as "
        "inserted by the Children's Wellbeing and Schools Act 2026 s.9 [L7]: a relevant or "
        "former relevant child under 25 cannot be found intentionally homeless. Prospective: "
        "not in force until regulations under s.78(5) commence it. " + _LEAP_DAY_NOTE,
        overridable_per_authority=False,
        status="statute",
        anchor_age=25,
    ),
    Rule(
        id="move-agreement",
        title="Latest date to agree a planned accommodation move",
        short_title="Latest date to agree a planned move",
        default=28,
        unit="days",
        convention="days-before",
        convention_text="Start is the planned move date: the plan must be agreed by start - 28 "
        "calendar days.",
        citation="T19; seed 004 §2.2 [S004]. ASSUMPTION: the seed gives no unit; calendar days.",
        overridable_per_authority=True,
        status="assumption",
    ),
    Rule(
        id="accommodation-plan-by-18",
        title="Accommodation plan agreed before the 18th birthday",
        short_title="Accommodation plan agreed before 18",
        # Zero: the birthday itself bounds it; the seed names no earlier date.
        default=0,
        unit="months",
        convention="eve-of-birthday",
        convention_text=(
            "Start is the date of birth: due at the end of the day before the 18th birthday, "
            "so the plan is agreed while the young person is still 17. " + _LEAP_DAY_NOTE
        ),
        citation="Spec §3 Pathway B (B5); seed 004 §2.2 [S004]: 'well planned moves prior to "
        "the care leaver's 18th birthday' (good practice, not statute). " + _LEAP_DAY_NOTE,
        overridable_per_authority=False,
        status="guidance",
        anchor_age=18,
    ),
    Rule(
        id="age-18",
        title="The young person turns 18",
        short_title="The young person turns 18",
        # Zero: the birthday itself, when a child stops being one.
        default=0,
        unit="months",
        convention="eve-of-birthday",
        convention_text=(
            "Start is the date of birth: due at the end of the day before the 18th birthday, so "
            "the young person is 18 from the first moment of the birthday. " + _LEAP_DAY_NOTE
        ),
        citation="Spec §3 Cohorts; Children Act 1989 s.105(1) ('child' means a person under 18): "
        "looked-after "
        "status ends at 18, and a young person looked after and eligible then becomes a former "
        "relevant child (s.23C(1)(b)); before it, ceasing to look after needs the director's "
        "approval (SI 2010/959 reg.39(5), errata 11). " + _LEAP_DAY_NOTE,
        overridable_per_authority=False,
        status="statute",
        anchor_age=18,
    ),
    Rule(
        id="pa-support-21",
        title="Personal Adviser and pathway plan duty to 21 ends",
        short_title="Personal Adviser support to 21 ends",
        # Zero: the duty lasts until the young person reaches 21, the birthday itself.
        default=0,
        unit="months",
        convention="eve-of-birthday",
        convention_text=(
            "Start is the date of birth: due at the end of the day before the 21st birthday, "
            "the last day of the duty, since the young person is 21 from the first moment of "
            "the birthday. " + _LEAP_DAY_NOTE
        ),
        citation="T21; Children Act 1989 s.23C(6): the Personal Adviser and pathway plan duties "
        "to a former relevant child last until 21 (s.23C(7): longer while a programme of "
        "education or training in the pathway plan continues); Code 22.3 [G22]; [S004]. "
        + _LEAP_DAY_NOTE,
        overridable_per_authority=False,
        status="statute",
        anchor_age=21,
    ),
    Rule(
        id="pa-support-25",
        title="Personal Adviser support to 25 ends",
        short_title="Personal Adviser support to 25 ends",
        # Zero: the duty lasts until the young person reaches 25, the birthday itself.
        default=0,
        unit="months",
        convention="eve-of-birthday",
        convention_text=(
            "Start is the date of birth: due at the end of the day before the 25th birthday, "
            "the last day of the duty, since the young person is 25 from the first moment of "
            "the birthday. " + _LEAP_DAY_NOTE
        ),
        citation="T21; Children Act 1989 s.23CZB, inserted by the Children and Social Work Act "
        "2017 s.3: a former relevant child of 21 to 25 who asks for it has a Personal Adviser "
        "until 25, or until they say they no longer want one; Code 22.3 [G22]; [S004]. "
        + _LEAP_DAY_NOTE,
        overridable_per_authority=False,
        status="statute",
        anchor_age=25,
    ),
    Rule(
        id="pathway-plan-review-on-request",
        title="Pathway plan review on request or a significant change",
        short_title="Pathway plan review on request",
        default=20,
        unit="working_days",
        convention="working-days-after",
        convention_text=(
            "20 working days after the day the review is asked for; weekends and England & "
            "Wales bank holidays do not count."
        ),
        citation="T18; Care Leavers (England) Regulations 2010 (to be confirmed) [L10] "
        "(errata 6); spec §3 B2: reviews 'on request, or on significant change'. ASSUMPTION: "
        "no source gives a period for a requested review; 20 working days, configurable.",
        overridable_per_authority=True,
        status="assumption",
    ),
    Rule(
        id="duty-to-refer-acknowledgement",
        title="Housing authority acknowledges a care leaver's duty-to-refer referral",
        short_title="LHA acknowledges a duty-to-refer referral",
        default=2,
        unit="working_days",
        convention="working-days-after",
        convention_text=(
            "2 working days after the day of the referral; weekends and England & Wales bank "
            "holidays do not count."
        ),
        citation="Spec §3 Pathway B (B7: 'LHA acknowledges'); Housing Act 1996 s.213B, Code "
        "ch.4 [G4]; seed 004 §2.10 [S004]: the protocol might set out 'how referrals are made, "
        "acknowledged and responded to' (no period given). ASSUMPTION: 2 working days, "
        "configurable.",
        overridable_per_authority=True,
        status="assumption",
    ),
    Rule(
        id="weekly-home-meeting",
        title="Weekly home meeting (family and young person)",
        short_title="Weekly home meeting",
        default=7,
        unit="days",
        convention="days-after",
        convention_text="7 calendar days after the previous meeting (or the day the plan was "
        "agreed).",
        citation="T04; seed 000 [S000]. Local.",
        overridable_per_authority=True,
        status="local",
    ),
    Rule(
        id="weekly-case-review",
        title="Weekly live case review (team)",
        default=7,
        unit="days",
        convention="days-after",
        convention_text="7 calendar days after the previous review (or the day the case opened).",
        citation="T05; seed 000 [S000]. Local.",
        overridable_per_authority=True,
        status="local",
    ),
    Rule(
        id="monthly-stakeholder-review",
        title="Stakeholder case review",
        default=1,
        unit="months",
        convention="months-after",
        convention_text="1 calendar month after the previous review (or the day the case "
        "opened). " + _MONTH_END_NOTE,
        citation="T06; seed 000 [S000]. Local. " + _LEAP_DAY_NOTE,
        overridable_per_authority=True,
        status="local",
    ),
)

RULES: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in _RULE_LIST})


def get_rule(rule_id: str) -> Rule:
    try:
        return RULES[rule_id]
    except KeyError:
        raise UnknownRuleError(rule_id) from None


def due_date_reveals_birthday(rule_id: str) -> bool:
    """A rule counted from a date of birth gives the birthday away with its due date (the eve
    of the 21st birthday is the day before it), so an alert never names that date (spec §6:
    no date of birth in a message); the case page, behind sign-in, shows it."""
    return get_rule(rule_id).anchor_age is not None


def resolve_amount(rule: Rule, overrides: Mapping[str, int] | None) -> int:
    """The amount in the rule's unit after applying ``overrides`` (other rules' keys ignored)."""
    if not overrides or rule.id not in overrides:
        return rule.default
    amount = overrides[rule.id]
    if not rule.overridable_per_authority:
        raise OverrideError(
            f"rule '{rule.id}' cannot be overridden: its {rule.default} {rule.unit} period is "
            f"fixed ({rule.status}); only rules marked overridable_per_authority may be changed"
        )
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise OverrideError(
            f"rule '{rule.id}': override must be a positive whole number of {rule.unit}, "
            f"got {amount!r}"
        )
    if rule.override_at_most_default and amount > rule.default:
        raise OverrideError(
            f"rule '{rule.id}': override may only shorten the period, at most {rule.default} "
            f"{rule.unit}, got {amount}{_limit_basis(rule)}"
        )
    if rule.override_at_least_default and amount < rule.default:
        raise OverrideError(
            f"rule '{rule.id}': override may only lengthen the period, at least {rule.default} "
            f"{rule.unit}, got {amount}{_limit_basis(rule)}"
        )
    return amount


def _limit_basis(rule: Rule) -> str:
    return f" ({rule.override_limit_basis})" if rule.override_limit_basis else ""


def check_amount(rule_id: str, amount: int) -> str | None:
    """Why ``amount`` (e.g. one case's own period) would be refused for ``rule_id``, or None.

    The same test the engine applies when it opens the timer, so an input model can refuse a
    bad amount before anything is written. An unknown rule id is a bug and raises.
    """
    try:
        resolve_amount(get_rule(rule_id), {rule_id: amount})
    except OverrideError as exc:
        return str(exc)
    return None


def validate_overrides(overrides: Mapping[str, int]) -> None:
    """Check a whole override mapping (e.g. one authority's config) in one go."""
    for rule_id in overrides:
        resolve_amount(get_rule(rule_id), overrides)


def compute_deadline(
    rule_id: str,
    start: date | datetime,
    overrides: Mapping[str, int] | None = None,
) -> Deadline:
    """When ``rule_id`` falls due for a period starting at ``start``.

    A naive datetime is Europe/London wall time; day rules use its London date. A plain
    date starts an exact-instant (hours) rule at 00:00 Europe/London.
    """
    rule = get_rule(rule_id)
    amount = resolve_amount(rule, overrides)
    if rule.is_datetime:
        return _clock_deadline(rule, start, amount)
    return _date_deadline(rule, start, amount)


def _clock_deadline(rule: Rule, start: date | datetime, amount: int) -> Deadline:
    start_at = to_london(start) if isinstance(start, datetime) else start_of_day(start)
    due_at = _CLOCK_COUNTERS[rule.convention](start_at, amount)
    return Deadline(rule, amount, start_at, due_at.date(), due_at, is_datetime=True)


def _date_deadline(rule: Rule, start: date | datetime, amount: int) -> Deadline:
    start_day = london_date(start)
    start_at = to_london(start) if isinstance(start, datetime) else start_of_day(start_day)
    due_date = _DATE_COUNTERS[rule.convention](rule, start_day, amount)
    return Deadline(rule, amount, start_at, due_date, end_of_day(due_date), is_datetime=False)


UNIT_WORDS: dict[str, tuple[str, str]] = {
    "hours": ("hour", "hours"),
    "days": ("day", "days"),
    "working_days": ("working day", "working days"),
    "weeks": ("week", "weeks"),
    "months": ("month", "months"),
}


def describe_amount(rule_id: str, overrides: Mapping[str, int] | None = None) -> str:
    """The period in force, as a practitioner says it: "24 hours", "1 working day"."""
    rule = get_rule(rule_id)
    amount = resolve_amount(rule, overrides)
    one, many = UNIT_WORDS.get(rule.unit, (rule.unit, rule.unit))
    return f"{amount} {one if amount == 1 else many}"
