"""What a user sees of a care-leaver case (Pathway B 1.0) on the case page, through the API and
on the command line, from one read model (``application.case_views``):

- a case opened late says which timers were already overdue when it opened, on the page the
  start form lands on, on the case page, in the API and in ``pathways case open``;
- a duty-to-refer referral shows the chosen authority by its directory name (never the name
  typed for one outside the directory) and the local connection the care leaver rule gives,
  with its legal basis;
- linked cases link both ways, saying which step opened them: the 16/17 intake's s.20 hand-off
  and a care leaver's hand-off to the intentionality sign-off.

Cases are opened and worked through the real use cases, applied in-process (``apply_now``); the
command-line test runs ``pathways case open`` against a real Prefect server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from application.accounts import SignedIn, add_account, issue_api_token, sign_in
from application.case_commands import act_as, record_step, show_case, start_case
from application.case_views import CaseView, LinkedCase
from application.cases import Applied
from application.staff import add_staff
from application.sweep import sweep
from cli.main import app
from dashboard.app import create_app
from dashboard.security import SESSION_COOKIE
from infrastructure import clock
from infrastructure.db import session_scope
from pathways.care_leaver_local_connection import CARE_LEAVER_RULE
from pathways.definitions import get_definition
from pathways.refusal import Refusal
from simulation.plan import OpenCase, RecordStep, Sweep, play_order
from simulation.player import EntryPlayer
from simulation.scenario import load_scenario
from tests.support.cases import apply_now

PATHWAY: Final = "care-leaver-transition"
DEFINITION: Final = get_definition(PATHWAY)
SW: Final = "ics-social-worker"
PA: Final = "personal-adviser"
PASSWORD: Final = "a long test passphrase"
STAFF: Final = {"sw.dartford": SW, "pa.dartford": PA}
T0: Final = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
NAME: Final = "Quinlan Latecanary"
LATE_DOB: Final = "2009-06-15"
"""17 years and 8 months old at T0: the needs assessment (16th birthday + 3 months) and the
pre-18 panel (six months before 18) were due before the case opened."""
OUTSIDE_NAME: Final = "Farthingale Canary Borough Council"
SCENARIOS: Final = Path(__file__).resolve().parents[1] / "scenarios"
LATE_TIMERS: Final = ("needs_assessment", "pre18_panel")


def _opening(dob: str = LATE_DOB, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "young_person": {"full_name": NAME, "date_of_birth": dob},
        "legal_status": "relevant_child",
        "legal_basis": "left_care",
        "cohort": {"responsible_authority": "kcc"},
    }
    payload.update(changes)
    return payload


def _freeze(engine: Engine, moment: datetime) -> None:
    with session_scope(engine) as session:
        clock.set_virtual_time(session, moment, frozen=True)


@pytest.fixture
def staffed(app_engine: Engine) -> Engine:
    with session_scope(app_engine) as session:
        for username, role in STAFF.items():
            add_staff(
                session,
                username=username,
                display_name=username,
                email=f"{username}@test.example",
                roles=[role],
                team="ics",
                authority_id="dartford",
                actor="test",
                actor_role="operator",
                basis="test staff",
            )
            add_account(session, username, PASSWORD, by="test")
    _freeze(app_engine, T0)
    return app_engine


def _browser(username: str = "sw.dartford") -> TestClient:
    with session_scope() as session:
        signed_in = sign_in(session, username, PASSWORD)
    assert isinstance(signed_in, SignedIn), signed_in
    browser = TestClient(create_app(), base_url="https://testserver")
    browser.cookies.set(SESSION_COOKIE, signed_in.session_token)
    return browser


def _words(html: str) -> str:
    """The page's text, as a reader gets it: no markup, no scripts, spaces collapsed."""
    text = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"').split())


def _acting(username: str = "sw.dartford", role: str = SW) -> Any:
    found = act_as(username, role, attempted="test")
    assert not isinstance(found, Refusal), found
    return found


def _open(payload: dict[str, Any], at: datetime = T0) -> Applied:
    opened = start_case(
        acting=_acting(),
        pathway=PATHWAY,
        authority_id="dartford",
        payload=payload,
        runner=apply_now,
        now=at,
    )
    assert not isinstance(opened, Refusal), opened
    assert opened.status == "applied", opened.reason
    return opened


def _record(
    reference: str,
    transition: str,
    payload: dict[str, Any],
    at: datetime,
    username: str = "sw.dartford",
    role: str = SW,
) -> Applied:
    recorded = record_step(
        acting=_acting(username, role),
        case_reference=reference,
        transition=transition,
        payload=payload,
        runner=apply_now,
        now=at,
    )
    assert not isinstance(recorded, Refusal), recorded
    assert recorded.status == "applied", recorded.reason
    return recorded


def _view(reference: str) -> CaseView:
    view = show_case(_acting(), reference)
    assert not isinstance(view, Refusal), view
    return view


def _late_line(name: str, due: str) -> str:
    title = DEFINITION.timers[name].title_for()
    return f"Already overdue when the case opened: {title}, due {due}"


# --- a case opened late ---------------------------------------------------------------------------


def test_a_case_opened_late_says_what_was_already_overdue_on_every_edge(staffed: Engine) -> None:
    opened = _open(_opening())
    assert opened.summary is not None
    overdue = {timer.name: timer.overdue for timer in opened.summary.timers_opened}
    assert {"accommodation_plan_by_18", "pa_support_21"} <= set(overdue)
    assert {name for name, late in overdue.items() if late} == set(LATE_TIMERS)
    reference = opened.case_reference
    view = _view(reference)
    assert [timer.name for timer in view.timers_overdue_at_opening] == list(LATE_TIMERS)

    browser = _browser()
    landed = _words(browser.get(f"/cases/{reference}?done=opened").text)
    assert "Recorded. The case is open and now stands at: B1 Needs assessment." in landed
    assert _late_line("needs_assessment", "Mon 15 Sep 2025") in landed
    assert _late_line("pre18_panel", "Tue 15 Dec 2026") in landed
    # Done late, the needs assessment leaves the running timers; the panel is still marked.
    _record(reference, "record_needs_assessment", {"completed_on": "2027-03-01"}, T0 + timedelta(1))
    page = _words(browser.get(f"/cases/{reference}").text)
    assert page.count("Overdue since before the case opened") == 1
    assert "Already overdue when the case opened" not in page  # the banner is the opening's
    for personal in (NAME, "Latecanary", LATE_DOB, "15 Jun 2009", "15/06/2009"):
        assert personal not in landed and personal not in page

    with session_scope() as session:
        token = issue_api_token(session, "sw.dartford", by="test")
    shown = browser.get(f"/api/cases/{reference}", headers={"Authorization": f"Bearer {token}"})
    assert shown.status_code == 200, shown.text
    timers = {timer["name"]: timer for timer in shown.json()["timers"]}
    panel = timers["pre18_panel"]
    assert panel["overdue_at_opening"] is True and panel["due_on"] == "2026-12-15"
    assert panel["counts_from"].startswith("counts from the young person's date of birth")
    assert panel["legal_source"].startswith("T20")
    assert timers["accommodation_plan_by_18"]["overdue_at_opening"] is False
    assert LATE_DOB not in shown.text


def test_a_case_opened_in_time_is_not_called_late(staffed: Engine) -> None:
    # 16 years and 3 months: the needs assessment falls due at the end of the opening day.
    opened = _open(_opening("2010-12-01"))
    reference = opened.case_reference
    assert _view(reference).timers_overdue_at_opening == []
    landed = _words(_browser().get(f"/cases/{reference}?done=opened").text)
    assert "Success Recorded. The case is open and now stands at: B1 Needs assessment." in landed
    assert "overdue" not in landed.lower().split("open timers")[0]


# --- the duty to refer and the local connection ---------------------------------------------------


def _referred(
    authority: dict[str, str], responsible: str = "kcc", dob: str = LATE_DOB, **opening: Any
) -> str:
    opened = _open(_opening(dob, cohort={"responsible_authority": responsible}, **opening))
    reference = opened.case_reference
    _record(reference, "record_needs_assessment", {"completed_on": "2027-03-01"}, T0 + timedelta(1))
    referral = {
        "situation": "threatened_within_56_days",
        "consent_to_refer": True,
        "consent_to_share_contact_details": True,
        "referred_on": "2027-03-01",
        **authority,
    }
    _record(reference, "refer_to_housing", referral, T0 + timedelta(hours=2), "pa.dartford", PA)
    return reference


@pytest.mark.parametrize(
    ("authority", "responsible", "shown", "code", "words"),
    [
        (
            {"chosen_authority": "thanet"},
            "kcc",
            "Thanet District Council",
            "two_tier_every_district",
            "Yes: with every district of the county",
        ),
        (
            {"chosen_authority": "medway"},
            "kcc",
            "Medway Council",
            "not_by_care_leaver_rule",
            "None by the care leaver rule",
        ),
        (
            {"chosen_authority": "thanet"},
            "medway",
            "Thanet District Council",
            "not_by_care_leaver_rule",
            "None by the care leaver rule",
        ),
        (
            {"other_authority": OUTSIDE_NAME},
            "kcc",
            "an authority outside the directory",
            "not_assessed_outside_directory",
            "Not assessed: the authority is outside the directory",
        ),
    ],
)
def test_the_referral_shows_the_authority_and_the_local_connection_with_its_basis(
    staffed: Engine,
    authority: dict[str, str],
    responsible: str,
    shown: str,
    code: str,
    words: str,
) -> None:
    reference = _referred(authority, responsible)
    referral = _view(reference).duty_to_refer
    assert referral is not None
    assert (referral.authority, referral.local_connection) == (shown, code)
    assert referral.local_connection_words.startswith(words)
    assert referral.policy == "while_s23c_duty"
    assert referral.situation == "threatened with homelessness within 56 days"
    assert referral.referred_on == date(2027, 3, 1) and referral.acknowledged_on is None
    page = _words(_browser().get(f"/cases/{reference}").text)
    section = page.split("Duty to refer (Housing Act 1996 s.213B)")[1].split("Authority policy")[0]
    assert f"Chosen authority {shown}" in section
    assert f"Local connection {words}" in section
    # The basis carries its legal sources: the statute's rule and the choice of any authority.
    assert "s.213B" in section and "Homelessness Code of Guidance ch.4" in section
    if code != "not_assessed_outside_directory" or responsible == "kcc":
        assert CARE_LEAVER_RULE in section
    for personal in (OUTSIDE_NAME, "Farthingale", NAME):
        assert personal not in page


def test_after_21_the_statute_gives_no_connection_under_the_case_policy(staffed: Engine) -> None:
    """A former relevant child whose 21st birthday passes: under while_s23c_duty (the default)
    the s.23C duty has ended, so the care leaver rule gives no connection any more."""
    turns_21 = T0.date() + timedelta(days=5)
    dob = turns_21.replace(year=turns_21.year - 21).isoformat()
    reference = _referred(
        {"chosen_authority": "thanet"}, dob=dob, legal_status="former_relevant_child"
    )
    before = _view(reference).duty_to_refer
    assert before is not None and before.local_connection == "two_tier_every_district"
    after_birthday = T0 + timedelta(days=6)
    _freeze(staffed, after_birthday)
    sweep(staffed, after_birthday, apply_now)
    after = _view(reference).duty_to_refer
    assert after is not None
    assert after.local_connection == "not_by_care_leaver_rule"
    assert "duty under s.23C has ended" in after.basis
    assert "seed_no_age_limit" in after.basis  # the alternative policy, named with its source


# --- linked cases, from both sides ----------------------------------------------------------------


def _replay(engine: Engine, scenario_file: str) -> dict[str, str]:
    """Plays a scenario's openings, steps and sweeps through the use cases, applied in-process;
    returns the case references by label."""
    scenario = load_scenario(SCENARIOS / scenario_file)
    player = EntryPlayer(engine, scenario.pathway, "test replay")
    player.add_staff(scenario.staff, scenario.start)
    references: dict[str, str] = {}
    for play in play_order(scenario):
        _freeze(engine, play.at)
        if isinstance(play, OpenCase):
            spec = play.spec
            who = act_as(spec.as_.actor, spec.as_.role, attempted="replay")
            assert not isinstance(who, Refusal), who
            opened = start_case(
                acting=who,
                pathway=scenario.pathway,
                authority_id=spec.authority,
                payload=spec.input,
                runner=apply_now,
                now=play.at,
            )
            assert not isinstance(opened, Refusal), opened
            references[play.label] = opened.case_reference
        elif isinstance(play, RecordStep):
            who = act_as(play.acting.actor, play.acting.role, attempted="replay")
            assert not isinstance(who, Refusal), who
            outcome = record_step(
                acting=who,
                case_reference=references[play.label],
                transition=play.transition,
                payload=play.payload,
                runner=apply_now,
                now=play.at,
            )
            refused = outcome.reason if isinstance(outcome, Refusal) else None
            assert (refused is not None) == (play.expect_refused is not None), (play, outcome)
        elif isinstance(play, Sweep):
            sweep(engine, play.at, apply_now)
    return references


def _linked_page(username: str, reference: str) -> str:
    with session_scope() as session:
        add_account(session, username, PASSWORD, by="test")
    return str(_browser(username).get(f"/cases/{reference}").text)


def test_the_s20_hand_off_links_the_intake_and_the_care_leaver_case_both_ways(
    app_engine: Engine,
) -> None:
    intake = _replay(app_engine, "youth_1617_s20_accepted_o3.yaml")["yp"]
    viewer = act_as("sw.dartford", SW, attempted="test")
    assert not isinstance(viewer, Refusal)
    intake_view = show_case(viewer, intake)
    assert not isinstance(intake_view, Refusal)
    (opened,) = intake_view.linked_cases
    hand_off = get_definition("youth-1617-intake").transition("s20_accepted")
    assert hand_off is not None
    assert (opened.pathway, opened.relation, opened.by_step) == (PATHWAY, "opened", hand_off.title)
    care_leaver = show_case(viewer, opened.reference)
    assert not isinstance(care_leaver, Refusal)
    assert care_leaver.linked_cases == [
        LinkedCase(intake, "youth-1617-intake", "opened from", hand_off.title)
    ]
    page = _linked_page("sw.dartford", opened.reference)
    assert f'href="/cases/{intake}"' in page
    assert f"By the step: {hand_off.title}" in _words(page)
    assert f'href="/cases/{opened.reference}"' in _linked_page("ho.dartford", intake)


def test_the_hand_off_to_intentionality_links_back_from_the_linked_case(
    app_engine: Engine,
) -> None:
    care_leaver = _replay(app_engine, "care_leaver_intentionality_handoff.yaml")["refused"]
    viewer = act_as("ho.canterbury", "lha-housing-officer", attempted="test")
    assert not isinstance(viewer, Refusal)
    view = show_case(viewer, care_leaver)
    assert not isinstance(view, Refusal)
    (opened,) = view.linked_cases
    hand_off = DEFINITION.transition("hand_off_to_intentionality")
    assert hand_off is not None
    assert (opened.pathway, opened.relation, opened.by_step) == (
        "intentional-homelessness",
        "opened",
        hand_off.title,
    )
    linked = show_case(viewer, opened.reference)
    assert not isinstance(linked, Refusal)
    assert linked.linked_cases == [LinkedCase(care_leaver, PATHWAY, "opened from", hand_off.title)]
    page = _linked_page("ho.canterbury", opened.reference)
    assert f'href="/cases/{care_leaver}"' in page
    assert f"Opened from {care_leaver} ({PATHWAY})" in _words(page)
    # The care-leaver case's referral to Canterbury itself: its own area, by the two-tier rule.
    referral = view.duty_to_refer
    assert referral is not None and referral.authority == "Canterbury City Council"
    assert referral.local_connection == "two_tier_every_district"


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def cli_printed(staffed: Engine, prefect_server: None) -> Iterator[list[str]]:
    printed: list[str] = []
    yield printed
    everything = "".join(printed)
    assert "JP-" in everything
    for personal in (NAME, "Latecanary", LATE_DOB, "15 Jun 2009", OUTSIDE_NAME):
        assert personal not in everything


@pytest.mark.prefect
def test_pathways_case_open_and_show_say_so_too(cli_printed: list[str]) -> None:
    def cli(*args: str) -> str:
        result = CliRunner().invoke(app, list(args))
        cli_printed.extend([result.stdout, result.stderr])
        assert result.exit_code == 0, (result.output, result.exception)
        return result.stdout

    opened = cli(
        "case", "open", PATHWAY, "--authority", "dartford", "--as", "sw.dartford",
        "--input-json", json.dumps(_opening()),
    )  # fmt: skip
    lines = [line for line in opened.splitlines() if line.startswith("already overdue")]
    assert lines == [
        _late_line("needs_assessment", "Mon 15 Sep 2025").replace("Already", "already"),
        _late_line("pre18_panel", "Tue 15 Dec 2026").replace("Already", "already"),
    ]
    found = re.search(r"JP-[0-9A-Z]{4}-[0-9A-Z]{4}", opened)
    assert found is not None
    reference = found[0]
    _record(reference, "record_needs_assessment", {"completed_on": "2027-03-01"}, T0 + timedelta(1))
    referral = {
        "situation": "homeless",
        "consent_to_refer": True,
        "consent_to_share_contact_details": True,
        "referred_on": "2027-03-01",
        "other_authority": OUTSIDE_NAME,
    }
    _record(reference, "refer_to_housing", referral, T0 + timedelta(hours=2), "pa.dartford", PA)
    shown = " ".join(cli("case", "show", reference, "--as", "sw.dartford", "--wide").split())
    assert "Duty to refer (s.213B)" in shown
    assert "chosen authority an authority outside the directory" in shown
    assert "local connection Not assessed: the authority is outside the directory" in shown
    # The due column wraps: "since before the case opened" may fold onto the next line.
    assert "Tue 15 Dec 2026 OVERDUE since before the" in shown
    as_json = json.loads(cli("case", "show", reference, "--as", "sw.dartford", "--json"))
    assert as_json["duty_to_refer"]["local_connection"] == "not_assessed_outside_directory"
    assert {t["name"] for t in as_json["timers"] if t["overdue_at_opening"]} == set(LATE_TIMERS)
