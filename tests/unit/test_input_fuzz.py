"""Fuzzing the start form and every step's input (hypothesis): whatever JSON comes in, what
comes back is a validated model or a clean refusal, never an exception.

A clean refusal is what the CLI prints and the API returns: one printable line, naming a
field, that repeats none of the input (a canary name is planted in the documents). An
accepted model holds only NFC text without control or bidi characters.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from pathways.definitions import all_definitions
from pathways.definitions.youth_1617_v1_0 import YOUTH_1617
from pathways.engine.definition import TransitionSpec
from pathways.engine.limits import InputLimits
from pathways.engine.transitions import validate_input
from pathways.refusal import Refusal
from pathways.text import BIDI_CONTROLS

LIMITS = InputLimits(
    now=datetime(2026, 12, 22, 12, 0, tzinfo=UTC),
    max_clock_skew=timedelta(minutes=5),
    min_parent_age_gap_years=12,
)
CANARY = "Quokkaflint"
PERSON = {"full_name": "Fictional Person", "date_of_birth": "2009-05-01"}
CONSENT = {"purpose": "joint working", "given": True, "scope": "housing and ICS"}
# One valid input for each input model, by model name: a new model needs one here.
VALID: dict[str, dict[str, Any]] = {
    "Intake": {
        "enquiry_received_at": "2026-12-22T09:00:00+00:00",
        "young_person": PERSON,
        "parent_or_pr_holder": {"full_name": "Fictional Parent", "date_of_birth": "1980-01-01"},
        "slept_last_night": "sofa_surfing",
        "safe_tonight": True,
        "known_to_ics": True,
        "ics_case_reference": "ICS-FICT-1",
        "young_person_consent": CONSENT,
        "parent_consent": CONSENT,
        "approached": "co_located_team",
        "care_leaver": False,
        "referrer_email": "referrals@school.example.com",
    },
    "EmergencyPlacement": {
        "placed_at": "2026-12-22T10:00:00+00:00",
        "accommodation": "bed_and_breakfast",
        "bb_exceptional_reason": "no other bed in the county tonight",
        "bb_authorised_by": "tm.dartford",
    },
    "JointVisit": {"saw_family": True, "saw_young_person": False},
    "CafPlan": {"plan": "caf_action_plan", "support_domains": ["debt", "behaviour_asb"]},
    "PreventionDuty": {"satisfied_on": "2026-12-22", "personalised_housing_plan_agreed": True},
    "DutyEnded": {"duty_outcome": "56_days_elapsed"},
    "Ending": {"duty_outcome": "contact_lost"},
    "HomeMeeting": {"support_taken_up": True, "progress": "improving"},
    "Review": {"support_taken_up": False, "progress": "no_change", "package_effective": True},
    "ReferralDecision": {"decision": "strategy_discussion", "rationale": "needs are complex"},
    "AssessmentCompleted": {"decision": "s20_offer", "rationale": "cannot return home"},
    "S20Declined": {"advice_given": True, "advocacy_offered": True},
    "BackToHomeAuthority": {"home_authority": "Fictional Borough Council"},
    "Rationale": {"rationale": "the family is coping"},
    "CareLeaverOpening01": {"young_person": PERSON, "legal_status": "relevant_child"},
    "CareLeaverOpening": {"young_person": PERSON, "legal_status": "relevant_child"},
    "CareLeaverOpening10": {
        "young_person": PERSON,
        "legal_status": "relevant_child",
        "legal_basis": "left_care",
        "cohort": {"responsible_authority": "other", "corporate_parent": "Fictional Council"},
    },
    "CohortDetails": {"personal_adviser": "pa.dartford", "placement_type": "staying_put"},
    "NeedsAssessment": {"completed_on": "2026-12-01"},
    "PathwayPlan": {"agreed_on": "2026-12-01", "personal_adviser": "pa.dartford"},
    "LacReview": {"held_on": "2026-12-01"},
    "PathwayPlanReviewRequest": {"reason": "significant_change"},
    "PlanReview": {"held_on": "2026-12-01"},
    "HousingRegistration": {"registered_with": "dartford", "registered_on": "2026-12-01"},
    "Pre18Panel": {
        "held_on": "2026-12-01",
        "attendees": ["housing", "childrens_services"],
        "option": "bed_and_breakfast",
        "bed_and_breakfast_exceptional_reason": "no other bed in the county tonight",
    },
    "AccommodationPlan": {"agreed_on": "2026-12-01", "option": "staying_put"},
    "ContingencyPlan": {"agreed_on": "2026-12-01", "option": "family"},
    "PlannedMove": {
        "planned_move_on": "2027-01-02",
        "plan_agreed_on": "2026-12-20",
        "short_notice_reason": "emergency",
        "short_notice_detail": "the placement ended without notice",
    },
    "MoveAgreement": {"agreed_on": "2026-12-20"},
    "LeftCare": {"ceased_on": "2026-12-01"},
    "SharingConsent": {"consent_to_share_with_lha": True},
    "RiskTrigger": {"trigger": "rent_arrears", "on": "2026-12-01"},
    "DutyToRefer": {
        "situation": "threatened_within_56_days",
        "consent_to_refer": True,
        "consent_to_share_contact_details": True,
        "other_authority": "Fictional City Council",
        "referred_on": "2026-12-01",
    },
    "ReferralAcknowledged": {"acknowledged_on": "2026-12-01"},
    "LhaDutyOpened": {"duty": "relief", "satisfied_on": "2026-12-01"},
    "PersonalisedHousingPlan": {
        "agreed_on": "2026-12-01",
        "informed_by_pathway_plan": True,
        "personal_adviser_input": True,
    },
    "LhaDutyEnded": {"ended_on": "2026-12-01", "reason": "accommodation_secured_6_months"},
    "DutiesAtRisk": {"risk": "refused_offer", "application_made_on": "2026-12-01"},
    "SupportTo25": {"asked_on": "2026-12-01"},
    "YoungPersonRequest": {"asked_on": "2026-12-01", "rationale": "wants to manage alone"},
    # Pathway 1.1
    "Placement": {
        "placed_at": "2026-12-22T10:00:00+00:00",
        "accommodation": "bed_and_breakfast",
        "district": "swale",
        "bb_exceptional_reason": "no other bed in the county tonight",
        "bb_authorised_by": "tm.dartford",
    },
    "HousingPlacement": {
        "placed_at": "2026-12-22T10:00:00+00:00",
        "accommodation": "bed_and_breakfast",
        "district": "swale",
        "bb_exceptional_reason": "no other bed in the county tonight",
        "bb_authorised_by": "so.dartford",
    },
    "S20Ended": {"ended_at": "2026-12-22T11:00:00+00:00"},
    "MovedOn": {"moved_at": "2026-12-22T11:00:00+00:00", "accommodation": "supported_lodgings"},
    "NoticeSent": {"sent_on": "2026-12-22"},
    "CeasingToLookAfter": {"reg39_assessments_completed": True, "rationale": "safe at home"},
    "CafPlanAgreed": {"plan": "caf_action_plan", "stress_areas": ["debt", "drugs_or_alcohol"]},
    "ReliefDuty": {"satisfied_on": "2026-12-22", "personalised_housing_plan_agreed": True},
    "PriorityNeedDecision": {
        "priority_need": True,
        "decided_on": "2026-12-22",
        "rationale": "a 16/17-year-old not owed s.20 accommodation",
    },
    "ConsentChange": {"whose": "parent", "consent": CONSENT},
    "ConsentOverride": {"significant_harm_concern": True, "rationale": "risk cannot wait"},
    "S20Accepted": {"accommodated_from": "2026-12-22"},
    "S20Refused": {"advice_given": True, "advocacy_offered": True},
    # The intentional-homelessness pathway
    "Referral": {
        "applicant": PERSON,
        "trigger": "minded_to_find_intentional",
        "application_made_on": "2026-12-01",
        "household_has_children": True,
        "care_leaver": False,
        "s213a_consent_invited": True,
        "s213a_consent_given": True,
    },
    "JointReview": {
        "steps_and_support_in_place": "support",
        "interventions_to_avoid_finding": "plan",
        "accommodation_plan_if_found": "lodgings",
        "joint_plan_for_future_needs": "review",
    },
    "CorporateParentSignOff": {"document_reference": "CP-1", "signed_on": "2026-12-01"},
    "Decision": {
        "decided_on": "2026-12-01",
        "deemed_notified_on": "2026-12-02",
        "review_period_days": 28,
        "letter_reference": "S184-1",
    },
    "JointMessage": {"advised_accept_offer": True, "advised_request_review": True},
    "ReasonableNotice": {
        "notice_given_on": "2026-12-02",
        "priority_need_established": True,
        "notice_days": 35,
        "reason": "a longer notice for the school term",
    },
    "ReviewRequest": {"requested_on": "2026-12-02", "kind": "appointed_person"},
    "ReviewExtension": {"agreed_in_writing": True, "extended_to": "2027-03-01"},
    "ReviewDecision": {"notified_on": "2026-12-02", "rationale": "reasons"},
    "ChildrensServicesTransfer": {
        "home_authority": "Fictional Borough Council",
        "receiving_childrens_services": "Fictional Children's Services",
        "receiving_authority_agreed": True,
    },
}
TRANSITIONS: dict[str, TransitionSpec] = {
    transition.input_model.__name__: transition
    for definition in all_definitions()
    if definition.name
    in ("youth-1617-intake", "care-leaver-transition", "intentional-homelessness")
    for transition in definition.transitions
    if transition.input_model is not None
}
NASTY_TEXT = st.sampled_from(
    [
        "",
        "   ",
        "\u200b",
        f"Zanzibar {CANARY}",
        f"Zanzibar\x00{CANARY}",
        f"\u202eZanzibar {CANARY}",
        f"{CANARY}\u2066",
        f"\x1b[2J{CANARY}",
        f"{CANARY}\r\n{CANARY}",
        "\ud800",
        "Zoe\u0301",
        "yes",
        "off",
        "1",
        "2009-02-17",
        "17/02/2009",
        "1990-01-01T09:00:00+00:00",
        "2030-01-01T09:00:00+00:00",
        "2026-12-22T12:04:00+00:00",
        "2026-12-22T09:00:00",
        "x" * 4001,
    ]
)
TEXT = st.text(max_size=30) | NASTY_TEXT
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=-(2**70), max_value=2**70)
    | TEXT
)
FIELD_NAMES = st.sampled_from(
    sorted({name for model in TRANSITIONS for name in VALID[model]} | set(PERSON) | set(CONSENT))
)
KEYS = FIELD_NAMES | st.text(max_size=12) | st.just(f"Zanzibar {CANARY}")
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=8,
)


def _paths(document: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _paths(value, (*prefix, index))


@st.composite
def mutations(draw: st.DrawFn, valid: dict[str, Any]) -> dict[str, Any]:
    """The valid document with one or two of its values replaced, removed or added to."""
    document = copy.deepcopy(valid)
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        paths = [path for path in _paths(document) if path]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = document
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        if action == "replace":
            # Mostly text and booleans, the values a worker types, so that the text rules
            # and the accepted side are reached as well as the type errors.
            parent[path[-1]] = draw(st.one_of(TEXT, st.booleans(), JSON))
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(KEYS)] = draw(JSON)
    return document


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def assert_accepted_or_cleanly_refused(model_name: str, payload: dict[str, Any]) -> None:
    outcome = validate_input(TRANSITIONS[model_name], payload, LIMITS)
    if isinstance(outcome, Refusal):
        assert outcome.code == "invalid_input"
        reason = outcome.reason
        assert reason and reason.isprintable(), repr(reason)
        assert CANARY.casefold() not in reason.casefold(), reason
        if outcome.field is not None:
            assert reason.startswith(f"{outcome.field}: "), reason
        return
    assert isinstance(outcome, BaseModel) and type(outcome).__name__ == model_name
    for text in _strings(outcome.model_dump(mode="json")):
        assert unicodedata.is_normalized("NFC", text)
        assert not set(text) & BIDI_CONTROLS
        assert all(unicodedata.category(c) != "Cc" or c in "\n\t" for c in text), repr(text)


def test_every_input_model_has_a_valid_example_that_is_accepted() -> None:
    assert set(TRANSITIONS) == set(VALID)
    assert {t.input_model for t in YOUTH_1617.transitions if t.input_model} <= {
        t.input_model for t in TRANSITIONS.values()
    }
    for name, payload in VALID.items():
        outcome = validate_input(TRANSITIONS[name], payload, LIMITS)
        assert isinstance(outcome, BaseModel), (name, outcome)


MODEL_NAMES = st.sampled_from(sorted(VALID))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), model_name=MODEL_NAMES)
def test_mutations_of_valid_inputs_are_accepted_or_cleanly_refused(
    data: st.DataObject, model_name: str
) -> None:
    payload = data.draw(mutations(VALID[model_name]))
    assert_accepted_or_cleanly_refused(model_name, payload)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_name=MODEL_NAMES, payload=st.dictionaries(KEYS, JSON, max_size=6))
def test_arbitrary_documents_are_accepted_or_cleanly_refused(
    model_name: str, payload: dict[str, Any]
) -> None:
    assert_accepted_or_cleanly_refused(model_name, payload)
