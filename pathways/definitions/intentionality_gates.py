"""The gates and recorded facts of the intentional-homelessness pathway (spec §5, Pathway D).

Pure: guards take the case facts and the validated input; case guards and actor rules also
read the case's history, the law in force and today's date from the snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from pydantic import BaseModel

from pathways.care_leaver_status import (
    CWSA_2026_S9,
    CareLeaverRecordError,
    care_leaver_category,
    intentionality_barred,
)
from pathways.case_policy import policy_of
from pathways.deadlines import compute_deadline
from pathways.definitions.intentionality_inputs import (
    CorporateParentSignOff,
    Decision,
    JointMessage,
    JointReview,
    ReasonableNotice,
    Referral,
    ReviewDecision,
    ReviewExtension,
    ReviewRequest,
)
from pathways.definitions.youth_1617_rules import Facts, _given
from pathways.eligibility import age_on
from pathways.engine.definition import CaseGuard, FactsTest, FactsUpdate
from pathways.engine.snapshot import CaseSnapshot
from pathways.principal import Actor

REVIEW_RULES: Final[Mapping[str, str]] = {
    "eight_weeks": "review-decision",
    "three_weeks": "review-decision-short",
    "local_connection": "review-decision-local-connection",
    "appointed_person": "review-decision-appointed",
}
# The steps of the original decision: whoever recorded one took part in it (reg.5).
ORIGINAL_DECISION: Final = frozenset(
    {
        "open_referral",
        "record_joint_review",
        "request_sign_off",
        "housing_director_approves",
        "childrens_director_approves",
        "issue_decision",
    }
)
SIGN_OFFS: Final = ("housing_signoff", "childrens_signoff")


def _day(facts: Facts, name: str) -> date | None:
    value = facts.get(name)
    return date.fromisoformat(value) if isinstance(value, str) else None


# D1: the referral and the cohort


def _category(referral: Referral) -> str:
    if not referral.care_leaver:
        return "not_relevant_or_former_relevant"
    return care_leaver_category(
        referral.applicant.date_of_birth,
        referral.application_made_on,
        looked_after_now=referral.looked_after_now,
        was_eligible_child_when_last_ceased=referral.was_eligible_child_when_last_ceased,
        looked_after_and_eligible_at_18=referral.looked_after_and_eligible_at_18,
        relevant_child_at_18=referral.relevant_child_at_18,
    )


def care_leaver_record_consistent(_: Facts, data: BaseModel | None) -> str | None:
    """The Children Act definitions need a record that can be true (s.23A, s.23C)."""
    try:
        _category(_given(Referral, data))
    except CareLeaverRecordError as wrong:
        return str(wrong)
    return None


def referral_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    referral = _given(Referral, data)
    on = referral.application_made_on
    born = referral.applicant.date_of_birth
    category = _category(referral)
    return {
        "trigger": referral.trigger,
        "application_made_on": on.isoformat(),
        "household_has_children": referral.household_has_children,
        "care_leaver": referral.care_leaver,
        "care_leaver_category": category,
        # Whether, not when: the date of birth stays on the Person row.
        "aged_25_or_over": age_on(born, on) >= 25,
        "personal_adviser": referral.personal_adviser,
        "corporate_parent": referral.corporate_parent,
        "s213a_consent_invited": referral.s213a_consent_invited,
        "s213a_consent_given": referral.s213a_consent_given,
    }


def may_tell_childrens_services(facts: Facts) -> bool:
    """A care leaver's corporate parent is a party; a family's facts go to social services only
    with their s.213A consent, or with a recorded override (spec errata 23)."""
    return bool(
        facts.get("care_leaver")
        or facts.get("s213a_consent_given")
        or facts.get("share_with_ics_override")
    )


def turns_25_later(facts: Facts) -> bool:
    return bool(facts.get("care_leaver")) and not facts.get("aged_25_or_over")


# D2: the joint case review


def joint_review_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    review = _given(JointReview, data)
    return {"joint_review": review.model_dump(), "joint_review_done": True}


def joint_review_done(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("joint_review_done"):
        return None
    return (
        "record the joint case review first: the steps and support in place, the "
        "interventions that could avoid the finding, the accommodation plan if it is made and "
        "the joint plan for future needs (seed 004 §2.10)"
    )


# D3: dual senior sign-off


def sign_off_needed(facts: Facts) -> bool:
    return bool(facts.get("care_leaver")) or bool(policy_of(facts).get("family_ih_signoff", True))


def needs_sign_off(facts: Facts, _: BaseModel | None) -> str | None:
    if sign_off_needed(facts):
        return None
    return (
        "this authority's policy asks no senior sign-off for a family (case_policy "
        "family_ih_signoff): issue the decision after the joint review"
    )


def signed_off(facts: Facts, _: BaseModel | None) -> str | None:
    if not sign_off_needed(facts):
        return None if facts.get("joint_review_done") else joint_review_done(facts, None)
    missing = [
        label
        for fact, label in (
            ("housing_signoff", "a housing Director or AD"),
            ("childrens_signoff", "a children's services Director or AD (or the corporate parent)"),
        )
        if not facts.get(fact)
    ]
    if not missing:
        return None
    return (
        "an intentionality decision needs the joint senior sign-off of housing and children's "
        "services (seed 004 §1.2, §2.10); still missing: " + " and ".join(missing)
    )


def a_different_person(snapshot: CaseSnapshot, actor: Actor) -> str | None:
    """The two sign-offs are by two different people, each in their own service's role."""
    if actor.username in snapshot.actors_of(decision="ih_signoff"):
        return (
            f"'{actor.username}' has already signed this decision off: the second sign-off is "
            "by a different person, from the other service (seed 004 §2.10)"
        )
    return None


def no_corporate_parent(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("corporate_parent"):
        return (
            "this care leaver is from another area: children's services' sign-off is sought "
            f"from the corporate parent, {facts['corporate_parent']} (seed 004 §2.7, §2.10)"
        )
    return None


def has_corporate_parent(facts: Facts, _: BaseModel | None) -> str | None:
    return None if facts.get("corporate_parent") else "no corporate parent is recorded"


def corporate_parent_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    sign_off = _given(CorporateParentSignOff, data)
    return {
        "childrens_signoff": True,
        "corporate_parent_signoff": {
            "document_reference": sign_off.document_reference,
            "signed_on": sign_off.signed_on.isoformat(),
        },
    }


def declined_facts(_: Facts, __: BaseModel | None) -> dict[str, Any]:
    # No finding is made: the case goes back to the joint review, and both sign again.
    return {"signoff_declined": True, **dict.fromkeys(SIGN_OFFS, False)}


def was_declined(facts: Facts, _: BaseModel | None) -> str | None:
    return None if facts.get("signoff_declined") else "no sign-off has been declined"


# The law in force: CWSA 2026 s.9


def _barred(snapshot: CaseSnapshot) -> str | None:
    facts = snapshot.facts
    applied = _day(facts, "application_made_on")
    if snapshot.today is None or applied is None:
        return None
    try:
        return intentionality_barred(
            str(facts.get("care_leaver_category")),
            bool(facts.get("aged_25_or_over")),
            snapshot.in_force.get(CWSA_2026_S9),
            snapshot.today,
            applied,
            _day(facts, "s184_decided_on"),
        )
    except CareLeaverRecordError as wrong:
        return str(wrong)


def not_barred(snapshot: CaseSnapshot, _: BaseModel | None) -> str | None:
    reason = _barred(snapshot)
    return None if reason is None else f"{reason}: record that the finding is barred"


def decision_may_be_issued(snapshot: CaseSnapshot, data: BaseModel | None) -> str | None:
    return not_barred(snapshot, data) or signed_off(snapshot.facts, data)


def barred(snapshot: CaseSnapshot, _: BaseModel | None) -> str | None:
    if _barred(snapshot) is not None:
        return None
    return "the finding is not barred for this applicant under the law in force today"


# D4-D5: the decision and the joint message


def decision_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    decision = _given(Decision, data)
    overrides = {"review-request": decision.review_period_days}
    window = compute_deadline("review-request", decision.deemed_notified_on, overrides)
    return {
        "s184_decided_on": decision.decided_on.isoformat(),
        "deemed_notified_on": decision.deemed_notified_on.isoformat(),
        # The clock and the letter state one period (errata 18): the letter's is the clock's.
        "review_period_days": decision.review_period_days,
        "review_request_ends_on": window.due_date.isoformat(),
        "letter_reference": decision.letter_reference,
    }


def joint_message_given(_: Facts, data: BaseModel | None) -> str | None:
    message = _given(JointMessage, data)
    missing = [
        name
        for name, given in (
            ("advised_accept_offer", message.advised_accept_offer),
            ("advised_request_review", message.advised_request_review),
        )
        if not given
    ]
    if not missing:
        return None
    return (
        "the joint message to the family is to ACCEPT the offer and request a review "
        "(seed 002); not recorded: " + " and ".join(missing)
    )


def window_over(fact: str, what: str) -> CaseGuard:
    def case_guard(snapshot: CaseSnapshot, _: BaseModel | None) -> str | None:
        ends = _day(snapshot.facts, fact)
        if ends is None:
            return f"no {what} is recorded"
        if snapshot.today is not None and snapshot.today <= ends:
            return f"the {what} runs to {ends.isoformat()}: it is still open"
        return None

    return case_guard


# D9: accommodation for a reasonable period


def _accommodation_ends(notice: ReasonableNotice) -> date:
    """The end of the reasonable period this notice gives, moved off a Friday by the rule."""
    overrides = {"ih-reasonable-notice": notice.notice_days}
    return compute_deadline("ih-reasonable-notice", notice.notice_given_on, overrides).due_date


def notice_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    notice = _given(ReasonableNotice, data)
    ends = _accommodation_ends(notice)
    recorded: dict[str, Any] = {
        "notice_given_on": notice.notice_given_on.isoformat(),
        "notice_days": notice.notice_days,
        "notice_reason": notice.reason,
        "accommodation_ends_on": ends.isoformat(),
    }
    if notice.share_with_ics_override_rationale:
        recorded["share_with_ics_override"] = True
    return recorded


def priority_need_established(_: Facts, data: BaseModel | None) -> str | None:
    if _given(ReasonableNotice, data).priority_need_established:
        return None
    return (
        "priority_need_established: accommodation for a reasonable period is owed where there "
        "is priority need (Housing Act 1996 s.190(2)(a)); without it, advice only (s.190(3))"
    )


def ics_told_in_time(snapshot: CaseSnapshot, data: BaseModel | None) -> str | None:
    """Children's services hear of the end date at least 5 working days ahead (ASSUMPTION)."""
    ends = _accommodation_ends(_given(ReasonableNotice, data))
    last_day = compute_deadline("ih-eviction-notice-to-ics", ends).due_date
    if snapshot.today is not None and snapshot.today > last_day:
        return (
            f"notice_days: the accommodation would end on {ends.isoformat()}, less than 5 "
            "working days after children's services can be told (rule "
            "ih-eviction-notice-to-ics); give a longer notice"
        )
    return None


# D6-D7: the review


def request_in_time(facts: Facts, data: BaseModel | None) -> str | None:
    ends = _day(facts, "review_request_ends_on")
    requested = _given(ReviewRequest, data).requested_on
    if ends is not None and requested > ends:
        return (
            f"requested_on: the period to ask for a review ended on {ends.isoformat()} "
            "(Housing Act 1996 s.202(3)); a later request needs the authority's written allowance"
        )
    return None


def review_request_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    request = _given(ReviewRequest, data)
    due = compute_deadline(REVIEW_RULES[request.kind], request.requested_on).due_date
    return {
        "review_requested_on": request.requested_on.isoformat(),
        "review_kind": request.kind,
        # s.204(1)(b): an appeal lies if the decision is not notified by this day.
        "review_decision_due_on": due.isoformat(),
    }


def review_of_kind(kind: str) -> FactsTest:
    return lambda facts: facts.get("review_kind") == kind and not facts.get("review_extended_to")


def extension_later(facts: Facts, data: BaseModel | None) -> str | None:
    extended = _given(ReviewExtension, data).extended_to
    due = _day(facts, "review_decision_due_on")
    if extended is not None and due is not None and extended <= due:
        return f"extended_to: must be after the present due date ({due.isoformat()})"
    return None


def extension_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    extended = _given(ReviewExtension, data).extended_to
    assert extended is not None  # the input model requires it
    return {
        "review_extended_to": extended.isoformat(),
        "review_decision_due_on": extended.isoformat(),
    }


def reviewer_independent_and_senior(snapshot: CaseSnapshot, actor: Actor) -> str | None:
    """SI 2018/223 reg.5 (spec errata 14): not involved in the original decision, and senior
    to the officer who made it, by the authority's configured seniority of roles."""
    involved = {e.actor for e in snapshot.history if e.transition in ORIGINAL_DECISION}
    if actor.username in involved:
        return (
            f"'{actor.username}' took part in the original decision: the review is by someone "
            "who did not (SI 2018/223 reg.5)"
        )
    made = snapshot.entries("issue_decision")
    if not made:
        return None
    ranks = policy_of(snapshot.facts).get("role_seniority") or {}
    maker = made[-1].role
    mine, theirs = ranks.get(actor.role, 0), ranks.get(maker, 0)
    if mine <= theirs:
        return (
            f"role '{actor.role}' is not senior to '{maker}', the role the decision was made "
            "in: the reviewer must be senior to that officer (SI 2018/223 reg.5)"
        )
    return None


def review_outcome_facts(outcome: str) -> FactsUpdate:
    def update(_: Facts, data: BaseModel | None) -> dict[str, Any]:
        decision = _given(ReviewDecision, data)
        recorded: dict[str, Any] = {
            "review_outcome": outcome,
            "review_notified_on": decision.notified_on.isoformat(),
        }
        if outcome == "upheld":
            appeal = compute_deadline("county-court-appeal", decision.notified_on)
            recorded["appeal_ends_on"] = appeal.due_date.isoformat()
        return recorded

    return update


def late_review_facts(facts: Facts, _: BaseModel | None) -> dict[str, Any]:
    due = _day(facts, "review_decision_due_on")
    recorded: dict[str, Any] = {"review_decision_late": True}
    if due is not None:
        # s.204(1)(b) (errata 19): the 21 days run from the day the decision was due.
        appeal = compute_deadline("county-court-appeal", due)
        recorded["appeal_ends_on"] = appeal.due_date.isoformat()
    return recorded
