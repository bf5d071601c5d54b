"""The pure gates and recorded facts of the 16/17 intake pathway (spec §2).

Each guard takes the case facts and the validated input and returns a refusal reason or
None; each ``*_facts`` function returns what its step records on the case. Facts never hold
a name or a date of birth: those stay in the Person rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from pathways.calendar import london_date
from pathways.definitions.youth_1617_inputs import (
    AssessmentCompleted,
    BackToHomeAuthority,
    CafPlan,
    DutyEnded,
    EmergencyPlacement,
    Ending,
    HomeMeeting,
    Intake,
    JointVisit,
    PreventionDuty,
    ReferralDecision,
    Review,
    S20Declined,
    S20Refused,
)
from pathways.eligibility import age_gate
from pathways.engine.definition import FactsUpdate, Guard

Facts = Mapping[str, Any]
Model = TypeVar("Model", bound=BaseModel)

# What a close by agreement needs [S000]: the fact each agreement records, and how a refusal
# names it when it is missing.
CLOSURE_AGREEMENTS: Mapping[str, str] = {
    "family_asked_to_stop": "the family asking to stop",
    "young_person_asked_to_stop": "the young person asking to stop",
    "team_agreed_closure": "the team agreeing to close",
}
S20_ROUTES = frozenset({"s20_offer", "s47_significant_harm"})
CIN_ROUTES = frozenset({"child_in_need_support", "s47_significant_harm"})


def _given(model: type[Model], data: BaseModel | None) -> Model:
    # The engine validates input against the transition's model before any guard runs.
    if not isinstance(data, model):
        raise TypeError(f"expected {model.__name__} input, got {type(data).__name__}")
    return data


def all_of(*guards: Guard) -> Guard:
    """One guard from several: the first refusal wins."""

    def guard(facts: Facts, data: BaseModel | None) -> str | None:
        return next((r for g in guards if (r := g(facts, data)) is not None), None)

    return guard


def merged(*updates: FactsUpdate) -> FactsUpdate:
    def update(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
        recorded: dict[str, Any] = {}
        for each in updates:
            recorded.update(each(facts, data))
        return recorded

    return update


def fixed(**values: Any) -> FactsUpdate:
    return lambda _facts, _data: dict(values)


# A1: intake and safety triage


def age_gate_at_enquiry(_: Facts, data: BaseModel | None) -> str | None:
    intake = _given(Intake, data)
    result = age_gate(
        intake.young_person.date_of_birth,
        london_date(intake.enquiry_received_at),
        care_leaver=intake.care_leaver,
    )
    if result.admitted:
        return None
    # Named by its field, so a form shows the rule at the date of birth it was checked on.
    return (
        "young_person.date_of_birth: the young person must be 16 or 17 on the enquiry date "
        f"for the 16/17 intake; {result.message}"
    )


def intake_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    intake = _given(Intake, data)
    facts: dict[str, Any] = {
        "enquiry_received_at": intake.enquiry_received_at.isoformat(),
        "approached": intake.approached,
        "slept_last_night": intake.slept_last_night,
        "safe_tonight": intake.safe_tonight,
        "known_to_ics": intake.known_to_ics,
        "young_person_consent_given": intake.young_person_consent.given,
        "parent_consent_given": intake.parent_consent.given,
    }
    if intake.ics_case_reference:
        facts["ics_case_reference"] = intake.ics_case_reference
    if intake.referrer_email:
        facts["referrer_email"] = str(intake.referrer_email)
    return facts


def safe_tonight_as_recorded(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("safe_tonight") is False:
        return (
            "the intake records that the young person is not safe tonight: record "
            "'not safe tonight' and arrange emergency accommodation (A1a)"
        )
    return None


# A1a: emergency accommodation


def missing_for_bed_and_breakfast(placement: EmergencyPlacement) -> list[str]:
    """What a B&B placement has not recorded of the exception it needs: the reason and the
    manager who authorised it. Nothing for any other accommodation."""
    if placement.accommodation != "bed_and_breakfast":
        return []
    return [
        name
        for name, value in (
            ("bb_exceptional_reason", placement.bb_exceptional_reason),
            ("bb_authorised_by", placement.bb_authorised_by),
        )
        if not value
    ]


def bed_and_breakfast_gate(_: Facts, data: BaseModel | None) -> str | None:
    """B&B is unsuitable for a 16/17-year-old under the Code of Guidance (errata 2: not the
    2003 Order), so it needs a recorded exceptional reason and the authorising manager."""
    missing = missing_for_bed_and_breakfast(_given(EmergencyPlacement, data))
    if not missing:
        return None
    return (
        "bed and breakfast is unsuitable for a 16/17-year-old (Homelessness Code of Guidance; "
        "only exceptionally, for the shortest time): record " + " and ".join(missing)
    )


def enquiry_at(facts: Facts) -> datetime | None:
    received = facts.get("enquiry_received_at")
    return datetime.fromisoformat(received) if received else None


def placed_after_enquiry(facts: Facts, data: BaseModel | None) -> str | None:
    placement = _given(EmergencyPlacement, data)
    received = enquiry_at(facts)
    if received is not None and placement.placed_at < received:
        return f"placed_at: the placement cannot start before the enquiry ({received.isoformat()})"
    return None


def approach_was_to_housing(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("approached") == "childrens_services":
        return (
            "the young person approached children's services: emergency accommodation is "
            "provided under s.20 Children Act 1989, which comes before Part 7 (R (G) v Southwark)"
        )
    return None


def placement_facts(power: str) -> FactsUpdate:
    def update(_: Facts, data: BaseModel | None) -> dict[str, Any]:
        placement = _given(EmergencyPlacement, data)
        facts: dict[str, Any] = {
            "emergency_placement": power,
            "placed_at": placement.placed_at.isoformat(),
            "accommodation": placement.accommodation,
        }
        if placement.accommodation == "bed_and_breakfast":
            facts["bb_exceptional_use"] = {
                "reason": placement.bb_exceptional_reason,
                "authorised_by": placement.bb_authorised_by,
            }
        return facts

    return update


# A2: joint visit


def family_and_young_person_seen(_: Facts, data: BaseModel | None) -> str | None:
    visit = _given(JointVisit, data)
    unseen = [
        who
        for who, seen in (
            ("the family", visit.saw_family),
            ("the young person", visit.saw_young_person),
        )
        if not seen
    ]
    if unseen:
        return (
            "the joint visit must see the family and the young person [S000]; not seen: "
            + " and ".join(unseen)
        )
    return None


# A3-A5: support package


def caf_plan_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    plan = _given(CafPlan, data)
    return {"caf_plan": plan.plan, "support_domains": list(plan.support_domains)}


def duty_open(facts: Facts) -> bool:
    return bool(facts.get("lha_duty")) and not facts.get("duty_outcome")


def prevention_duty_can_open(facts: Facts, data: BaseModel | None) -> str | None:
    duty = _given(PreventionDuty, data)
    if duty_open(facts):
        return "the LHA prevention duty is already open: record how it ended first"
    received = enquiry_at(facts)
    if received is not None and duty.satisfied_on < london_date(received):
        return (
            f"satisfied_on: {duty.satisfied_on.isoformat()} is before the enquiry "
            f"({london_date(received).isoformat()})"
        )
    return None


def prevention_duty_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    duty = _given(PreventionDuty, data)
    return {
        "lha_duty": "prevention",
        "prevention_duty_from": duty.satisfied_on.isoformat(),
        "personalised_housing_plan_agreed": duty.personalised_housing_plan_agreed,
        "duty_outcome": None,
    }


def duty_is_open(facts: Facts, _: BaseModel | None) -> str | None:
    return None if duty_open(facts) else "no LHA duty is open on this case"


def duty_ended_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {"duty_outcome": _given(DutyEnded, data).duty_outcome}


def home_meeting_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    meeting = _given(HomeMeeting, data)
    return {
        "last_home_meeting": {
            "support_taken_up": meeting.support_taken_up,
            "progress": meeting.progress,
        }
    }


def review_facts(kind: str) -> FactsUpdate:
    def update(_: Facts, data: BaseModel | None) -> dict[str, Any]:
        review = _given(Review, data)
        return {
            "package_effective": review.package_effective,
            f"last_{kind}": {
                "support_taken_up": review.support_taken_up,
                "progress": review.progress,
                "package_effective": review.package_effective,
            },
        }

    return update


# A6-A7: assessment and the s.20 decision


def package_not_effective(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("looked_after") or facts.get("package_effective") is False:
        return None
    return (
        "escalate to an assessment only when the latest review found the support package "
        "not effective (A5), or the young person is looked after"
    )


def escalation_facts(_: Facts, __: BaseModel | None) -> dict[str, Any]:
    # A new assessment changes the picture: earlier requests to stop no longer count.
    return {"escalated_to_assessment": True, **dict.fromkeys(CLOSURE_AGREEMENTS, False)}


def referral_decision_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {"referral_decision": _given(ReferralDecision, data).decision}


def referral_decided(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("referral_decision"):
        return None
    return "record the ICS decision on the referral (T07) before the assessment outcome"


def assessment_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {"assessment_outcome": _given(AssessmentCompleted, data).decision}


def assessment_led_to(allowed: frozenset[str], what: str) -> Guard:
    def guard(facts: Facts, _: BaseModel | None) -> str | None:
        outcome = facts.get("assessment_outcome")
        if outcome in allowed:
            return None
        wanted = " or ".join(sorted(allowed))
        return f"{what} needs an assessment outcome of {wanted} (recorded: {outcome})"

    return guard


def advice_and_advocacy_given(_: Facts, data: BaseModel | None) -> str | None:
    decision = data if isinstance(data, S20Refused) else _given(S20Declined, data)
    missing = [
        name
        for name, given in (
            ("advice_given", decision.advice_given),
            ("advocacy_offered", decision.advocacy_offered),
        )
        if not given
    ]
    if not missing:
        return None
    return (
        "s.20 can be recorded as declined only after the young person was fully advised and "
        "offered independent advocacy [O-GD]; not recorded: " + " and ".join(missing)
    )


def s20_declined_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    decision = _given(S20Declined, data)
    return {
        "s20_declined_after_advice": True,
        "advice_given": decision.advice_given,
        "advocacy_offered": decision.advocacy_offered,
        # A 16/17-year-old not owed s.20 accommodation has priority need [SH-1617].
        "priority_need": True,
        "lha_route": "part7",
    }


# A9: closure and the other endings


def closure_gate(facts: Facts, _: BaseModel | None) -> str | None:
    missing = [label for fact, label in CLOSURE_AGREEMENTS.items() if not facts.get(fact)]
    if not missing:
        return None
    return (
        "the case closes only when the family asks to stop, the young person asks to stop "
        "and the team agrees [S000]; still missing: " + ", ".join(missing)
    )


def duty_outcome_recorded(facts: Facts, data: BaseModel | None) -> str | None:
    if duty_open(facts) and _given(Ending, data).duty_outcome is None:
        duty = facts.get("lha_duty", "prevention")
        return f"duty_outcome: the LHA {duty} duty is still open; record how it ended"
    return None


def ending_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    outcome = _given(Ending, data).duty_outcome
    return {"duty_outcome": outcome} if outcome else {}


def home_authority_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {"home_authority": _given(BackToHomeAuthority, data).home_authority}


def s20_handoff_payload(_: Facts, __: BaseModel | None) -> dict[str, Any]:
    return {"legal_status": "looked_after_s20"}
