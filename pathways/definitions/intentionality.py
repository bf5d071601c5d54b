"""Pathway D: an intentional homelessness decision for a care leaver or a family with children,
with robust scrutiny and joint senior sign-off (spec §5; seed 004 §1.2, §2.10; seed 002).

The steps as the protocols set them out: D1 the referral, with the cohort check and, for a
family, the s.213A invitation to consent; D2 the joint case review on the seed 004 template,
which may keep the relief duty going instead (IH_AVOIDED_RELIEF_CONTINUED); D3 sign-off by a
housing Director or AD and a children's services Director or AD, two different people (or the
corporate parent for a care leaver from another area): either declining returns the case to
the review; D4 the s.184 decision with its review period, which the clock and the letter state
alike; D5 the joint message "accept the offer and request a review"; D6-D7 the review, by an
officer who took no part and is senior to the decision-maker, within the period for its kind,
extendable only in writing; D9 accommodation for a reasonable period, never ending on a
Friday; D10 the county court appeal window, which a late review decision opens too.

Once CWSA 2026 s.9 is in force (``config/law.yaml``), a relevant or former relevant child
under 25 cannot be found intentionally homeless: the finding is refused and the case records
that it is barred (IH_BLOCKED_CWSA2026).
"""

from __future__ import annotations

from typing import Final

from pathways.definitions import intentionality_gates as gates
from pathways.definitions import register
from pathways.definitions import youth_1617_rules as rules
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
from pathways.engine.definition import (
    ANY_STEP,
    SAME_STEP,
    NotificationSpec,
    PathwayDefinition,
    StepSpec,
    TimerSpec,
    TransitionSpec,
)
from pathways.engine.inputs import Rationale
from pathways.roles import COORDINATOR, Role
from pathways.vocabulary import Recipient, to_role

HO: Final[Role] = "lha-housing-officer"
SENIOR_OFFICER: Final[Role] = "lha-senior-officer"
SERVICE_MANAGER: Final[Role] = "lha-service-manager"
HOUSING_DIRECTOR: Final[Role] = "housing-director"
CHILDRENS_DIRECTOR: Final[Role] = "ics-assistant-director"
REVIEWER: Final[Role] = "lha-reviewing-officer"
SW: Final[Role] = "ics-social-worker"
PA: Final[Role] = "personal-adviser"
TEAM_MANAGER: Final[Role] = "ics-team-manager"
SYSTEM: Final[Role] = "system"

S004 = "seed 004 §1.2, §2.10 (joint housing protocols for care leavers, 2024) [S004]"
S002 = "seed 002 (Kent practice guidance) [S002]"
DIRECTORS: Final[tuple[Recipient, ...]] = (to_role(HOUSING_DIRECTOR), to_role(CHILDRENS_DIRECTOR))
# Spec §6: the alert says a decision was recorded, never what it was.
# To the staff assigned to the case (its PA among them), never every adviser at the authority.
TOLD_OF_DECISION = NotificationSpec(
    template="step_recorded",
    to=("ics", "case_staff"),
    event="Decision recorded",
    when=gates.may_tell_childrens_services,
)
CLOSED_TO_LHA = NotificationSpec(template="case_closed", to=("lha",), event="Case closed")
CLOSED_TO_ICS = NotificationSpec(
    template="case_closed",
    to=("ics", "case_staff"),
    event="Case closed",
    when=gates.may_tell_childrens_services,
)
CLOSED = (CLOSED_TO_LHA, CLOSED_TO_ICS)
REVIEW_TIMERS = tuple(f"review_decision_{kind}" for kind in gates.REVIEW_RULES)

STEPS = {
    "referred": StepSpec(title="Referred"),
    "joint_review": StepSpec(title="D2 Joint case review (seed 004 template)", citation=S004),
    "awaiting_sign_off": StepSpec(
        title="D3 Joint senior sign-off: housing and children's services Directors or ADs",
        citation=S004,
    ),
    "decided": StepSpec(
        title="D4-D5 s.184 decision issued: review period running",
        citation="Housing Act 1996 s.184, s.202(3); spec §0.2",
    ),
    "under_review": StepSpec(
        title="D7 s.202 review", citation="Housing Act 1996 s.202; SI 2018/223 reg.5, reg.9"
    ),
    "appeal_window": StepSpec(
        title="D10 Review upheld: county court appeal window",
        citation="Housing Act 1996 s.204",
    ),
    "relief_continued": StepSpec(
        title="D2a No finding: the relief duty continues", terminal=True, citation=S002
    ),
    "closed_no_finding": StepSpec(
        title="D3 Sign-off declined: no finding made", terminal=True, citation=S004
    ),
    "finding_barred": StepSpec(
        title="Finding barred: a relevant or former relevant child under 25 (CWSA 2026 s.9)",
        terminal=True,
        citation="Housing Act 1996 s.191(1ZA)-(1C), inserted by CWSA 2026 s.9 (errata 5)",
    ),
    "closed_decision_stands": StepSpec(
        title="Decision stands: no review asked for in time", terminal=True
    ),
    "closed_review_upheld": StepSpec(title="Review upheld: appeal window over", terminal=True),
    "closed_review_overturned": StepSpec(title="Review overturned", terminal=True),
}


def _review_timer(kind: str, rule: str) -> TimerSpec:
    return TimerSpec(
        name=f"review_decision_{kind}",
        title="s.202 review decision ({period})",
        rule=rule,
        owner_team="lha",
        starts_from="review_requested_on",
        closed_by=("review_upheld", "review_overturned", "agree_review_extension"),
        notify_on_warning=(to_role(REVIEWER),),
        escalate_to=(to_role(SERVICE_MANAGER),),
        on_breach="review_decision_late",
        opens_when=gates.review_of_kind(kind),
    )


def _sign_off_timer(name: str, owner: str, director: Role, closers: tuple[str, ...]) -> TimerSpec:
    return TimerSpec(
        name=name,
        title=f"Sign-off by the {owner} Director or AD ({{period}})",
        rule="ih-signoff-sla",
        owner_team="lha" if owner == "housing" else "ics",
        closed_by=(*closers, "director_declines", "corporate_parent_declines"),
        notify_on_warning=(to_role(director),),
        escalate_to=(to_role(director), to_role(SERVICE_MANAGER)),
    )


TIMERS = {
    "turns_25": TimerSpec(
        name="turns_25",
        title="The applicant turns 25",
        rule="age-25",
        owner_team="lha",
        starts_from="applicant.date_of_birth",
        closed_by=(),
        # Not a deadline: on the 25th birthday the CWSA 2026 s.9 bar stops applying.
        warn_fraction=None,
        notify_on_warning=(),
        on_breach="applicant_turns_25",
        opens_when=gates.turns_25_later,
    ),
    "housing_signoff": _sign_off_timer(
        "housing_signoff", "housing", HOUSING_DIRECTOR, ("housing_director_approves",)
    ),
    "childrens_signoff": _sign_off_timer(
        "childrens_signoff",
        "children's services",
        CHILDRENS_DIRECTOR,
        ("childrens_director_approves", "corporate_parent_approves"),
    ),
    "review_request": TimerSpec(
        name="review_request",
        title="The applicant's period to ask for a s.202 review ({period})",
        rule="review-request",
        owner_team="lha",
        starts_from="deemed_notified_on",
        amount_from="review_period_days",
        closed_by=("record_review_request",),
        # The applicant's right, not a task: nothing to chase when it runs out.
        warn_fraction=None,
        notify_on_warning=(),
    ),
    **{
        f"review_decision_{kind}": _review_timer(kind, rule)
        for kind, rule in gates.REVIEW_RULES.items()
    },
    "review_decision_extended": TimerSpec(
        name="review_decision_extended",
        title="s.202 review decision by the date agreed in writing",
        rule="review-decision-extended",
        owner_team="lha",
        starts_from="review_extended_to",
        closed_by=("review_upheld", "review_overturned", "agree_review_extension"),
        notify_on_warning=(to_role(REVIEWER),),
        escalate_to=(to_role(SERVICE_MANAGER),),
        on_breach="review_decision_late",
    ),
    "appeal_window": TimerSpec(
        name="appeal_window",
        title="County court appeal window (s.204, {period})",
        rule="county-court-appeal",
        owner_team="lha",
        starts_from="review_notified_on",
        closed_by=(),
        warn_fraction=None,
        notify_on_warning=(),
    ),
    "appeal_window_late_review": TimerSpec(
        name="appeal_window_late_review",
        title="County court appeal window: review decision late (s.204(1)(b), {period})",
        rule="county-court-appeal",
        owner_team="lha",
        starts_from="review_decision_due_on",
        closed_by=("review_upheld", "review_overturned"),
        warn_fraction=None,
        notify_on_warning=(),
    ),
    "accommodation_end": TimerSpec(
        name="accommodation_end",
        title="Accommodation for a reasonable period ends (never on a Friday)",
        rule="ih-reasonable-notice",
        owner_team="lha",
        starts_from="notice_given_on",
        amount_from="notice_days",
        closed_by=(),
        notify_on_warning=("lha",),
    ),
}

REFERRAL_AND_REVIEW = (
    TransitionSpec(
        name="open_referral",
        title="D1 Intentionality under consideration: cohort check and s.213A invitation",
        from_steps=("referred",),
        to_step="joint_review",
        # "system": a care-leaver case hands a risk that duties end over (Pathway B, B9).
        roles=(HO, SENIOR_OFFICER, COORDINATOR, SYSTEM),
        input_model=Referral,
        guard=gates.care_leaver_record_consistent,
        records=gates.referral_facts,
        opens_timers=("turns_25",),
        notifications=(
            NotificationSpec(
                template="case_opened",
                to=("ics", "case_staff"),
                event="Joint case review needed",
                when=gates.may_tell_childrens_services,
            ),
        ),
        citation=f"{S004}; Housing Act 1996 s.213A; spec §5 D1",
    ),
    TransitionSpec(
        name="record_joint_review",
        title="D2 Joint case review recorded (the seed 004 template)",
        from_steps=("joint_review",),
        to_step=SAME_STEP,
        roles=(HO, SENIOR_OFFICER, SW, PA, TEAM_MANAGER),
        input_model=JointReview,
        records=gates.joint_review_facts,
        citation=S004,
    ),
    TransitionSpec(
        name="continue_relief_duty",
        title="D2a No finding: the relief duty continues (IH_AVOIDED_RELIEF_CONTINUED)",
        from_steps=("joint_review",),
        to_step="relief_continued",
        roles=(HO, SENIOR_OFFICER),
        input_model=Rationale,
        guard=gates.joint_review_done,
        outcome="IH_AVOIDED_RELIEF_CONTINUED",
        decision="intentionality",
        notifications=CLOSED,
        citation=f"{S002}: 'a household continues to be owed a relief duty'",
    ),
)

SIGN_OFF = (
    TransitionSpec(
        name="request_sign_off",
        title="D3 Joint senior sign-off requested",
        from_steps=("joint_review",),
        to_step="awaiting_sign_off",
        roles=(HO, SENIOR_OFFICER),
        guard=rules.all_of(gates.joint_review_done, gates.needs_sign_off),
        case_guard=gates.not_barred,
        opens_timers=("housing_signoff", "childrens_signoff"),
        notifications=(
            NotificationSpec(template="action_required", to=DIRECTORS, event="Sign-off requested"),
        ),
        citation=f"{S004}; spec §5 D3 (5 working days: ASSUMPTION)",
    ),
    TransitionSpec(
        name="housing_director_approves",
        title="D3 Housing Director or AD signs off",
        from_steps=("awaiting_sign_off",),
        to_step=SAME_STEP,
        roles=(HOUSING_DIRECTOR,),
        input_model=Rationale,
        actor_rule=gates.a_different_person,
        records=rules.fixed(housing_signoff=True),
        decision="ih_signoff",
        citation=S004,
    ),
    TransitionSpec(
        name="childrens_director_approves",
        title="D3 Children's services Director or AD signs off",
        from_steps=("awaiting_sign_off",),
        to_step=SAME_STEP,
        roles=(CHILDRENS_DIRECTOR,),
        input_model=Rationale,
        actor_rule=gates.a_different_person,
        guard=gates.no_corporate_parent,
        records=rules.fixed(childrens_signoff=True),
        decision="ih_signoff",
        citation=S004,
    ),
    TransitionSpec(
        name="corporate_parent_approves",
        title="D3 The corporate parent's written sign-off received (care leaver from another area)",
        from_steps=("awaiting_sign_off",),
        to_step=SAME_STEP,
        roles=(HO, SENIOR_OFFICER),
        input_model=CorporateParentSignOff,
        guard=gates.has_corporate_parent,
        records=gates.corporate_parent_facts,
        decision="ih_signoff_corporate_parent",
        citation="seed 004 §2.7, §2.10: sign-off with the parent authority",
    ),
    TransitionSpec(
        name="director_declines",
        title="D3 A Director or AD declines: no finding, back to the joint review",
        from_steps=("awaiting_sign_off",),
        to_step="joint_review",
        roles=(HOUSING_DIRECTOR, CHILDRENS_DIRECTOR),
        input_model=Rationale,
        records=gates.declined_facts,
        decision="ih_signoff_declined",
        notifications=(
            NotificationSpec(
                template="step_recorded", to=("lha", "ics"), event="Sign-off decision recorded"
            ),
        ),
        citation=S004,
    ),
    TransitionSpec(
        name="corporate_parent_declines",
        title="D3 The corporate parent declines: no finding, back to the joint review",
        from_steps=("awaiting_sign_off",),
        to_step="joint_review",
        roles=(HO, SENIOR_OFFICER),
        input_model=Rationale,
        guard=gates.has_corporate_parent,
        records=gates.declined_facts,
        decision="ih_signoff_declined",
        citation="seed 004 §2.7, §2.10",
    ),
    TransitionSpec(
        name="close_without_finding",
        title="D3 Closed: sign-off declined, no finding made (IH_SIGNOFF_DECLINED)",
        from_steps=("joint_review",),
        to_step="closed_no_finding",
        roles=(HO, SENIOR_OFFICER),
        input_model=Rationale,
        guard=gates.was_declined,
        outcome="IH_SIGNOFF_DECLINED",
        notifications=CLOSED,
        citation=S004,
    ),
    TransitionSpec(
        name="record_finding_barred",
        title="No finding: barred for a relevant or former relevant child under 25",
        from_steps=("joint_review", "awaiting_sign_off"),
        to_step="finding_barred",
        roles=(HO, SENIOR_OFFICER),
        case_guard=gates.barred,
        outcome="IH_BLOCKED_CWSA2026",
        decision="intentionality",
        notifications=CLOSED,
        citation="Housing Act 1996 s.191(1ZA)-(1C), inserted by CWSA 2026 s.9 (errata 5)",
    ),
    TransitionSpec(
        name="applicant_turns_25",
        title="The applicant has turned 25",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(SYSTEM,),
        records=rules.fixed(aged_25_or_over=True),
        citation="Housing Act 1996 s.191(1ZA)-(1C) (CWSA 2026 s.9): 'under 25'",
    ),
)

DECISION_AND_AFTER = (
    TransitionSpec(
        name="issue_decision",
        title="D4 s.184 decision issued in writing, with reasons and the review period",
        from_steps=("joint_review", "awaiting_sign_off"),
        to_step="decided",
        roles=(HO,),
        input_model=Decision,
        # The law first: a barred finding needs no sign-off to be refused.
        case_guard=gates.decision_may_be_issued,
        records=gates.decision_facts,
        opens_timers=("review_request",),
        decision="intentionality",
        notifications=(TOLD_OF_DECISION,),
        citation="Housing Act 1996 s.184, s.202(3); spec §0.2, §10 C1; errata 18",
    ),
    TransitionSpec(
        name="record_joint_message",
        title="D5 Joint message given: accept the offer and request a review",
        from_steps=("decided",),
        to_step=SAME_STEP,
        roles=(HO, SW, PA),
        input_model=JointMessage,
        guard=gates.joint_message_given,
        records=rules.fixed(joint_message_given=True),
        citation=f"{S002}: 'always ACCEPT the offer of accommodation and request a review'",
    ),
    TransitionSpec(
        name="give_reasonable_notice",
        title="D9 Accommodation for a reasonable period: notice given",
        from_steps=("decided", "under_review", "appeal_window"),
        to_step=SAME_STEP,
        roles=(HO, SENIOR_OFFICER),
        input_model=ReasonableNotice,
        guard=gates.priority_need_established,
        case_guard=gates.ics_told_in_time,
        records=gates.notice_facts,
        opens_timers=("accommodation_end",),
        notifications=(
            # The end date is the alert's due date; it goes to ICS only with consent (s.213A)
            # or a recorded override (errata 23).
            NotificationSpec(
                template="action_required",
                to=("ics",),
                event="Accommodation end date to note",
                when=gates.may_tell_childrens_services,
                due_timer="accommodation_end",
            ),
        ),
        citation=f"T15, T16; Housing Act 1996 s.190(2)(a); {S002} (not on a Friday); §10 C8",
    ),
    TransitionSpec(
        name="close_decision_stands",
        title="Closed: no review asked for in time; the decision stands (IH_ISSUED)",
        from_steps=("decided",),
        to_step="closed_decision_stands",
        roles=(HO, SENIOR_OFFICER),
        case_guard=gates.window_over("review_request_ends_on", "period to ask for a review"),
        outcome="IH_ISSUED",
        notifications=CLOSED,
        citation="Housing Act 1996 s.202(3)",
    ),
    TransitionSpec(
        name="record_review_request",
        title="D6 The applicant asks for a s.202 review",
        from_steps=("decided",),
        to_step="under_review",
        roles=(HO, REVIEWER),
        input_model=ReviewRequest,
        guard=gates.request_in_time,
        records=gates.review_request_facts,
        opens_timers=REVIEW_TIMERS,
        notifications=(
            NotificationSpec(
                template="action_required", to=(to_role(REVIEWER),), event="Review requested"
            ),
        ),
        citation="T12, T13; Housing Act 1996 s.202; SI 2018/223 reg.9 (errata 3)",
    ),
    TransitionSpec(
        name="agree_review_extension",
        title="D7 Longer period for the review agreed in writing",
        from_steps=("under_review",),
        to_step=SAME_STEP,
        roles=(REVIEWER,),
        input_model=ReviewExtension,
        guard=gates.extension_later,
        records=gates.extension_facts,
        opens_timers=("review_decision_extended",),
        citation="SI 2018/223 reg.9(2) (errata 3); seed 002 'longer if an extension is agreed'",
    ),
    TransitionSpec(
        name="review_decision_late",
        title="D7 Review decision not notified in time: the appeal window opens (s.204(1)(b))",
        from_steps=("under_review",),
        to_step=SAME_STEP,
        roles=(SYSTEM,),
        records=gates.late_review_facts,
        opens_timers=("appeal_window_late_review",),
        citation="Housing Act 1996 s.204(1)(b) (errata 19)",
    ),
    TransitionSpec(
        name="review_upheld",
        title="D7 Review decision: the decision is upheld (REVIEW_UPHELD)",
        from_steps=("under_review",),
        to_step="appeal_window",
        roles=(REVIEWER,),
        input_model=ReviewDecision,
        actor_rule=gates.reviewer_independent_and_senior,
        records=gates.review_outcome_facts("upheld"),
        opens_timers=("appeal_window",),
        decision="s202_review",
        notifications=(TOLD_OF_DECISION,),
        citation="Housing Act 1996 s.202; SI 2018/223 reg.5 (errata 14)",
    ),
    TransitionSpec(
        name="review_overturned",
        title="D7 Review decision: the decision is overturned (REVIEW_OVERTURNED)",
        from_steps=("under_review",),
        to_step="closed_review_overturned",
        roles=(REVIEWER,),
        input_model=ReviewDecision,
        actor_rule=gates.reviewer_independent_and_senior,
        records=gates.review_outcome_facts("overturned"),
        outcome="REVIEW_OVERTURNED",
        decision="s202_review",
        notifications=(TOLD_OF_DECISION, CLOSED_TO_LHA),
        citation="Housing Act 1996 s.202; SI 2018/223 reg.5 (errata 14)",
    ),
    TransitionSpec(
        name="close_after_appeal_window",
        title="Closed: review upheld and the appeal window is over (REVIEW_UPHELD)",
        from_steps=("appeal_window",),
        to_step="closed_review_upheld",
        roles=(HO, SENIOR_OFFICER),
        case_guard=gates.window_over("appeal_ends_on", "county court appeal window"),
        outcome="REVIEW_UPHELD",
        notifications=CLOSED,
        citation="Housing Act 1996 s.204(2)",
    ),
)

INTENTIONALITY = register(
    PathwayDefinition(
        name="intentional-homelessness",
        version="1.0",
        title="Intentional homelessness: joint scrutiny and senior sign-off",
        citation="spec §5 Pathway D; seed 004 §1.2, §2.10 [S004]; seed 002 [S002]",
        initial_step="referred",
        opening_transition="open_referral",
        steps=STEPS,
        timers=TIMERS,
        transitions=(*REFERRAL_AND_REVIEW, *SIGN_OFF, *DECISION_AND_AFTER),
        outcomes={
            "IH_AVOIDED_RELIEF_CONTINUED": "No finding: the relief duty continues",
            "IH_SIGNOFF_DECLINED": "Sign-off declined: no finding made",
            "IH_ISSUED": "Decision issued and stands",
            "IH_BLOCKED_CWSA2026": "Finding barred (CWSA 2026 s.9)",
            "REVIEW_UPHELD": "Review upheld",
            "REVIEW_OVERTURNED": "Review overturned",
        },
    )
)
