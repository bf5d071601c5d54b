"""The snapshot a case reaches when a plan is applied, as the application would leave it: for
pure tests that walk a pathway without a database."""

from __future__ import annotations

from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import Plan


def snapshot_after(before: CaseSnapshot, plan: Plan) -> CaseSnapshot:
    still_open = before.open_timers - set(plan.timers_to_close)
    return CaseSnapshot(
        plan.to_step,
        "closed" if plan.ends_case else "open",
        {**before.facts, **plan.recorded_facts},
        frozenset() if plan.ends_case else still_open | {t.name for t in plan.timers_to_open},
    )
