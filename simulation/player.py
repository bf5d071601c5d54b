"""Plays one scenario entry through the real application and flows: the part the scenario
runner (which checks a scenario) and the demo seeder (which plays many into a live database)
share.

Every entry acts as the member of staff it names, resolved from the staff directory like any
signed-in user; the scenario's ``staff`` list is that directory. Each entry happens at its own
virtual time: the caller freezes the shared clock there first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Engine

from application.case_commands import act_as, record_step, start_case
from application.cases import Applied
from application.staff import add_staff, assign_staff, staff_by_username
from flows.deliver_notifications import deliver_notifications
from flows.dispatch import run_pathway_event
from flows.inline_runs import inline_run_settings
from flows.timer_sweep import timer_sweep
from infrastructure.db import session_scope
from pathways.refusal import Refusal
from simulation.plan import OpenCase, RecordStep
from simulation.scenario_format import StaffSpec

ACTOR = "simulation"
ACTOR_ROLE = "system"


class EntryPlayer:
    def __init__(self, engine: Engine, pathway: str, basis: str) -> None:
        self._engine = engine
        self._pathway = pathway
        self.basis = basis

    def add_staff(self, staff: Iterable[StaffSpec], at: datetime) -> None:
        """Adds the scenario's staff; someone already in the directory (another demo scenario
        named them too) is left as they are."""
        with session_scope(self._engine) as session:
            for spec in staff:
                if staff_by_username(session, spec.username) is not None:
                    continue
                add_staff(
                    session,
                    username=spec.username,
                    display_name=spec.display_name,
                    email=spec.email,
                    roles=spec.held_roles,
                    team=spec.team,
                    team_name=spec.team_name,
                    authority_id=spec.authority,
                    actor=ACTOR,
                    actor_role=ACTOR_ROLE,
                    basis=self.basis,
                    at=at,
                )

    def open(self, play: OpenCase, key: str) -> Applied | Refusal:
        spec = play.spec
        who = act_as(spec.as_.actor, spec.as_.role, attempted=f"{self._pathway}.open")
        if isinstance(who, Refusal):
            return who
        return start_case(
            acting=who,
            pathway=self._pathway,
            authority_id=spec.authority,
            payload=spec.input,
            runner=run_pathway_event,
            now=play.at,
            idempotency_key=key,
        )

    def assign(self, reference: str, usernames: Iterable[str], at: datetime) -> None:
        with session_scope(self._engine) as session:
            for username in usernames:
                assign_staff(
                    session,
                    reference,
                    username,
                    actor=ACTOR,
                    actor_role=ACTOR_ROLE,
                    basis=self.basis,
                    at=at,
                )

    def record(self, play: RecordStep, reference: str, key: str) -> Applied | Refusal:
        acting = play.acting
        who = act_as(acting.actor, acting.role, attempted=play.transition, case_reference=reference)
        if isinstance(who, Refusal):
            return who
        return record_step(
            acting=who,
            case_reference=reference,
            transition=play.transition,
            payload=play.payload,
            runner=run_pathway_event,
            now=play.at,
            idempotency_key=key,
        )

    @staticmethod
    def sweep() -> None:
        with inline_run_settings():
            timer_sweep()

    @staticmethod
    def deliver() -> dict[str, int]:
        with inline_run_settings():
            return deliver_notifications()


def refusal_of(outcome: Applied | Refusal) -> str | None:
    """Why an entry did not go through: refused at once, or rejected when its flow re-checked
    it against the case as it then stood."""
    if isinstance(outcome, Refusal):
        return outcome.reason
    return outcome.reason if outcome.status == "rejected" else None
