"""Pathway B: the care leaver's transition at 18, and support to 21 and 25 (spec §3; seed 004
"Joint housing protocols for care leavers" §2.2-2.10; seeds 001 and 003, Dartford's
multi-agency panel for 18+ care leavers; timers T17-T22; errata 6, 9, 11, 13, 16, 17, 20, 22, 23).

As the protocol sets it out: B1 the needs assessment, three months after the 16th birthday or
after the day the young person becomes an eligible child (reg.42(1)); B2 the pathway plan, with
a Personal Adviser, reviewed at least every six months once they have left care, and while they
are looked after at their looked-after reviews (errata 20), and sooner on request or after a
significant change; B3 early registration on the housing register; B4 the multi-agency panel
six months before 18; B5 an accommodation plan agreed before 18, and every planned move agreed
28 days ahead (a shorter notice is recorded as a breach with its reason, not blocked: errata
17); B6 a contingency plan, with bed and breakfast only exceptionally; B7 the duty to refer,
with the young person's consent and to the housing authority of their choice, any in England
(errata 16); B8 interim accommodation and, outside the district, the s.208 notice (errata 9,
22); B9 a risk that duties end, handed to the intentionality sign-off (Pathway D); risk
trigger points told to the Personal Adviser, and to the housing authority with consent or a
recorded override (errata 23); support to 21, or to 25 where the young person asks.

Each agency ends only what is its own: looked-after status is children's services' (before 18
with the director's approval, reg.39(5)), a prevention or relief duty the housing authority's,
by its statutory notice. Every ending passes ``care_leaver_gates.closure_gate``.

The 0.1 and 0.2 skeletons stay registered for the cases on them (``care_leaver_v0``);
``pathways case migrate`` moves such a case to 1.0 (``pathways.version_moves``).
"""

from __future__ import annotations

from typing import Final

from pathways.definitions import care_leaver_gates as gates
from pathways.definitions import care_leaver_v0 as v0
from pathways.definitions import register
from pathways.definitions import youth_1617_gates as placements
from pathways.definitions import youth_1617_rules as rules
from pathways.definitions.care_leaver_inputs import (
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
    PathwayPlanReviewRequest,
    PersonalisedHousingPlan,
    PlannedMove,
    PlanReview,
    Pre18Panel,
    ReferralAcknowledged,
    RiskTrigger,
    SharingConsent,
    SupportTo25,
    YoungPersonRequest,
)
from pathways.definitions.youth_1617_inputs import CeasingToLookAfter, HousingPlacement, NoticeSent
from pathways.engine.definition import (
    ANY_STEP,
    SAME_STEP,
    LinkedCaseSpec,
    NotificationSpec,
    PathwayDefinition,
    StepSpec,
    TimerSpec,
    TransitionSpec,
)
from pathways.engine.inputs import Rationale
from pathways.roles import COORDINATOR, Role
from pathways.vocabulary import to_role

SW: Final[Role] = "ics-social-worker"
TM: Final[Role] = "ics-team-manager"
DIRECTOR: Final[Role] = "ics-assistant-director"
PA: Final[Role] = "personal-adviser"
IRO: Final[Role] = "independent-reviewing-officer"
HO: Final[Role] = "lha-housing-officer"
SO: Final[Role] = "lha-senior-officer"
SYSTEM: Final[Role] = "system"
ICS: Final[tuple[Role, ...]] = (SW, TM, PA)
LHA: Final[tuple[Role, ...]] = (HO, SO)

S004 = "seed 004 (joint housing protocols for care leavers) [S004]"
PANEL_SEEDS = "seeds 001 and 003 (Dartford: a multi-agency panel for 18+ care leavers)"
PLANNING = ("transition_planning",)
OPEN_STEPS = ("needs_assessment", "pathway_planning", "transition_planning")

TELL_PA = to_role(PA)
CASE_CLOSED_TO_LHA = NotificationSpec(
    template="case_closed", to=("lha",), event="Case closed", when=gates.lha_involved
)

STEPS: Final = {
    "referred": StepSpec(title="Referred"),
    "needs_assessment": StepSpec(
        title="B1 Needs assessment", citation="T17; SI 2010/959 reg.42(1) [L9]; errata 13"
    ),
    "pathway_planning": StepSpec(
        title="B2 Pathway plan and Personal Adviser",
        citation="T18, T21; Care Leavers (England) Regulations 2010 [L10]; Children Act 1989 "
        "s.23B, s.23C",
    ),
    "transition_planning": StepSpec(
        title="B3-B10 Transition planning and support: housing register, pre-18 panel, "
        "accommodation and contingency plans, planned moves, housing duties",
        citation=f"spec §3 B3-B10; {S004} §2.2-2.10",
    ),
    "closed_at_21": StepSpec(
        title="Support ended at 21", terminal=True, citation="Children Act 1989 s.23C(6); T21"
    ),
    "closed_at_25": StepSpec(
        title="Support to 25 ended", terminal=True, citation="Children Act 1989 s.23CZB; T21"
    ),
    "closed_at_request": StepSpec(
        title="Ended early at the young person's request",
        terminal=True,
        citation=f"{S004}; spec §3 Closure",
    ),
}


def _birthday_timer(name: str, title: str, rule: str, closed_by: tuple[str, ...]) -> TimerSpec:
    return TimerSpec(
        name=name,
        title=title,
        rule=rule,
        owner_team="ics",
        starts_from="young_person.date_of_birth",
        closed_by=closed_by,
        # A birthday, not a task running late: no warning at three quarters of the way.
        warn_fraction=None,
        notify_on_warning=(),
        on_breach=f"record_{name}_reached",
    )


TIMERS: Final = {
    "needs_assessment": v0.CARE_LEAVER_0_2.timers["needs_assessment"],
    "needs_assessment_after_eligibility": v0.CARE_LEAVER_0_2.timers[
        "needs_assessment_after_eligibility"
    ],
    "pathway_plan_review": TimerSpec(
        name="pathway_plan_review",
        title="Pathway plan review ({period} since the last)",
        rule="pathway-plan-review",
        owner_team="ics",
        starts_from="pathway_plan_reviewed_on",
        closed_by=("record_pathway_plan_review",),
        notify_on_warning=(TELL_PA,),
        escalate_to=(to_role(TM),),
        opens_when=gates.plan_reviews_on_care_leaver_cycle,
    ),
    "pathway_plan_review_requested": TimerSpec(
        name="pathway_plan_review_requested",
        title="Pathway plan review asked for, or after a significant change ({period})",
        rule="pathway-plan-review-on-request",
        owner_team="ics",
        closed_by=("record_pathway_plan_review",),
        notify_on_warning=(TELL_PA,),
        escalate_to=(to_role(TM),),
    ),
    "pre18_panel": v0.PRE18_PANEL.model_copy(
        update={"closed_by": ("record_pre18_panel",), "opens_when": gates.under_18_at_opening}
    ),
    "accommodation_plan_by_18": TimerSpec(
        name="accommodation_plan_by_18",
        title="Accommodation plan agreed before the 18th birthday",
        rule="accommodation-plan-by-18",
        owner_team="joint",
        starts_from="young_person.date_of_birth",
        closed_by=("agree_accommodation_plan",),
        notify_on_warning=(TELL_PA, "lha"),
        escalate_to=(to_role(TM),),
        opens_when=gates.under_18_at_opening,
    ),
    "move_agreement": TimerSpec(
        name="move_agreement",
        title="Planned move agreed {period} ahead",
        rule="move-agreement",
        owner_team="joint",
        starts_from="planned_move_on",
        closed_by=("agree_planned_move",),
        notify_on_warning=(TELL_PA,),
        escalate_to=(to_role(TM),),
        opens_when=gates.move_waiting_for_agreement,
    ),
    "turns_18": _birthday_timer(
        "turns_18", "The young person turns 18", "age-18", ("record_turns_18_reached",)
    ).model_copy(update={"opens_when": gates.under_18_at_opening}),
    "pa_support_21": _birthday_timer(
        "pa_support_21",
        "Personal Adviser support to the 21st birthday",
        "pa-support-21",
        ("request_support_to_25", "record_pa_support_21_reached"),
    ).model_copy(update={"opens_when": gates.support_to_21}),
    "pa_support_25": _birthday_timer(
        "pa_support_25",
        "Personal Adviser support to the 25th birthday, as the young person asked",
        "pa-support-25",
        ("record_pa_support_25_reached",),
    ).model_copy(update={"opens_when": gates.support_to_25}),
    "referral_acknowledgement": TimerSpec(
        name="referral_acknowledgement",
        title="Duty-to-refer referral acknowledged ({period})",
        rule="duty-to-refer-acknowledgement",
        owner_team="lha",
        closed_by=("acknowledge_referral",),
        notify_on_warning=(TELL_PA,),
        escalate_to=(TELL_PA,),
    ),
    "prevention_duty": TimerSpec(
        name="prevention_duty",
        title="Prevention duty (s.195, {period} beginning with the day satisfied)",
        rule="prevention-duty",
        owner_team="lha",
        starts_from="lha_duty_from",
        closed_by=("end_lha_duty",),
        notify_on_warning=("duty_lha", TELL_PA),
        opens_when=gates.prevention,
    ),
    "relief_duty": TimerSpec(
        name="relief_duty",
        title="Relief duty (s.189B, {period} beginning with the day satisfied)",
        rule="relief-duty",
        owner_team="lha",
        starts_from="lha_duty_from",
        closed_by=("end_lha_duty",),
        notify_on_warning=("duty_lha", TELL_PA),
        opens_when=gates.relief,
    ),
    "s208_notice": TimerSpec(
        name="s208_notice",
        title="s.208 notice to the host authority ({period} beginning with the placement)",
        rule="s208-notice",
        owner_team="lha",
        starts_from="placed_at",
        closed_by=("record_s208_notice_sent",),
        escalate_to=(to_role(SO),),
        opens_when=placements.needs_s208_notice,
    ),
}

OPENING: Final = TransitionSpec(
    name="open_care_leaver_case",
    title="Care leaver case opened: legal status, cohort and the birthday clocks",
    from_steps=("referred",),
    to_step="needs_assessment",
    # "system": the 16/17 intake opens it on an s.20 hand-off (outcome O3).
    roles=(SYSTEM, SW, PA, COORDINATOR),
    input_model=CareLeaverOpening10,
    records=gates.opening_facts,
    opens_timers=(
        "needs_assessment",
        "needs_assessment_after_eligibility",
        "pre18_panel",
        "accommodation_plan_by_18",
        "turns_18",
        "pa_support_21",
        "pa_support_25",
    ),
    notifications=(NotificationSpec(template="case_opened", to=("ics",), event="New case"),),
    citation="spec §3 Cohorts, Triggers and Entry data; T17, T20, T21; SI 2010/959 reg.40, "
    "reg.42(1); Children Act 1989 s.23C, s.23CZB; errata 13",
)

PLANS = (
    TransitionSpec(
        name="record_cohort_details",
        title="Cohort details: responsible authority, Personal Adviser, IRO, placement, flags "
        "and consent",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=ICS,
        input_model=CohortDetails,
        records=gates.record_cohort,
        citation="spec §3 Entry data",
    ),
    TransitionSpec(
        name="record_needs_assessment",
        title="B1 Needs assessment completed",
        from_steps=("needs_assessment",),
        to_step="pathway_planning",
        roles=(SW,),
        input_model=NeedsAssessment,
        records=gates.needs_assessment_facts,
        closes_timers=("needs_assessment", "needs_assessment_after_eligibility"),
        citation="T17; SI 2010/959 reg.42 [L9]",
    ),
    TransitionSpec(
        name="record_pathway_plan",
        title="B2 Pathway plan agreed, Personal Adviser appointed",
        # From the needs assessment too, for a young person opened at 18 or over.
        from_steps=("needs_assessment", "pathway_planning"),
        to_step="transition_planning",
        roles=(SW, PA),
        input_model=PathwayPlan,
        guard=rules.all_of(
            gates.needs_assessment_done_or_not_owed, gates.personal_adviser_appointed
        ),
        records=gates.pathway_plan_facts,
        opens_timers=("pathway_plan_review",),
        citation="spec §3 B2; T18 (errata 6, 20); Children Act 1989 s.23B(2), s.23C(3)",
    ),
    TransitionSpec(
        name="record_lac_review",
        title="B2 Looked-after review held: the pathway plan reviewed with it",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(IRO, SW),
        input_model=LacReview,
        guard=rules.all_of(gates.still_looked_after, gates.has_pathway_plan),
        records=gates.lac_review_facts,
        closes_timers=("pathway_plan_review_requested",),
        citation="errata 20; SI 2010/959 reg.33; the IRO's role, seed 004 §2.2",
    ),
    TransitionSpec(
        name="request_pathway_plan_review",
        title="B2 Pathway plan review asked for, or needed after a significant change",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(*ICS, IRO),
        input_model=PathwayPlanReviewRequest,
        guard=gates.has_pathway_plan,
        opens_timers=("pathway_plan_review_requested",),
        notifications=(
            NotificationSpec(
                template="action_required", to=(TELL_PA,), event="Pathway plan review needed"
            ),
        ),
        citation="T18: 'plus on request or significant change'; [L10]; [P-NORF]",
    ),
    TransitionSpec(
        name="record_pathway_plan_review",
        title="B2 Pathway plan reviewed",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(PA, SW, IRO),
        input_model=PlanReview,
        guard=gates.has_pathway_plan,
        records=gates.review_facts,
        # Closing and reopening: the next review is due six months from this one.
        opens_timers=("pathway_plan_review",),
        closes_timers=("pathway_plan_review", "pathway_plan_review_requested"),
        citation="T18; Care Leavers (England) Regulations 2010 (to be confirmed) [L10]; errata 6",
    ),
    TransitionSpec(
        name="approve_ceasing_to_look_after",
        title="Director of Children's Services (or nominee) approves ceasing to look after the "
        "young person before 18",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(DIRECTOR,),
        input_model=CeasingToLookAfter,
        guard=gates.left_care_gate,
        decision="approve_ceasing_to_look_after",
        citation="SI 2010/959 reg.39(5) (errata 11): only children's services end looked-after "
        "status",
    ),
    TransitionSpec(
        name="record_left_care",
        title="Ceased to be looked after: at 18, or earlier with the director's approval",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(SW, TM),
        input_model=LeftCare,
        guard=gates.left_care_gate,
        case_guard=gates.left_care_before_18_needs_director,
        records=gates.left_care_facts,
        opens_timers=("pathway_plan_review",),
        citation="Children Act 1989 s.23A, s.23C(1); SI 2010/959 reg.39(5) (errata 11); "
        "errata 20: the care-leaver review clock starts",
    ),
    TransitionSpec(
        name="register_on_housing_register",
        title="B3 Registered on the housing register early (activation deferred until ready)",
        from_steps=PLANNING,
        to_step=SAME_STEP,
        roles=(PA, HO),
        input_model=HousingRegistration,
        records=gates.registration_facts,
        citation=f"spec §3 B3; {S004} §2.9 'register for social housing before they turn 18'",
    ),
    TransitionSpec(
        name="record_pre18_panel",
        title="B4 Multi-agency pre-18 panel held: attendees by agency and the option chosen",
        from_steps=PLANNING,
        to_step=SAME_STEP,
        roles=(PA, SW, TM, HO),
        input_model=Pre18Panel,
        records=gates.panel_facts,
        closes_timers=("pre18_panel",),
        notifications=(
            NotificationSpec(template="step_recorded", to=("lha", TELL_PA), event="Panel held"),
        ),
        citation=f"T20; spec §3 B4; {S004} §2.2, §2.4; {PANEL_SEEDS}",
    ),
    TransitionSpec(
        name="agree_accommodation_plan",
        title="B5 Accommodation plan agreed for when the young person turns 18",
        from_steps=PLANNING,
        to_step=SAME_STEP,
        roles=(PA, HO),
        input_model=AccommodationPlan,
        records=gates.plan_facts("accommodation_plan", AccommodationPlan),
        closes_timers=("accommodation_plan_by_18",),
        citation=f"spec §3 B5; {S004} §2.2 'well planned moves prior to the care leaver's 18th "
        "birthday'; B&B: §2.4",
    ),
    TransitionSpec(
        name="record_contingency_plan",
        title="B6 Contingency plan agreed (bed and breakfast only in exceptional cases)",
        from_steps=PLANNING,
        to_step=SAME_STEP,
        roles=(PA, HO),
        input_model=ContingencyPlan,
        records=gates.plan_facts("contingency_plan", ContingencyPlan),
        citation=f"spec §3 B6; {S004} §2.5, §2.4",
    ),
    TransitionSpec(
        name="record_planned_move",
        title="B5 Planned accommodation move: agreed 28 days ahead, or waiting for agreement",
        from_steps=PLANNING,
        to_step=SAME_STEP,
        roles=(PA, HO),
        input_model=PlannedMove,
        case_guard=gates.planned_move_gate,
        records=gates.planned_move_facts,
        opens_timers=("move_agreement",),
        notifications=(
            NotificationSpec(
                template="step_recorded",
                to=(to_role(TM),),
                event="Planned move agreed at short notice",
                when=gates.last_move_short_notice,
            ),
        ),
        citation=f"T19; {S004} §2.2 '28 days before each accommodation move'; errata 17",
    ),
    TransitionSpec(
        name="agree_planned_move",
        title="B5 Planned move agreed",
        from_steps=PLANNING,
        to_step=SAME_STEP,
        roles=(PA, HO),
        input_model=MoveAgreement,
        case_guard=gates.move_agreement_gate,
        records=gates.move_agreed_facts,
        notifications=(
            NotificationSpec(
                template="step_recorded",
                to=(to_role(TM),),
                event="Planned move agreed at short notice",
                when=gates.last_move_short_notice,
            ),
        ),
        citation=f"T19; {S004} §2.2; errata 17: a short notice is a breach, not a block",
    ),
)

RISKS = (
    TransitionSpec(
        name="record_consent",
        title="The young person's consent to children's services telling the housing authority",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(PA, SW),
        input_model=SharingConsent,
        records=gates.consent_facts,
        citation="errata 23; spec §0.4",
    ),
    TransitionSpec(
        name="record_risk_trigger",
        title="Risk trigger point: rent arrears, anti-social behaviour, placement breakdown or "
        "release from custody",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(PA, SW, HO),
        input_model=RiskTrigger,
        records=gates.risk_trigger_facts,
        notifications=(
            NotificationSpec(template="action_required", to=(TELL_PA,), event="Risk trigger"),
            NotificationSpec(
                template="action_required",
                to=("lha",),
                event="Risk trigger",
                when=gates.lha_may_hear_of_risk,
            ),
        ),
        citation=f"{S004} §2.10 'identified trigger points', §2.9, §2.6; errata 23: the housing "
        "authority only with consent or a recorded override",
    ),
    TransitionSpec(
        name="tell_lha_without_consent",
        title="Tell the housing authority of the risk without consent (recorded override)",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(TM,),
        input_model=Rationale,
        guard=gates.risk_untold,
        records=gates.risk_override_facts,
        decision="sharing_override",
        notifications=(
            NotificationSpec(template="action_required", to=("lha",), event="Risk trigger"),
        ),
        citation="errata 23; spec §0.4 [DfE-IS]: no consent, but a recorded rationale",
    ),
)

HOUSING = (
    TransitionSpec(
        name="refer_to_housing",
        title="B7 Duty to refer: homeless or threatened within 56 days, with consent, to the "
        "housing authority the young person chose",
        from_steps=OPEN_STEPS,
        to_step=SAME_STEP,
        roles=(PA, SW),
        input_model=DutyToRefer,
        guard=gates.duty_to_refer_gate,
        records=gates.duty_to_refer_facts,
        # The chosen authority's staff acknowledge on this case and open their duty on it.
        shares_with="duty_to_refer_authority",
        share_reason="duty_to_refer",
        opens_timers=("referral_acknowledgement",),
        notifications=(
            NotificationSpec(
                template="action_required",
                to=("referred_lha",),
                event="Duty to refer: referral received",
                when=gates.referred_in_directory,
                due_timer="referral_acknowledgement",
            ),
        ),
        citation="spec §3 B7; Housing Act 1996 s.213B; Code of Guidance ch.4, 4.1 [G4]; "
        f"errata 16; {S004} §2.10",
    ),
    TransitionSpec(
        name="acknowledge_referral",
        title="B7 Referral acknowledged by the housing authority",
        from_steps=OPEN_STEPS,
        to_step=SAME_STEP,
        # The PA records an acknowledgement from an authority outside the directory.
        roles=(HO, SO, PA),
        input_model=ReferralAcknowledged,
        guard=gates.referral_waiting,
        records=gates.acknowledged_facts,
        notifications=(
            NotificationSpec(
                template="step_recorded", to=(TELL_PA,), event="Referral acknowledged"
            ),
        ),
        citation=f"{S004} §2.10: 'how referrals are made, acknowledged and responded to'",
    ),
    TransitionSpec(
        name="open_lha_duty",
        title="B7 The housing authority's prevention (s.195) or relief (s.189B) duty owed",
        from_steps=OPEN_STEPS,
        to_step=SAME_STEP,
        roles=LHA,
        input_model=LhaDutyOpened,
        guard=gates.no_lha_duty_open,
        records=gates.lha_duty_facts,
        opens_timers=("prevention_duty", "relief_duty"),
        notifications=(
            NotificationSpec(template="step_recorded", to=(TELL_PA, "ics"), event="Duty owed"),
        ),
        citation="T10, T11; Housing Act 1996 s.195, s.189B; spec §6 duty change",
    ),
    TransitionSpec(
        name="record_php",
        title="B7 Personalised housing plan: informed by the pathway plan, with the PA's input",
        from_steps=OPEN_STEPS,
        to_step=SAME_STEP,
        roles=LHA,
        input_model=PersonalisedHousingPlan,
        guard=gates.lha_duty_is_open,
        records=gates.php_facts,
        citation=f"Housing Act 1996 s.189A; {S004} §2.10; spec §3 KPIs (PHP-pathway plan link)",
    ),
    TransitionSpec(
        name="end_lha_duty",
        title="B7 The housing authority's duty ended by notice",
        from_steps=OPEN_STEPS,
        to_step=SAME_STEP,
        roles=LHA,
        input_model=LhaDutyEnded,
        guard=gates.lha_duty_is_open,
        records=gates.lha_duty_ended_facts,
        closes_timers=("prevention_duty", "relief_duty"),
        notifications=(
            NotificationSpec(template="step_recorded", to=(TELL_PA, "ics"), event="Duty ended"),
        ),
        citation="spec §3 Closure: 'LHA duties end only by statutory notice' [G14]; spec §8",
    ),
    TransitionSpec(
        name="record_interim_accommodation",
        title="B8 Interim accommodation under s.188 (out of the district: the s.208 notice)",
        from_steps=OPEN_STEPS,
        to_step=SAME_STEP,
        roles=LHA,
        input_model=HousingPlacement,
        guard=gates.interim_bed_and_breakfast_gate,
        # A new placement owes a new notice: the last one's sending is not this one's.
        records=rules.merged(
            placements.placement_facts("s188"), rules.fixed(s208_notice_sent_on=None)
        ),
        opens_timers=("s208_notice",),
        notifications=(
            NotificationSpec(
                template="step_recorded", to=(TELL_PA, "ics"), event="Interim accommodation"
            ),
            # The host authority hears of the placement and its date only; the s.208(3)
            # notice names the applicant, so it is a document for the officer (errata 22).
            NotificationSpec(
                template="out_of_district_placement",
                to=("host_lha",),
                event="Placement in your district",
                when=placements.needs_s208_notice,
                due_timer="s208_notice",
            ),
        ),
        citation=f"T22; Housing Act 1996 s.188, s.208(3)-(4) (errata 9, 22); {S004} §2.7",
    ),
    TransitionSpec(
        name="record_s208_notice_sent",
        title="B8 s.208 notice given to the host authority",
        from_steps=OPEN_STEPS,
        to_step=SAME_STEP,
        roles=LHA,
        input_model=NoticeSent,
        guard=placements.notice_due,
        records=placements.notice_facts,
        citation="T22; Housing Act 1996 s.208(3)-(4) (errata 9, 22)",
    ),
    TransitionSpec(
        name="hand_off_to_intentionality",
        title="B9 Risk that duties end (refused offer, ineligibility, non-cooperation): to the "
        "joint senior sign-off",
        from_steps=OPEN_STEPS,
        to_step=SAME_STEP,
        roles=(HO, SO, PA),
        input_model=DutiesAtRisk,
        guard=gates.not_handed_off,
        records=gates.hand_off_facts,
        opens_case=LinkedCaseSpec(
            pathway="intentional-homelessness",
            copies_people=("young_person",),
            people_as={"young_person": "applicant"},
            payload=gates.intentionality_payload,
        ),
        notifications=(
            NotificationSpec(
                template="action_required", to=(TELL_PA, "lha"), event="Joint sign-off pathway"
            ),
        ),
        citation=f"spec §3 B9; {S004} §2.10 'Intentional homelessness'; spec §5 (Pathway D)",
    ),
    TransitionSpec(
        name="lha_closes_its_case",
        title="The housing authority closes its involvement: children's services told",
        from_steps=OPEN_STEPS,
        to_step=SAME_STEP,
        roles=LHA,
        guard=gates.lha_still_open,
        records=rules.fixed(lha_closed=True),
        notifications=(
            NotificationSpec(
                template="step_recorded", to=("ics", TELL_PA), event="Housing case closed"
            ),
        ),
        citation="spec §3 Closure: 'each agency must notify the other when it closes' [S002]",
    ),
)


def _birthday_reached(name: str, fact: str, event: str, citation: str) -> TransitionSpec:
    return TransitionSpec(
        name=f"record_{name}_reached",
        title=event,
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(SYSTEM,),
        records=rules.fixed(**{fact: True}),
        closes_timers=(name,),
        notifications=(NotificationSpec(template="action_required", to=(TELL_PA,), event=event),),
        citation=citation,
    )


ENDINGS = (
    _birthday_reached(
        "turns_18",
        "reached_18",
        "The young person has turned 18: looked-after status ends",
        "Children Act 1989 s.105(1), s.23C(1)(b); SI 2010/959 reg.39(5) (errata 11)",
    ),
    _birthday_reached(
        "pa_support_21",
        "reached_21",
        "The young person has turned 21: support to 25 if they ask",
        "T21; Children Act 1989 s.23C(6), s.23CZB; Code 22.3 [G22]",
    ),
    _birthday_reached(
        "pa_support_25",
        "reached_25",
        "The young person has turned 25: support to 25 ends",
        "T21; Children Act 1989 s.23CZB",
    ),
    TransitionSpec(
        name="request_support_to_25",
        title="The young person asks for Personal Adviser support to 25",
        from_steps=PLANNING,
        to_step=SAME_STEP,
        roles=(PA,),
        input_model=SupportTo25,
        guard=gates.support_to_25_gate,
        records=gates.support_to_25_facts,
        opens_timers=("pa_support_25",),
        citation="T21; Children Act 1989 s.23CZB (Children and Social Work Act 2017 s.3)",
    ),
    TransitionSpec(
        name="close_at_21",
        title="Support ended at 21: the housing authority told",
        from_steps=PLANNING,
        to_step="closed_at_21",
        roles=(PA, TM),
        guard=gates.reached_21,
        outcome="CL_SUPPORT_ENDED_21",
        notifications=(CASE_CLOSED_TO_LHA,),
        citation="spec §3 Closure; Children Act 1989 s.23C(6)",
    ),
    TransitionSpec(
        name="close_at_25",
        title="Support to 25 ended: the housing authority told",
        from_steps=PLANNING,
        to_step="closed_at_25",
        roles=(PA, TM),
        guard=gates.reached_25,
        outcome="CL_SUPPORT_ENDED_25",
        notifications=(CASE_CLOSED_TO_LHA,),
        citation="spec §3 Closure; Children Act 1989 s.23CZB",
    ),
    TransitionSpec(
        name="close_at_young_persons_request",
        title="Ended early at the young person's request: the housing authority told",
        from_steps=OPEN_STEPS,
        to_step="closed_at_request",
        roles=(PA, TM),
        input_model=YoungPersonRequest,
        guard=gates.closure_gate,
        outcome="CL_ENDED_AT_REQUEST",
        notifications=(CASE_CLOSED_TO_LHA,),
        citation="spec §3 Closure; errata 10 and 23: ending one service ends no other duty",
    ),
)

CARE_LEAVER: Final = register(
    PathwayDefinition(
        name="care-leaver-transition",
        version="1.0",
        title="Care leaver transition at 18 (to 21 and 25)",
        citation=f"spec §3 Pathway B; {S004} §2.2-2.10; {PANEL_SEEDS}; SI 2010/959 Pt 7 [L9]; "
        "errata 6, 9, 11, 13, 16, 17, 20, 22, 23",
        initial_step="referred",
        opening_transition="open_care_leaver_case",
        steps=STEPS,
        timers=TIMERS,
        transitions=(OPENING, *PLANS, *RISKS, *HOUSING, *ENDINGS),
        # Product codes: spec §3 names the endings but gives them no codes.
        outcomes={
            "CL_SUPPORT_ENDED_21": "Personal Adviser support ended at 21 (s.23C(6))",
            "CL_SUPPORT_ENDED_25": "Personal Adviser support to 25 ended (s.23CZB)",
            "CL_ENDED_AT_REQUEST": "Ended early at the young person's request",
        },
    )
)
"""The latest version: ``get_definition("care-leaver-transition")`` returns it."""
