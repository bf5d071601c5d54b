"""The gates pathway 1.1 of the 16/17 intake adds (issue #9): who may end looked-after status,
consent as a gate, one closure gate for every ending, the LHA's own duties and decisions, and
the placement's district, B&B and s.208 notice.

Pure, like ``youth_1617_rules``: each guard takes the case facts and the validated input and
returns a refusal reason or None; each ``*_facts`` returns what its step records.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import BaseModel

from pathways.calendar import london_date
from pathways.case_policy import policy_of
from pathways.definitions.youth_1617_inputs import (
    CafPlanAgreed,
    CeasingToLookAfter,
    ChildrensServicesTransfer,
    ConsentChange,
    ConsentOverride,
    MovedOn,
    NoticeSent,
    Placement,
    PreventionDuty,
    PriorityNeedDecision,
    S20Accepted,
    S20Ended,
    S20Refused,
)
from pathways.definitions.youth_1617_rules import Facts, _given, duty_open, enquiry_at
from pathways.engine.definition import FactsUpdate, Guard
from pathways.engine.snapshot import CaseSnapshot
from pathways.principal import Actor
from pathways.roles import service_of

LOOKED_AFTER_AFTER: Final = timedelta(hours=24)
"""s.22(2) Children Act 1989: looked after once s.20 accommodation lasts *more than* this."""

REG39 = "SI 2010/959 reg.39(5) (spec errata 11)"
CONSENT_SOURCE = "seed 002; spec errata 15"

# What a closure by agreement needs [S000], and how a refusal names each missing part.
CLOSURE_AGREEMENTS_1_1: Final[Mapping[str, str]] = {
    "family_asked_to_stop": "the family asking to stop",
    "young_person_asked_to_stop": "the young person asking to stop",
    "lha_manager_agreed_closure": "an LHA manager agreeing to close",
    "ics_manager_agreed_closure": "a children's services manager agreeing to close",
}
TEAM: Final[Mapping[str, str]] = {
    "lha_manager_agreed_closure": "housing",
    "ics_manager_agreed_closure": "childrens",
}


# A1a: the young person's legal status


def in_childrens_services_care(facts: Facts) -> bool:
    """Looked after, or accommodated under s.20 and not yet back home: children's services'."""
    s20_running = facts.get("emergency_placement") == "s20" and not facts.get(
        "emergency_placement_ended"
    )
    return bool(facts.get("looked_after")) or s20_running


def childrens_services_only_in_care(snapshot: CaseSnapshot, actor: Actor) -> str | None:
    """Only the agency that owns a legal status can end it: a housing role never ends s.20
    accommodation or looked-after status (spec errata 11)."""
    if in_childrens_services_care(snapshot.facts) and service_of(actor.role) != "childrens":
        return (
            "the young person is accommodated under s.20 or looked after: only children's "
            f"services can end that, with the director's approval ({REG39}); role "
            f"'{actor.role}' may not"
        )
    return None


def looked_after_end_approved(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("looked_after") and not facts.get("ceasing_to_look_after_approved"):
        return (
            "the young person is looked after: the Director of Children's Services (or their "
            f"nominee) must approve ceasing to look after them first, after the reg.39 "
            f"assessments ({REG39})"
        )
    return None


def is_looked_after(facts: Facts, _: BaseModel | None) -> str | None:
    return None if facts.get("looked_after") else "the young person is not looked after"


def not_looked_after(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("looked_after"):
        return (
            "the young person is looked after: a return to their home authority is a transfer "
            "between children's services (record 'transfer to home children's services')"
        )
    return None


def reg39_approval_given(_: Facts, data: BaseModel | None) -> str | None:
    if _given(CeasingToLookAfter, data).reg39_assessments_completed:
        return None
    return (
        "reg39_assessments_completed: the reg.39 assessments (the young person's wishes, "
        f"suitability of the arrangements, and support) come before approval ({REG39})"
    )


def leaves_care() -> dict[str, Any]:
    """What a step that takes the young person out of children's services' care records."""
    return {"looked_after": False, "emergency_placement_ended": True}


def s20_ended_within_24_hours(facts: Facts, data: BaseModel | None) -> str | None:
    ended_at = _given(S20Ended, data).ended_at
    placed_at = _placed_at(facts)
    if placed_at is None:
        return "no s.20 placement is recorded"
    if ended_at < placed_at:
        return f"ended_at: the placement cannot end before it began ({placed_at.isoformat()})"
    if ended_at - placed_at > LOOKED_AFTER_AFTER:
        return (
            "ended_at: the s.20 accommodation had lasted more than 24 hours, so the young "
            "person is looked after (Children Act 1989 s.22(2)); ending it needs the director's "
            f"approval ({REG39})"
        )
    return None


def _placed_at(facts: Facts) -> datetime | None:
    placed = facts.get("placed_at")
    return datetime.fromisoformat(placed) if placed else None


# A1a: the placement itself


def placement_facts(power: str) -> FactsUpdate:
    def update(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
        placement = _given(Placement, data)
        recorded: dict[str, Any] = {
            "emergency_placement": power,
            "emergency_placement_ended": False,
            "placed_at": placement.placed_at.isoformat(),
            "accommodation": placement.accommodation,
            "placement_district": placement.district,
            "placement_out_of_district": placement.district != facts.get("authority"),
        }
        if placement.accommodation == "bed_and_breakfast":
            recorded["bb_exceptional_use"] = {
                "reason": placement.bb_exceptional_reason,
                "authorised_by": placement.bb_authorised_by,
            }
        if power == "s188":
            # A young person placed under s.188 is homeless [errata 12].
            recorded["homeless"] = True
        return recorded

    return update


def needs_s208_notice(facts: Facts) -> bool:
    """s.208(1): a Part 7 placement in another district; s.20 accommodation is not Part 7."""
    return facts.get("emergency_placement") == "s188" and bool(
        facts.get("placement_out_of_district")
    )


def in_bed_and_breakfast(facts: Facts) -> bool:
    return facts.get("accommodation") == "bed_and_breakfast"


def is_in_bed_and_breakfast(facts: Facts, _: BaseModel | None) -> str | None:
    return None if in_bed_and_breakfast(facts) else "the young person is not in bed and breakfast"


def moved_on_after_placement(facts: Facts, data: BaseModel | None) -> str | None:
    moved = _given(MovedOn, data)
    if moved.accommodation == "bed_and_breakfast":
        return "accommodation: moving on from bed and breakfast means somewhere that is not B&B"
    placed_at = _placed_at(facts)
    if placed_at is not None and moved.moved_at < placed_at:
        return f"moved_at: cannot be before the placement began ({placed_at.isoformat()})"
    return None


def moved_on_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    moved = _given(MovedOn, data)
    return {"accommodation": moved.accommodation, "moved_on_at": moved.moved_at.isoformat()}


def notice_due(facts: Facts, data: BaseModel | None) -> str | None:
    if not needs_s208_notice(facts):
        return "no placement outside the district under s.188 is recorded: no s.208 notice is due"
    if facts.get("s208_notice_sent_on"):
        return "the s.208 notice is already recorded as sent"
    placed_at = _placed_at(facts)
    sent_on = _given(NoticeSent, data).sent_on
    if placed_at is not None and sent_on < london_date(placed_at):
        return f"sent_on: cannot be before the placement ({london_date(placed_at).isoformat()})"
    return None


def notice_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {"s208_notice_sent_on": _given(NoticeSent, data).sent_on.isoformat()}


# A3 and A6: consent is a gate


def missing_consents(facts: Facts) -> list[str]:
    """Whose consent an intensive Early Help plan or an s.17 assessment still lacks."""
    if facts.get("consent_override"):
        return []
    needed = ["young_person"]
    if policy_of(facts).get("parent_consent_required", True):
        needed.append("parent")
    labels = {"young_person": "the young person's", "parent": "the parent's"}
    missing = []
    for whose in needed:
        given = facts.get(f"{whose}_consent_given")
        if not given:
            state = "withdrawn" if facts.get(f"{whose}_consent_withdrawn") else "not given"
            missing.append(f"{labels[whose]} consent ({state})")
    return missing


def consent_for(what: str) -> Guard:
    def guard(facts: Facts, _: BaseModel | None) -> str | None:
        missing = missing_consents(facts)
        if not missing:
            return None
        return (
            f"{what} needs consent ({CONSENT_SOURCE}); missing: {' and '.join(missing)}. "
            "Record the consent, or the safeguarding lead may override with a rationale"
        )

    return guard


def consent_change_facts(given: bool) -> FactsUpdate:
    def update(_: Facts, data: BaseModel | None) -> dict[str, Any]:
        whose = _given(ConsentChange, data).whose
        return {f"{whose}_consent_given": given, f"{whose}_consent_withdrawn": not given}

    return update


def consent_matches(given: bool) -> Guard:
    def guard(_: Facts, data: BaseModel | None) -> str | None:
        change = _given(ConsentChange, data)
        if change.consent.given is given:
            return None
        step = "consent given" if given else "consent withdrawn"
        return f"consent.given: must be {str(given).lower()} for '{step}'"

    return guard


def override_grounds(facts: Facts, data: BaseModel | None) -> str | None:
    if not missing_consents(facts):
        return "no consent the protocol requires is missing: there is nothing to override"
    if _given(ConsentOverride, data).significant_harm_concern:
        return None
    return (
        "significant_harm_concern: consent may be overridden only where the impact on the "
        "child is so significant that work without consent is necessary (seed 002)"
    )


def caf_plan_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    plan = _given(CafPlanAgreed, data)
    return {"caf_plan": plan.plan, "stress_areas": list(plan.stress_areas)}


def reviews_start_at_the_plan(facts: Facts) -> bool:
    """The weekly and monthly reviews open at case opening (spec T05, T06) unless the
    authority's policy starts them at the CAF plan; at the plan either way they run."""
    return policy_of(facts).get("reviews_start", "case_opened") == "case_opened" or (
        "caf_plan" in facts
    )


# A5-A6: routes to the assessment


def homeless_young_person(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("homeless"):
        return None
    return (
        "this referral is for a homeless young person placed under s.188; otherwise escalate "
        "when a review finds the package not effective (A5)"
    )


def escalation_facts(reason: str) -> FactsUpdate:
    def update(_: Facts, __: BaseModel | None) -> dict[str, Any]:
        # A new assessment changes the picture: earlier requests to stop no longer count.
        return {
            "escalated_to_assessment": True,
            "assessment_reason": reason,
            **dict.fromkeys(CLOSURE_AGREEMENTS_1_1, False),
        }

    return update


# A7: s.20 refused


def s20_refused_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    decision = _given(S20Refused, data)
    return {
        "s20_declined_after_advice": True,
        "advice_given": decision.advice_given,
        "advocacy_offered": decision.advocacy_offered,
        "childrens_services_support": "s17_child_in_need",
        "lha_route": "part7",
        **leaves_care(),
    }


# The LHA's own duties and decisions (Part 7)


def duty_can_open(kind: str) -> Guard:
    def guard(facts: Facts, data: BaseModel | None) -> str | None:
        duty = _given(PreventionDuty, data)
        if duty_open(facts):
            return f"the LHA {facts.get('lha_duty')} duty is open: record how it ended first"
        if kind == "prevention" and facts.get("homeless"):
            return (
                "the young person is homeless (placed under s.188): the LHA owes the relief "
                "duty (s.189B), not the prevention duty (spec errata 12)"
            )
        received = enquiry_at(facts)
        day = london_date(received) if received is not None else None
        if day is not None and duty.satisfied_on < day:
            return (
                f"satisfied_on: {duty.satisfied_on.isoformat()} is before the enquiry "
                f"({day.isoformat()})"
            )
        return None

    return guard


def duty_facts(kind: str) -> FactsUpdate:
    def update(_: Facts, data: BaseModel | None) -> dict[str, Any]:
        duty = _given(PreventionDuty, data)
        return {
            "lha_duty": kind,
            f"{kind}_duty_from": duty.satisfied_on.isoformat(),
            "personalised_housing_plan_agreed": duty.personalised_housing_plan_agreed,
            "duty_outcome": None,
        }

    return update


def priority_need_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    decision = _given(PriorityNeedDecision, data)
    return {
        "priority_need": decision.priority_need,
        "priority_need_decided_on": decision.decided_on.isoformat(),
    }


# A9: the closure gate, for every ending


def team_agreement_missing(facts: Facts) -> list[str]:
    agreed = [fact for fact in TEAM if facts.get(fact)]
    if policy_of(facts).get("closure_agreement", "both_agencies") == "one_agency":
        return [] if agreed else ["a manager of the agency still involved agreeing to close"]
    return [CLOSURE_AGREEMENTS_1_1[fact] for fact in TEAM if fact not in agreed]


def closure_gate(facts: Facts, _: BaseModel | None) -> str | None:
    """Seed 000: closure 'only if both the family and the young person ask to stop and the
    team considers this appropriate'. Every route that stops the joint work passes it."""
    missing = [
        CLOSURE_AGREEMENTS_1_1[fact]
        for fact in ("family_asked_to_stop", "young_person_asked_to_stop")
        if not facts.get(fact)
    ]
    missing += team_agreement_missing(facts)
    if not missing:
        return None
    return (
        "the case closes only when the family asks to stop, the young person asks to stop "
        "and the team agrees [S000]; still missing: " + ", ".join(missing)
    )


def team_agrees_to_transfer(facts: Facts, _: BaseModel | None) -> str | None:
    """A transfer is not a stop (the help goes on elsewhere), but the team still agrees it."""
    missing = team_agreement_missing(facts)
    if not missing:
        return None
    return "a transfer needs the team's agreement [S000]; still missing: " + ", ".join(missing)


def closure_record(facts: Facts, _: BaseModel | None) -> dict[str, Any]:
    """Which agencies agreed the closure, as the authority's policy asked."""
    return {
        "closure_agreed_by": [service for fact, service in TEAM.items() if facts.get(fact)],
        "closure_agreement_rule": policy_of(facts).get("closure_agreement", "both_agencies"),
    }


def assistance_rejected_recorded(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("assistance_rejected"):
        return None
    return "record that the young person rejected assistance first"


def transfer_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    transfer = _given(ChildrensServicesTransfer, data)
    return {
        "home_authority": transfer.home_authority,
        "transfer": "between_childrens_services",
        "receiving_childrens_services": transfer.receiving_childrens_services,
    }


def receiving_authority_agreed(_: Facts, data: BaseModel | None) -> str | None:
    if _given(ChildrensServicesTransfer, data).receiving_authority_agreed:
        return None
    return (
        "receiving_authority_agreed: a looked-after young person transfers only when the "
        "receiving children's services have agreed to take over"
    )


def s20_handoff_payload(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
    """The linked care-leaver case counts the 13 weeks of reg.40 from the day the young person
    was first accommodated: the emergency placement if it made them looked after, else the
    day s.20 accommodation began after the assessment."""
    placed_at = _placed_at(facts)
    # Only an s.20 emergency placement that made them looked after (and never ended) counts; an
    # s.188 placement is housing's, and looked_after is already set by the hand-off itself.
    looked_after_since_placement = (
        facts.get("emergency_placement") == "s20"
        and not facts.get("emergency_placement_ended")
        and "looked_after_basis" in facts
    )
    since = (
        london_date(placed_at)
        if looked_after_since_placement and placed_at is not None
        else _given(S20Accepted, data).accommodated_from
    )
    return {
        "legal_status": "looked_after_s20",
        "looked_after_since": since.isoformat(),
        "weeks_looked_after_since_14_before": 0,
    }
