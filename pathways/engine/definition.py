"""The declarative, versioned format a pathway is written in.

A definition is data: steps, the transitions between them, who may make each one, what each one
needs as input, which timers it opens and closes, which notifications it queues, and the
outcomes a case can end with. Flows interpret definitions; they never hard-code the protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pathways.deadlines import describe_amount
from pathways.engine.snapshot import CaseSnapshot
from pathways.principal import Actor
from pathways.roles import Role
from pathways.vocabulary import ChainName, Recipient, Team

PERIOD = "{period}"
"""Written in a timer's title where it names its period, e.g. "Joint visit ({period})"."""

ANY_STEP = "*"
"""A from-step meaning any step that is not terminal (e.g. a transfer out of area)."""

SAME_STEP = "="
"""A to-step meaning the case stays at the step it is at (a meeting, a consent, a duty)."""

Guard = Callable[[Mapping[str, Any], BaseModel | None], str | None]
"""A pure gate: given the case facts and the validated input, a refusal reason or None."""

FactsUpdate = Callable[[Mapping[str, Any], BaseModel | None], dict[str, Any]]
"""Pure: the facts this transition records, given the case facts and the validated input."""

FactsTest = Callable[[Mapping[str, Any]], bool]
"""Pure: whether something applies, given the case facts (after the step's own facts)."""

CaseGuard = Callable[[CaseSnapshot, BaseModel | None], str | None]
"""A pure gate that needs more than the facts: the case's history, the law in force
(``CaseSnapshot.in_force``) or today's date. A refusal reason or None."""

ActorRule = Callable[[CaseSnapshot, Actor], str | None]
"""A pure rule about who, beyond their role: given the case so far (its history of steps,
decisions and their actors) and who is acting now, a refusal reason or None. For example,
"the second sign-off is by a different person, from the other service"."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class StepSpec(_Frozen):
    title: str
    terminal: bool = False
    citation: str = ""


class TimerSpec(_Frozen):
    """A clock a transition starts: a deadline rule plus who owns it and what happens on breach."""

    name: str
    title: str
    rule: str = Field(description="rule id in the deadline engine")
    owner_team: Team
    closed_by: tuple[str, ...] = Field(description="transitions that complete the guarded step")
    warn_fraction: float | None = Field(default=0.75, gt=0, lt=1)
    starts_from: str | None = Field(
        default=None,
        description="an input/fact date the rule counts from, or '<person>.<field>' of a person "
        "on the case (e.g. 'young_person.date_of_birth'); else the event time",
    )
    notify_on_warning: tuple[Recipient, ...] = ("case_staff",)
    escalate_to: tuple[Recipient, ...] = Field(default=(), description="recipients on breach")
    escalation_chain: ChainName | None = Field(
        default=None, description="walked one level per escalation-step period after breach"
    )
    escalation_starts_at: int = Field(
        default=0,
        ge=0,
        description="the chain level the breach itself alerts, besides escalate_to (0: none, "
        "level 1 is alerted one escalation step after the breach); e.g. 2 for a disagreement "
        "whose raising already told the first level, so the breach goes to the second",
    )
    recurring: bool = Field(default=False, description="schedule the next occurrence on firing")
    on_breach: str | None = Field(
        default=None, description="a transition the system records when this timer breaches"
    )
    opens_when: FactsTest | None = Field(
        default=None,
        description="opened only if this holds of the case's facts once the step has recorded "
        "its own (e.g. the s.208 notice only for a placement outside the district)",
    )
    amount_from: str | None = Field(
        default=None,
        description="a fact holding this case's own amount for the rule (e.g. the review "
        "period a decision letter gave, or a reasonable notice set with a reason); the rule "
        "must allow overrides, and the engine refuses an amount the rule does not",
    )
    out_of_hours_fallback: bool = Field(
        default=False,
        description="a warning or breach outside the authority's office hours also alerts its "
        "out-of-hours service (spec T01 'OOH fallback needed'; seed 002)",
    )

    def title_for(self, overrides: Mapping[str, int] | None = None) -> str:
        """The title with ``{period}`` filled from the rule in force at the case's authority,
        so a title never names an amount an override has changed."""
        return self.title.replace(PERIOD, describe_amount(self.rule, overrides))


class NotificationSpec(_Frozen):
    template: str
    to: tuple[Recipient, ...]
    event: str | None = Field(
        default=None,
        description="what the alert calls the event; set it when the transition's title would "
        "say more than an alert may (spec §6), e.g. a refusal of help",
    )
    when: FactsTest | None = Field(
        default=None, description="queued only if this holds of the case's facts after the step"
    )
    due_timer: str | None = Field(
        default=None,
        description="the timer whose due date the alert gives; else the earliest one opened",
    )


class LinkedCaseSpec(_Frozen):
    """A case on another pathway that a transition opens, linked back to this one."""

    pathway: str
    version: str | None = Field(
        default=None, description="a version to open, for a frozen definition; else the latest"
    )
    copies_people: tuple[str, ...] = Field(
        default=(), description="people (by relationship) carried onto the new case"
    )
    people_as: Mapping[str, str] = Field(
        default_factory=dict,
        description="the relationship a copied person has on the new case, where its pathway "
        "names it differently (the young person is Pathway D's applicant)",
    )
    payload: FactsUpdate | None = Field(
        default=None, description="the new case's opening input, from this case's facts and input"
    )


class TransitionSpec(_Frozen):
    name: str
    title: str
    from_steps: tuple[str, ...]
    to_step: str
    roles: tuple[Role, ...]
    input_model: type[BaseModel] | None = None
    opens_timers: tuple[str, ...] = ()
    closes_timers: tuple[str, ...] = ()
    notifications: tuple[NotificationSpec, ...] = ()
    outcome: str | None = None
    decision: str | None = Field(
        default=None, description="records a Decision of this kind (input 'decision' or outcome)"
    )
    guard: Guard | None = None
    case_guard: CaseGuard | None = Field(
        default=None, description="a gate on the case's history, the law in force or the date"
    )
    actor_rule: ActorRule | None = Field(
        default=None, description="who may make this move given the case's history"
    )
    records: FactsUpdate | None = None
    opens_case: LinkedCaseSpec | None = None
    shares_with: str | None = Field(
        default=None,
        description="a fact naming a directory authority the step shares the case with, so its "
        "staff may act on it (the housing authority a care leaver was referred to)",
    )
    share_reason: str = Field(
        default="", description="why, as the share records it (default: the step's name)"
    )
    citation: str = ""


class PathwayDefinition(_Frozen):
    name: str
    version: str
    title: str
    citation: str
    initial_step: str
    opening_transition: str = Field(description="the transition that opens a case")
    steps: Mapping[str, StepSpec]
    transitions: tuple[TransitionSpec, ...]
    timers: Mapping[str, TimerSpec]
    outcomes: Mapping[str, str] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"

    def transition(self, name: str) -> TransitionSpec | None:
        return next((t for t in self.transitions if t.name == name), None)

    def step_after(self, transition: TransitionSpec, current: str) -> str:
        return current if transition.to_step == SAME_STEP else transition.to_step
