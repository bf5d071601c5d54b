"""The care-leaver demo caseload (tests/scenarios/demo_care_leaver_stages.yaml), as `make run`
seeds it: each case at its stage, with the clocks that stage runs, and the demo Personal Adviser
account sees every case and has work on each open one. Checked by the demo test, which seeds the
whole demo once per database, rather than by a second seeding of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

from sqlmodel import Session, col, select

from application.accounts import seed_demo_accounts
from application.principals import principal_of
from application.staff import staff_by_username
from application.worklists import CaseloadFilters, caseload, my_tasks
from infrastructure.settings import PROJECT_ROOT
from models import Case, Timer
from pathways.roles import Role
from simulation.scenario import load_scenario

PATHWAY = "care-leaver-transition"
STAGES = PROJECT_ROOT / "tests" / "scenarios" / "demo_care_leaver_stages.yaml"
PA: Final[Role] = "personal-adviser"

# (case label, timer): the clock that shows the stage, and where it stands.
STAGE_CLOCKS = {
    ("just_opened", "needs_assessment"): "open",
    ("plan_looked_after", "needs_assessment"): "closed",
    ("panel_held", "pre18_panel"): "closed",
    ("accommodation_agreed", "accommodation_plan_by_18"): "closed",
    ("left_care_at_18", "pathway_plan_review"): "open",
    ("lha_duty_open", "prevention_duty"): "open",
    ("referred_outside_kent", "referral_acknowledgement"): "closed",
    ("placed_out_of_district", "s208_notice"): "open",
    ("support_to_25", "pa_support_25"): "open",
    ("closed_at_21", "pa_support_21"): "closed",
}


def _latest_timer(session: Session, case: Case, name: str) -> Timer:
    timers = session.exec(
        select(Timer).where(Timer.case_id == case.id, Timer.name == name).order_by(col(Timer.id))
    ).all()
    assert timers, f"{name} never opened"
    return timers[-1]


def check_care_leaver_caseload(
    session: Session, references: Mapping[str, str], now: datetime
) -> None:
    """The caseload's cases at their stages, and the demo Personal Adviser's view of them."""
    scenario = load_scenario(STAGES)
    ours = {label: references[f"{scenario.name} / {label}"] for label in scenario.expect.cases}
    cases = {
        label: session.exec(select(Case).where(Case.reference == reference)).one()
        for label, reference in ours.items()
    }
    for (label, timer), status in STAGE_CLOCKS.items():
        assert _latest_timer(session, cases[label], timer).status == status, (label, timer)
    assert cases["left_care_at_18"].facts["looked_after"] is False
    assert cases["short_notice_move"].facts["short_notice_moves"] == 1
    assert cases["handed_to_intentionality"].facts["handed_off_to_intentionality"] is True
    assert session.exec(
        select(Case).where(
            Case.pathway == "intentional-homelessness",
            Case.linked_case_id == cases["handed_to_intentionality"].id,
        )
    ).one()

    accounts = seed_demo_accounts(session)
    assert accounts.usernames[PA] == "demo.personal-adviser"
    staff = staff_by_username(session, accounts.usernames[PA])
    assert staff is not None and staff.authority_id == "dartford"
    principal = principal_of(session, staff)
    assert PA in principal.roles

    page = caseload(session, principal, CaseloadFilters(pathway=PATHWAY), now, page_size=100)
    assert set(ours.values()) <= {row.reference for row in page.rows}
    with_work = {task.reference for task in my_tasks(session, principal, now)}
    open_ones = {ref for label, ref in ours.items() if cases[label].status == "open"}
    assert open_ones <= with_work
    assert ours["closed_at_21"] not in with_work
