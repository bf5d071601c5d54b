"""The pure transition rules as a state machine: whatever anyone tries, the invariants hold."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import Plan, decide
from pathways.principal import Actor
from pathways.refusal import Refusal
from pathways.roles import ROLES, parse_role
from tests.support.example_pathway import EXAMPLE

PAYLOADS: dict[str, list[dict[str, Any]]] = {
    "open_referral": [{"young_person": {"full_name": "A B", "date_of_birth": "2009-05-01"}}, {}],
    "record_visit": [
        {"visited_family": True, "visited_young_person": True},
        {"visited_family": True, "visited_young_person": False},
        {"visited_family": "maybe"},
    ],
    "record_review": [{"progress": "better"}, {"progress": 3, "extra": 1}],
    "agree_closure": [{}, {"unexpected": True}],
    "close": [{}],
    "withdraw": [{}],
}


def by(role: str) -> Actor:
    return Actor("tester", parse_role(role))


class CaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.snapshot = CaseSnapshot(EXAMPLE.initial_step)
        self.closed_once = False

    @rule(
        transition=st.sampled_from([*PAYLOADS, "teleport"]),
        role=st.sampled_from(sorted(ROLES)),
        choice=st.integers(min_value=0, max_value=2),
    )
    def attempt(self, transition: str, role: str, choice: int) -> None:
        options = PAYLOADS.get(transition, [{}])
        payload = options[choice % len(options)]
        before = self.snapshot
        decision = decide(EXAMPLE, before, transition, by(role), payload)
        if isinstance(decision, Refusal):
            assert decision.reason
            spec = EXAMPLE.transition(transition)
            if spec is not None and role not in spec.roles and before.status == "open":
                assert decision.code == "forbidden" and decision.http_status == 403
            return
        self._check_plan(before, decision, role)
        self.snapshot = self._after(before, decision)

    def _check_plan(self, before: CaseSnapshot, plan: Plan, role: str) -> None:
        assert before.status == "open"
        assert role in plan.transition.roles
        assert plan.from_step == before.state
        assert set(plan.timers_to_close) <= before.open_timers
        if plan.transition.name == "close":
            assert before.facts.get("closure_agreed") is True

    @staticmethod
    def _after(before: CaseSnapshot, plan: Plan) -> CaseSnapshot:
        open_timers = (before.open_timers - set(plan.timers_to_close)) | {
            t.name for t in plan.timers_to_open
        }
        return CaseSnapshot(
            plan.to_step,
            "closed" if plan.ends_case else "open",
            {**before.facts, **plan.recorded_facts},
            frozenset() if plan.ends_case else frozenset(open_timers),
        )

    @invariant()
    def terminal_steps_are_closed_and_final(self) -> None:
        terminal = EXAMPLE.steps[self.snapshot.state].terminal
        assert terminal == (self.snapshot.status == "closed")
        if terminal:
            assert not self.snapshot.open_timers
            self.closed_once = True
        assert not (self.closed_once and self.snapshot.status == "open")

    @invariant()
    def open_timers_are_defined(self) -> None:
        assert self.snapshot.open_timers <= set(EXAMPLE.timers)


TestCaseMachine = CaseMachine.TestCase
