"""The pure rules of Pathway B 1.0 (spec §3; seed 004 §2.2-2.10): what each step records, the
gates on it, and the tests that open timers and send alerts.

Facts hold codes and days, never a name or a date of birth: the birthday clocks count from the
young person's Person row (``young_person.date_of_birth``), and whether they are under 18 is read
from their legal status (a former relevant child is 18 or over), not from their age.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from pydantic import BaseModel

from pathways.deadlines import compute_deadline, get_rule, resolve_amount
from pathways.definitions import care_leaver_v0 as care_leaver
from pathways.definitions.care_leaver_inputs import (
    STILL_LOOKED_AFTER,
    AccommodationPlan,
    CareLeaverOpening10,
    CohortDetails,
    ContingencyPlan,
    DutiesAtRisk,
    DutyToRefer,
    HousingRegistration,
    LacReview,
    LeftCare,
    LhaDutyEnded,
    LhaDutyOpened,
    MoveAgreement,
    NeedsAssessment,
    PathwayPlan,
    PersonalisedHousingPlan,
    PlannedMove,
    PlanReview,
    Pre18Panel,
    ReferralAcknowledged,
    RiskTrigger,
    SharingConsent,
    SupportTo25,
    _WithOption,
)
from pathways.definitions.youth_1617_inputs import HousingPlacement
from pathways.definitions.youth_1617_rules import Facts, _given, missing_for_bed_and_breakfast
from pathways.engine.definition import FactsUpdate
from pathways.engine.snapshot import CaseSnapshot

MOVE_RULE: Final = "move-agreement"
SEED_004: Final = "seed 004 [S004]"


def _day(facts: Facts, name: str) -> date | None:
    value = facts.get(name)
    return date.fromisoformat(value) if isinstance(value, str) else None


# --- opening and the cohort ----------------------------------------------------------------------


def cohort_facts(details: CohortDetails) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "responsible_authority": details.responsible_authority,
        "placement_type": details.placement_type,
        "custody_or_yos": details.custody_or_yos,
        "pregnant": details.pregnant,
        "has_children": details.has_children,
        "consent_to_share_with_lha": details.consent_to_share_with_lha,
    }
    # A username names a member of staff, not the young person, so it may be a fact.
    if details.personal_adviser:
        facts["personal_adviser"] = details.personal_adviser
    if details.independent_reviewing_officer:
        facts["iro"] = details.independent_reviewing_officer
    # The corporate parent's name is typed, so it stays in the stored input only.
    facts["corporate_parent_named"] = details.corporate_parent is not None
    return facts


def status_facts(legal_status: str) -> dict[str, Any]:
    """What 1.0 reads from the legal status, at opening and on a move from 0.x: whether the
    young person is looked after and under 18 (a former relevant child is 18 or over: the age
    comes from the status, not a date) and, at 18 or over, that the birthday has passed and the
    needs assessment was owed at 16, so no clock runs for it now."""
    under_18 = legal_status != "former_relevant_child"
    facts: dict[str, Any] = {
        "looked_after": legal_status in STILL_LOOKED_AFTER,
        "under_18_at_opening": under_18,
    }
    if not under_18:
        facts[care_leaver.NEEDS_ASSESSMENT_FROM] = "assessed_before_18"
        facts["reached_18"] = True
    return facts


def opening_facts(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
    """0.2's facts (legal status, what the needs assessment counts from), the cohort, and
    what the legal status says (``status_facts``)."""
    opening = _given(CareLeaverOpening10, data)
    recorded = care_leaver.opening_facts(facts, opening)
    recorded.update(
        legal_basis=opening.legal_basis,
        support_to_25_requested=opening.support_to_25_requested,
        **cohort_facts(opening.cohort),
        **status_facts(opening.legal_status),
    )
    return recorded


def record_cohort(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return cohort_facts(_given(CohortDetails, data))


def under_18_at_opening(facts: Facts) -> bool:
    return bool(facts.get("under_18_at_opening"))


def support_to_21(facts: Facts) -> bool:
    return not facts.get("support_to_25_requested")


def support_to_25(facts: Facts) -> bool:
    return bool(facts.get("support_to_25_requested"))


# --- B1 and B2: needs assessment and pathway plan ------------------------------------------------


def needs_assessment_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {"needs_assessment_on": _given(NeedsAssessment, data).completed_on.isoformat()}


def pathway_plan_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    plan = _given(PathwayPlan, data)
    recorded: dict[str, Any] = {
        "pathway_plan_agreed_on": plan.agreed_on.isoformat(),
        "pathway_plan_reviewed_on": plan.agreed_on.isoformat(),
    }
    if plan.personal_adviser:
        recorded["personal_adviser"] = plan.personal_adviser
    return recorded


def personal_adviser_appointed(facts: Facts, data: BaseModel | None) -> str | None:
    """B2: the plan comes with a Personal Adviser (Children Act 1989 s.23B(2), s.23C(3))."""
    if _given(PathwayPlan, data).personal_adviser or facts.get("personal_adviser"):
        return None
    return (
        "personal_adviser: a pathway plan is made with a Personal Adviser appointed (Children "
        "Act 1989 s.23B(2), s.23C(3); spec §3 B2): name them (staff username)"
    )


def plan_reviews_on_care_leaver_cycle(facts: Facts) -> bool:
    """T18's own 6-month clock runs only once the young person has left care; while looked
    after, the looked-after review cycle reviews the plan (errata 20)."""
    return not facts.get("looked_after") and "pathway_plan_reviewed_on" in facts


def has_pathway_plan(facts: Facts, _: BaseModel | None) -> str | None:
    if "pathway_plan_agreed_on" in facts:
        return None
    return "no pathway plan is recorded yet (B2 record_pathway_plan)"


def review_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {"pathway_plan_reviewed_on": _given(PlanReview, data).held_on.isoformat()}


def lac_review_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {"pathway_plan_reviewed_on": _given(LacReview, data).held_on.isoformat()}


def still_looked_after(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("looked_after"):
        return None
    return (
        "the young person is no longer looked after: the pathway plan is reviewed on the "
        "care-leaver cycle (record_pathway_plan_review), not at a looked-after review"
    )


# --- leaving care: children's services' own status -----------------------------------------------


def left_care_gate(facts: Facts, data: BaseModel | None) -> str | None:
    if not facts.get("looked_after"):
        return "the young person is not recorded as looked after"
    return None


def left_care_before_18_needs_director(snapshot: CaseSnapshot, _: BaseModel | None) -> str | None:
    """reg.39(5) SI 2010/959 (errata 11): before 18, ceasing to look after a young person
    waits for the director's (or nominee's) approval. The 18th birthday is the case's clock
    (``turns_18``), not the worker's answer."""
    if snapshot.facts.get("reached_18") or snapshot.entries(
        decision="approve_ceasing_to_look_after"
    ):
        return None
    return (
        "the young person is under 18: a decision to stop looking after them needs the "
        "Director of Children's Services' (or nominee's) approval first "
        "(approve_ceasing_to_look_after; SI 2010/959 reg.39(5))"
    )


def left_care_facts(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
    left = _given(LeftCare, data)
    status = "former_relevant_child" if facts.get("reached_18") else "relevant_child"
    return {
        "looked_after": False,
        "left_care_on": left.ceased_on.isoformat(),
        "legal_status": status,
        "legal_basis": "left_care",
    }


def needs_assessment_done_or_not_owed(facts: Facts, _: BaseModel | None) -> str | None:
    """A young person opened at 18 or over had their needs assessment owed at 16: their
    pathway plan is recorded straight away."""
    if "needs_assessment_on" in facts or (
        facts.get(care_leaver.NEEDS_ASSESSMENT_FROM) == "assessed_before_18"
    ):
        return None
    return "record the needs assessment first (B1 record_needs_assessment; SI 2010/959 reg.42)"


# --- B3-B6: register, panel, plans ---------------------------------------------------------------


def registration_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    registration = _given(HousingRegistration, data)
    return {
        "housing_register": {
            "authority": registration.registered_with,
            "registered_on": registration.registered_on.isoformat(),
            "deferred_activation": registration.deferred_activation,
        }
    }


def _option(data: _WithOption) -> dict[str, Any]:
    # The exceptional reason is typed text: it stays in the stored input (personal_facts).
    return {"option": data.option, "bed_and_breakfast": data.option == "bed_and_breakfast"}


def panel_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    panel = _given(Pre18Panel, data)
    return {
        "pre18_panel": {
            "held_on": panel.held_on.isoformat(),
            "attendees": list(panel.attendees),
            **_option(panel),
        }
    }


def plan_facts(name: str, model: type[AccommodationPlan | ContingencyPlan]) -> FactsUpdate:
    def update(_: Facts, data: BaseModel | None) -> dict[str, Any]:
        plan = _given(model, data)
        return {name: {"agreed_on": plan.agreed_on.isoformat(), **_option(plan)}}

    return update


# --- T19: planned moves --------------------------------------------------------------------------


def _notice_days(snapshot: CaseSnapshot) -> int:
    return resolve_amount(get_rule(MOVE_RULE), snapshot.rule_overrides)


def _short_notice_problem(
    snapshot: CaseSnapshot, move_on: date, agreed_on: date, reason: str | None, detail: str | None
) -> str | None:
    latest = compute_deadline(MOVE_RULE, move_on, snapshot.rule_overrides).due_date
    days = _notice_days(snapshot)
    if agreed_on > move_on:
        return "plan_agreed_on: a move's plan is agreed before the move, not after it"
    if agreed_on <= latest:
        if reason or detail:
            return (
                f"short_notice_reason: only for a move agreed with less than {days} days' "
                f"notice; this one was agreed {(move_on - agreed_on).days} days ahead"
            )
        return None
    if reason is None or not detail:
        missing = "short_notice_reason" if reason is None else "short_notice_detail"
        return (
            f"{missing}: the move was agreed {(move_on - agreed_on).days} days ahead, less than "
            f"the {days} days' notice planned moves need (seed 004 §2.2; T19): it is recorded "
            "as a breach, so give the reason and say why (errata 17: not blocked)"
        )
    return None


def planned_move_gate(snapshot: CaseSnapshot, data: BaseModel | None) -> str | None:
    move = _given(PlannedMove, data)
    # An agreed move leaves planned_move_on empty (None), not absent.
    if snapshot.facts.get("planned_move_on"):
        return "a planned move is already waiting for its agreement (agree_planned_move)"
    if move.plan_agreed_on is None:
        if move.short_notice_reason or move.short_notice_detail:
            return "short_notice_reason: record it when the plan is agreed (agree_planned_move)"
        return None
    return _short_notice_problem(
        snapshot,
        move.planned_move_on,
        move.plan_agreed_on,
        move.short_notice_reason,
        move.short_notice_detail,
    )


def move_agreement_gate(snapshot: CaseSnapshot, data: BaseModel | None) -> str | None:
    move_on = _day(snapshot.facts, "planned_move_on")
    if move_on is None:
        return "no planned move is waiting for agreement (record_planned_move)"
    agreement = _given(MoveAgreement, data)
    return _short_notice_problem(
        snapshot,
        move_on,
        agreement.agreed_on,
        agreement.short_notice_reason,
        agreement.short_notice_detail,
    )


def _agreed_move(
    facts: Facts, move_on: date, agreed_on: date, reason: str | None
) -> dict[str, Any]:
    moves = list(facts.get("moves", []))
    moves.append(
        {
            "planned_move_on": move_on.isoformat(),
            "agreed_on": agreed_on.isoformat(),
            "notice_days": (move_on - agreed_on).days,
            "short_notice": reason is not None,
            "reason": reason,
        }
    )
    return {
        "moves": moves,
        "short_notice_moves": sum(1 for m in moves if m["short_notice"]),
        "planned_move_on": None,
    }


def planned_move_facts(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
    move = _given(PlannedMove, data)
    if move.plan_agreed_on is None:
        return {"planned_move_on": move.planned_move_on.isoformat()}
    return _agreed_move(facts, move.planned_move_on, move.plan_agreed_on, move.short_notice_reason)


def move_agreed_facts(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
    agreement = _given(MoveAgreement, data)
    move_on = _day(facts, "planned_move_on")
    assert move_on is not None  # move_agreement_gate ran first
    return _agreed_move(facts, move_on, agreement.agreed_on, agreement.short_notice_reason)


def move_waiting_for_agreement(facts: Facts) -> bool:
    return bool(facts.get("planned_move_on"))


def last_move_short_notice(facts: Facts) -> bool:
    moves = facts.get("moves") or []
    return bool(moves) and bool(moves[-1].get("short_notice")) and not facts.get("planned_move_on")


# --- consent and risk triggers (errata 23) -------------------------------------------------------


def consent_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {"consent_to_share_with_lha": _given(SharingConsent, data).consent_to_share_with_lha}


def risk_trigger_facts(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
    trigger = _given(RiskTrigger, data)
    consent = bool(facts.get("consent_to_share_with_lha"))
    triggers = list(facts.get("risk_triggers", []))
    triggers.append(
        {
            "trigger": trigger.trigger,
            "on": trigger.on.isoformat(),
            "lha_told": consent,
            "basis": "consent" if consent else "none",
        }
    )
    return {"risk_triggers": triggers}


def lha_may_hear_of_risk(facts: Facts) -> bool:
    triggers = facts.get("risk_triggers") or []
    return bool(triggers) and bool(triggers[-1].get("lha_told"))


def risk_untold(facts: Facts, _: BaseModel | None) -> str | None:
    triggers = facts.get("risk_triggers") or []
    if triggers and not triggers[-1].get("lha_told"):
        return None
    return "no risk trigger is waiting for a decision to tell the housing authority"


def risk_override_facts(facts: Facts, _: BaseModel | None) -> dict[str, Any]:
    triggers = [dict(t) for t in facts.get("risk_triggers", [])]
    triggers[-1].update(lha_told=True, basis="override")
    return {"risk_triggers": triggers}


# --- B7: the duty to refer -----------------------------------------------------------------------


def duty_to_refer_gate(facts: Facts, data: BaseModel | None) -> str | None:
    """s.213B(3): the referral needs the young person's consent and their choice of authority;
    Code 4.1: and consent to pass on their contact details. Enforced, not just recorded."""
    if "duty_to_refer" in facts and not facts.get("referral_acknowledged_on"):
        return (
            "a referral is already waiting for the housing authority's acknowledgement "
            "(acknowledge_referral); a new one would replace it unanswered"
        )
    referral = _given(DutyToRefer, data)
    missing = [
        name
        for name, given in (
            ("consent_to_refer", referral.consent_to_refer),
            ("consent_to_share_contact_details", referral.consent_to_share_contact_details),
        )
        if not given
    ]
    if missing:
        return (
            f"{missing[0]}: the duty to refer needs the young person's consent to the referral "
            "and to their contact details being passed on (Housing Act 1996 s.213B(3); Code of "
            "Guidance 4.1); without it, advise them to approach the housing authority themself"
        )
    return None


def duty_to_refer_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    referral = _given(DutyToRefer, data)
    return {
        "duty_to_refer": {
            "to_authority": referral.chosen_authority,
            "outside_directory": referral.chosen_authority is None,
            "situation": referral.situation,
            "referred_on": referral.referred_on.isoformat(),
        },
        "duty_to_refer_authority": referral.chosen_authority,
        "referral_acknowledged_on": None,
    }


def referred_in_directory(facts: Facts) -> bool:
    return bool(facts.get("duty_to_refer_authority"))


def referral_waiting(facts: Facts, data: BaseModel | None) -> str | None:
    if "duty_to_refer" not in facts:
        return "no duty-to-refer referral is recorded (refer_to_housing)"
    if facts.get("referral_acknowledged_on"):
        return "the referral is already acknowledged"
    referred_on = _day(facts["duty_to_refer"], "referred_on")
    acknowledged = _given(ReferralAcknowledged, data).acknowledged_on
    if referred_on is not None and acknowledged < referred_on:
        return f"acknowledged_on: cannot be before the referral ({referred_on.isoformat()})"
    return None


def acknowledged_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {
        "referral_acknowledged_on": _given(ReferralAcknowledged, data).acknowledged_on.isoformat()
    }


# --- the LHA's duties (s.195 prevention, s.189B relief) ------------------------------------------


def lha_duty_open(facts: Facts) -> bool:
    return bool(facts.get("lha_duty"))


def no_lha_duty_open(facts: Facts, _: BaseModel | None) -> str | None:
    if lha_duty_open(facts):
        return f"the {facts['lha_duty']} duty is already open: end it first (end_lha_duty)"
    return None


def lha_duty_is_open(facts: Facts, _: BaseModel | None) -> str | None:
    return None if lha_duty_open(facts) else "no prevention or relief duty is open"


def lha_duty_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    opened = _given(LhaDutyOpened, data)
    return {"lha_duty": opened.duty, "lha_duty_from": opened.satisfied_on.isoformat()}


def interim_bed_and_breakfast_gate(_: Facts, data: BaseModel | None) -> str | None:
    """B&B is not suitable for care leavers: only exceptionally, as a last resort (seed 004
    §2.4), with the reason and the housing manager who authorised it."""
    missing = missing_for_bed_and_breakfast(_given(HousingPlacement, data))
    if not missing:
        return None
    return (
        f"{missing[0]}: bed and breakfast is not suitable accommodation for care leavers and is "
        "used only in exceptional circumstances, as a last resort (seed 004 §2.4): record "
        + " and ".join(missing)
    )


def prevention(facts: Facts) -> bool:
    return facts.get("lha_duty") == "prevention"


def relief(facts: Facts) -> bool:
    return facts.get("lha_duty") == "relief"


def php_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    plan = _given(PersonalisedHousingPlan, data)
    return {
        "php_agreed_on": plan.agreed_on.isoformat(),
        "php_linked_to_pathway_plan": plan.informed_by_pathway_plan,
        "php_pa_input": plan.personal_adviser_input,
    }


def lha_duty_ended_facts(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
    ended = _given(LhaDutyEnded, data)
    return {
        "lha_duty": None,
        "lha_duty_ended": {
            "duty": facts.get("lha_duty"),
            "on": ended.ended_on.isoformat(),
            "reason": ended.reason,
        },
    }


# --- B9: duties at risk, to Pathway D ------------------------------------------------------------

_TRIGGERS: Final[Mapping[str, str]] = {
    "refused_offer": "final_offer_refused",
    "ineligibility": "duties_likely_to_end",
    "non_cooperation": "duties_likely_to_end",
}


def not_handed_off(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("handed_off_to_intentionality"):
        return "the case is already handed to the intentionality sign-off pathway"
    return None


def intentionality_payload(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
    """Pathway D's opening (its ``Referral``): the applicant is this case's young person,
    carried over as a person; the cohort answers come from what this case recorded."""
    risk = _given(DutiesAtRisk, data)
    status = facts.get("legal_status")
    adult = bool(facts.get("reached_18")) or status == "former_relevant_child"
    # No one of 18 is looked after (s.105(1)): an eligible child still on the record at 18
    # ceased to be looked after then, as an eligible child.
    looked_after = bool(facts.get("looked_after")) and not adult
    eligible = status in ("relevant_child", "former_relevant_child") or (
        adult and status == "eligible_child"
    )
    # s.23C(1): limb (b) if this case saw them looked after at 18 (record_left_care makes them
    # a former relevant child only after the 18th birthday), else limb (a). Either limb makes
    # them a former relevant child, which is all Pathway D reads; it refuses one with neither.
    at_18_looked_after = adult and (
        (status == "former_relevant_child" and "left_care_on" in facts)
        or status == "eligible_child"
    )
    payload: dict[str, Any] = {
        "trigger": _TRIGGERS[risk.risk],
        "application_made_on": risk.application_made_on.isoformat(),
        # A pregnancy is not yet a child in the household (s.213A is for children).
        "household_has_children": bool(facts.get("has_children")),
        "care_leaver": True,
        "looked_after_now": looked_after,
        "was_eligible_child_when_last_ceased": eligible,
        "looked_after_and_eligible_at_18": at_18_looked_after,
        "relevant_child_at_18": adult and eligible and not at_18_looked_after,
        "s213a_consent_invited": bool(facts.get("has_children")),
    }
    if facts.get("personal_adviser"):
        payload["personal_adviser"] = facts["personal_adviser"]
    return payload


def hand_off_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {"handed_off_to_intentionality": True, "duties_at_risk": _given(DutiesAtRisk, data).risk}


# --- support to 21 and 25, and the endings -------------------------------------------------------


def support_to_25_gate(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("support_to_25_requested"):
        return "support to 25 is already recorded as asked for"
    if facts.get("reached_25"):
        return "the young person is 25: support to 25 has ended"
    return None


def support_to_25_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {
        "support_to_25_requested": True,
        "support_to_25_asked_on": _given(SupportTo25, data).asked_on.isoformat(),
    }


def closure_gate(facts: Facts, _: BaseModel | None) -> str | None:
    """Every ending passes here: no side doors. Looked-after status is children's services'
    and ends only by record_left_care; an LHA duty ends only by its statutory notice
    (end_lha_duty); an s.208 notice due is still owed to the host authority."""
    if facts.get("looked_after"):
        return (
            "the young person is still looked after: children's services end that first "
            "(record_left_care; before 18 with the director's approval, SI 2010/959 reg.39(5))"
        )
    if lha_duty_open(facts):
        return (
            f"the housing authority's {facts['lha_duty']} duty is open: it ends only by its "
            "statutory notice (end_lha_duty), and ending support does not end it"
        )
    if facts.get("placement_out_of_district") and not facts.get("s208_notice_sent_on"):
        return "the s.208 notice to the host authority is not yet recorded as given"
    return None


def reached_21(facts: Facts, data: BaseModel | None) -> str | None:
    if not facts.get("reached_21"):
        return "the young person has not reached 21: support runs to the 21st birthday (s.23C(6))"
    if facts.get("support_to_25_requested"):
        return "the young person asked for support to 25 (s.23CZB): it ends at 25"
    return closure_gate(facts, data)


def reached_25(facts: Facts, data: BaseModel | None) -> str | None:
    if not facts.get("reached_25"):
        return "the young person has not reached 25: support to 25 runs to the 25th birthday"
    return closure_gate(facts, data)


LHA_INVOLVED: Final = ("duty_to_refer", "lha_duty_ended", "emergency_placement")
"""Facts that mean the housing authority has had a part in the case."""


def lha_involved(facts: Facts) -> bool:
    return lha_duty_open(facts) or any(key in facts for key in LHA_INVOLVED)


def lha_still_open(facts: Facts, _: BaseModel | None) -> str | None:
    if not lha_involved(facts):
        return "the housing authority has no involvement recorded on this case"
    if facts.get("lha_closed"):
        return "the housing authority has already closed its involvement"
    if lha_duty_open(facts):
        return "end the open duty by its statutory notice first (end_lha_duty)"
    return None
