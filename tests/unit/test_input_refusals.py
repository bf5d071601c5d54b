"""Bad input is refused with a message naming the field and the rule (issue 10, point 5).

Each refusal goes through ``decide``, as the CLI's and the dashboard's input does, against an
application clock passed in as ``InputLimits``: happened-at times in the future, impossible
parents' dates of birth, booleans that are not booleans, and text holding NUL, other control
or bidi characters. Nothing here may repeat what was typed.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pathways.definitions.care_leaver_v0 import CARE_LEAVER_0_2 as CARE_LEAVER
from pathways.definitions.youth_1617_v1_0 import YOUTH_1617
from pathways.engine.definition import PathwayDefinition
from pathways.engine.limits import InputLimits, MissingInputLimitsError
from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import Plan, decide
from pathways.principal import Actor
from pathways.refusal import Refusal
from pathways.roles import parse_role
from tests.support.intake_form import intake_form

NOW = datetime(2026, 12, 22, 12, 0, tzinfo=UTC)
LIMITS = InputLimits(now=NOW, max_clock_skew=timedelta(minutes=5), min_parent_age_gap_years=12)
NAME = "Fictional Young Person"
DOB = "2009-05-01"


def intake(**changes: Any) -> dict[str, Any]:
    return intake_form(
        {
            "young_person": {"full_name": NAME, "date_of_birth": DOB},
            "parent_or_pr_holder": {"full_name": "Fictional Parent"},
            "enquiry_received_at": "2026-12-22T09:00:00+00:00",
        },
        **changes,
    )


def attempt(
    transition: str,
    payload: dict[str, Any],
    *,
    state: str = "new_enquiry",
    role: str = "lha-housing-officer",
    limits: InputLimits = LIMITS,
    definition: PathwayDefinition = YOUTH_1617,
) -> Plan | Refusal:
    snapshot = CaseSnapshot(
        state,
        facts={"enquiry_received_at": "2026-12-22T09:00:00+00:00", "approached": "co_located_team"},
    )
    actor = Actor("tester", parse_role(role))
    return decide(definition, snapshot, transition, actor, payload, limits=limits)


def refused(transition: str, payload: dict[str, Any], **where: Any) -> Refusal:
    outcome = attempt(transition, payload, **where)
    assert isinstance(outcome, Refusal), f"accepted: {payload}"
    assert (outcome.code, outcome.http_status) == ("invalid_input", 422), outcome
    return outcome


def accepted(transition: str, payload: dict[str, Any], **where: Any) -> Plan:
    outcome = attempt(transition, payload, **where)
    assert isinstance(outcome, Plan), outcome
    return outcome


def person(name: str = NAME, dob: str | None = DOB) -> dict[str, Any]:
    return {"full_name": name} if dob is None else {"full_name": name, "date_of_birth": dob}


# Times that have not happened yet


def test_an_enquiry_23_days_ahead_or_in_2030_is_refused_and_opens_no_timer() -> None:
    for moment in ("2027-01-14T09:00:00+00:00", "2030-01-01T09:00:00+00:00"):
        refusal = refused("record_enquiry", intake(enquiry_received_at=moment))
        assert refusal.field == "enquiry_received_at"
        assert refusal.reason.startswith("enquiry_received_at: is later than now")
        assert "5 minutes" in refusal.reason


def test_an_enquiry_just_beyond_the_clock_skew_is_refused_and_one_within_it_accepted() -> None:
    beyond = (NOW + timedelta(minutes=5, seconds=1)).isoformat()
    within = (NOW + timedelta(minutes=4, seconds=59)).isoformat()
    assert refused("record_enquiry", intake(enquiry_received_at=beyond)).field == (
        "enquiry_received_at"
    )
    plan = accepted("record_enquiry", intake(enquiry_received_at=within))
    assert [t.name for t in plan.timers_to_open] == ["joint_visit"]


def test_the_clock_skew_is_the_configured_one() -> None:
    strict = InputLimits(now=NOW, max_clock_skew=timedelta(0), min_parent_age_gap_years=12)
    a_minute_ahead = intake(enquiry_received_at=(NOW + timedelta(minutes=1)).isoformat())
    assert "0 minutes" in refused("record_enquiry", a_minute_ahead, limits=strict).reason
    assert isinstance(attempt("record_enquiry", a_minute_ahead), Plan)


@pytest.mark.parametrize(
    ("transition", "role"), [("place_under_s20", "ics-social-worker"), ("place_under_s188", None)]
)
def test_a_placement_in_the_future_is_refused(transition: str, role: str | None) -> None:
    payload = {"placed_at": "2027-01-14T17:00:00+00:00", "accommodation": "nightstop"}
    refusal = refused(
        transition,
        payload,
        state="emergency_accommodation",
        role=role or "lha-housing-officer",
    )
    assert refusal.field == "placed_at"
    assert "is later than now" in refusal.reason


def test_a_prevention_duty_satisfied_tomorrow_is_refused_and_today_accepted() -> None:
    where = {"state": "support_package"}
    tomorrow = {"satisfied_on": "2026-12-23", "personalised_housing_plan_agreed": True}
    refusal = refused("open_prevention_duty", tomorrow, **where)
    assert refusal.reason.startswith("satisfied_on: is after today")
    accepted("open_prevention_duty", {**tomorrow, "satisfied_on": "2026-12-22"}, **where)


def test_an_input_that_needs_the_clock_is_not_checked_without_it() -> None:
    with pytest.raises(MissingInputLimitsError):
        decide(
            YOUTH_1617,
            CaseSnapshot("new_enquiry"),
            "record_enquiry",
            Actor("tester", parse_role("lha-housing-officer")),
            intake(),
        )


# Dates of birth


def test_a_1990_enquiry_date_is_reported_as_the_enquiry_date_not_the_date_of_birth() -> None:
    refusal = refused("record_enquiry", intake(enquiry_received_at="1990-01-01T09:00:00+00:00"))
    assert refusal.field == "enquiry_received_at"
    assert "young person's date of birth" in refusal.reason
    assert "cannot be in the future" not in refusal.reason


def test_a_date_of_birth_in_the_future_names_the_young_persons_date_of_birth() -> None:
    refusal = refused("record_enquiry", intake(young_person=person(dob="2026-12-23")))
    assert refusal.field == "young_person.date_of_birth"
    assert refusal.reason == "young_person.date_of_birth: a date of birth cannot be in the future"


@pytest.mark.parametrize("dob", ["2026-12-23", "2031-06-01"])
def test_a_parents_date_of_birth_in_the_future_is_refused(dob: str) -> None:
    refusal = refused("record_enquiry", intake(parent_or_pr_holder=person("Parent", dob)))
    assert refusal.field == "parent_or_pr_holder.date_of_birth"
    assert "cannot be in the future" in refusal.reason


@pytest.mark.parametrize(
    "dob",
    [
        "2009-05-02",  # a day younger than the young person
        "2001-05-02",  # a day short of 8 years older
        "1997-05-02",  # a day short of 12 years older
    ],
)
def test_a_parent_younger_than_the_configured_gap_is_refused(dob: str) -> None:
    refusal = refused("record_enquiry", intake(parent_or_pr_holder=person("Parent", dob)))
    assert refusal.field == "parent_or_pr_holder.date_of_birth"
    assert "at least 12 years before the young person's date of birth" in refusal.reason
    assert dob not in refusal.reason


def test_a_parent_the_configured_gap_older_is_accepted_and_the_gap_is_configurable() -> None:
    twelve_years = intake(parent_or_pr_holder=person("Parent", "1997-05-01"))
    accepted("record_enquiry", twelve_years)
    wider = InputLimits(now=NOW, max_clock_skew=timedelta(minutes=5), min_parent_age_gap_years=14)
    assert "at least 14 years" in refused("record_enquiry", twelve_years, limits=wider).reason


def test_an_impossible_parents_age_is_refused() -> None:
    refusal = refused("record_enquiry", intake(parent_or_pr_holder=person("Parent", "1890-01-01")))
    assert refusal.field == "parent_or_pr_holder.date_of_birth"
    assert "over 120" in refusal.reason


def test_a_care_leavers_date_of_birth_cannot_be_in_the_future() -> None:
    payload = {"young_person": person(dob="2027-02-01"), "legal_status": "relevant_child"}
    refusal = refused(
        "open_care_leaver_case",
        payload,
        state="referred",
        role="ics-social-worker",
        definition=CARE_LEAVER,
    )
    assert refusal.field == "young_person.date_of_birth"


@pytest.mark.parametrize("value", [1234567890, 0, 1.5, True])
def test_a_number_is_not_a_date(value: object) -> None:
    by_date = refused(
        "record_enquiry", intake(young_person={"full_name": NAME, "date_of_birth": value})
    )
    assert by_date.reason.startswith("young_person.date_of_birth: must be a date")
    by_time = refused("record_enquiry", intake(enquiry_received_at=value))
    assert by_time.reason.startswith("enquiry_received_at: must be a date and time")


# Booleans are true or false


BOOLEAN_FIELDS = [
    ("record_enquiry", "new_enquiry", "lha-housing-officer", intake(), "safe_tonight"),
    ("record_enquiry", "new_enquiry", "lha-housing-officer", intake(), "known_to_ics"),
    ("record_enquiry", "new_enquiry", "lha-housing-officer", intake(), "care_leaver"),
    (
        "support_package_needed",
        "awaiting_joint_visit",
        "lha-housing-officer",
        {"saw_family": True, "saw_young_person": True},
        "saw_family",
    ),
    (
        "record_home_meeting",
        "support_package",
        "lha-housing-officer",
        {"support_taken_up": True, "progress": "improving"},
        "support_taken_up",
    ),
    (
        "s20_declined_after_advice",
        "assessment_outcome",
        "ics-social-worker",
        {"advice_given": True, "advocacy_offered": True},
        "advocacy_offered",
    ),
]


@pytest.mark.parametrize("value", ["yes", 1, "off", "true", 0, "1"])
@pytest.mark.parametrize(
    ("transition", "state", "role", "payload", "field"),
    BOOLEAN_FIELDS,
    ids=[f"{t}.{f}" for t, _, _, _, f in BOOLEAN_FIELDS],
)
def test_a_boolean_is_true_or_false_and_nothing_else(
    transition: str, state: str, role: str, payload: dict[str, Any], field: str, value: object
) -> None:
    refusal = refused(transition, {**payload, field: value}, state=state, role=role)
    assert refusal.field == field
    assert refusal.reason.startswith(f"{field}: Input should be a valid boolean")


def test_a_consent_must_be_given_as_true_or_false() -> None:
    refusal = refused(
        "record_enquiry", intake(parent_consent={"purpose": "joint working", "given": "yes"})
    )
    assert refusal.field == "parent_consent.given"


# Names and free text


BAD_CHARACTERS = {
    "NUL": ("\x00", "must not contain control characters"),
    "escape": ("\x1b[31m", "must not contain control characters"),
    "C1 control": ("\x85", "must not contain control characters"),
    "right-to-left override": ("\u202e", "bidirectional control"),
    "first-strong isolate": ("\u2068", "bidirectional control"),
    "right-to-left mark": ("\u200f", "bidirectional control"),
    "Arabic letter mark": ("\u061c", "bidirectional control"),
}


@pytest.mark.parametrize(("character", "rule"), BAD_CHARACTERS.values(), ids=BAD_CHARACTERS)
def test_a_name_with_a_control_or_bidi_character_is_refused(character: str, rule: str) -> None:
    name = f"Fictional{character}Person"
    refusal = refused("record_enquiry", intake(young_person=person(name)))
    assert refusal.field == "young_person.full_name"
    assert rule in refusal.reason
    assert "Fictional" not in refusal.reason and character not in refusal.reason


@pytest.mark.parametrize(("character", "rule"), BAD_CHARACTERS.values(), ids=BAD_CHARACTERS)
def test_free_text_with_a_control_or_bidi_character_is_refused(character: str, rule: str) -> None:
    payload = {"rationale": f"the family{character} is coping"}
    refusal = refused(
        "team_agrees_to_close", payload, state="support_package", role="ics-team-manager"
    )
    assert refusal.field == "rationale"
    assert rule in refusal.reason


def test_free_text_keeps_new_lines_and_tabs_but_a_name_does_not() -> None:
    plan = accepted(
        "record_referral_decision",
        {"decision": "child_and_family_assessment", "rationale": "needs:\r\n\t- housing"},
        state="assessment",
        role="ics-team-manager",
    )
    assert plan.input is not None
    assert plan.input.model_dump()["rationale"] == "needs:\n\t- housing"
    refusal = refused("record_enquiry", intake(young_person=person("Fictional\nPerson")))
    assert refusal.reason == "young_person.full_name: must be a single line"


def test_names_are_stored_nfc_normalised_and_stripped() -> None:
    decomposed = "  Zoe\u0301 Fictional  "
    plan = accepted("record_enquiry", intake(young_person=person(decomposed)))
    assert plan.input is not None
    stored = plan.input.model_dump()["young_person"]["full_name"]
    assert stored == "Zo\u00e9 Fictional"
    assert unicodedata.is_normalized("NFC", stored)


@pytest.mark.parametrize("blank", ["", "   ", "\t", "\u00a0\u3000", "\u200b"])
def test_a_blank_name_is_refused_as_blank(blank: str) -> None:
    refusal = refused("record_enquiry", intake(young_person=person(blank)))
    assert refusal.reason == "young_person.full_name: must not be blank"


def test_a_blank_rationale_and_a_blank_home_authority_are_refused_as_blank() -> None:
    rationale = refused(
        "team_agrees_to_close",
        {"rationale": " \n "},
        state="support_package",
        role="ics-team-manager",
    )
    assert rationale.reason == "rationale: must not be blank"
    home = refused(
        "supported_back_to_home_authority", {"home_authority": "  "}, state="support_package"
    )
    assert home.reason == "home_authority: must not be blank"


def test_a_name_over_the_limit_is_refused_after_normalising() -> None:
    refusal = refused("record_enquiry", intake(young_person=person("x" * 201)))
    assert refusal.reason == "young_person.full_name: must be at most 200 characters"
    accepted("record_enquiry", intake(young_person=person("  " + "x" * 200 + "  ")))


@pytest.mark.parametrize("value", [42, ["Fictional"], {"first": "Fictional"}])
def test_a_name_must_be_text(value: object) -> None:
    refusal = refused(
        "record_enquiry", intake(young_person={"full_name": value, "date_of_birth": DOB})
    )
    assert refusal.field == "young_person.full_name"


def test_optional_text_left_blank_is_not_given() -> None:
    plan = accepted(
        "place_under_s20",
        {
            "placed_at": "2026-12-22T10:00:00+00:00",
            "accommodation": "nightstop",
            "bb_authorised_by": " ",
        },
        state="emergency_accommodation",
        role="ics-social-worker",
    )
    assert plan.input is not None
    assert plan.input.model_dump()["bb_authorised_by"] is None


def test_a_field_name_that_is_not_an_identifier_is_not_echoed() -> None:
    refusal = refused("record_enquiry", {**intake(), "Fictional\x1b[2J Person": "x"})
    assert "Fictional" not in refusal.reason and "\x1b" not in refusal.reason
    assert "not permitted" in refusal.reason
    typo = refused("record_enquiry", {**intake(), "safe_tonite": True})
    assert typo.reason.startswith("safe_tonite: Extra inputs are not permitted")


def test_a_refusal_lists_the_other_fields_to_check_once_each() -> None:
    refusal = refused(
        "record_enquiry",
        intake(safe_tonight="yes", known_to_ics="no", young_person=person("\x00")),
    )
    assert refusal.reason.startswith("young_person.full_name: must not contain control")
    assert refusal.reason.endswith("(also check: safe_tonight, known_to_ics)")
