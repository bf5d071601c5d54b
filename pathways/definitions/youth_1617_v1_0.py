"""Pathway A, version 1.0, FROZEN: cases opened on 1.0 keep running on it (a case keeps the
version it started on) until ``pathways case migrate`` moves them to 1.1. Do not edit it: 1.1
(``youth_1617``) corrects its routes (issue #9), and this file stays as those cases knew it.

Pathway A: a 16/17-year-old's homelessness enquiry, answered jointly by the LHA and ICS.

Spec §2 (the Dartford/KCC co-located model, seed 000). Steps A1-A9 in the order a worker meets
them: first contact and safety triage; emergency accommodation if they are not safe tonight;
the joint visit to the family and the young person within 24 hours; then either home with no
further input (O1) or a CAF/Early Help support package with weekly meetings and reviews; if the
package is not working, a children's services assessment and the s.20 decision; closure only
when the family, the young person and the team all agree to stop.

Titles that reach an alert are the transition's, unless a notification names its own ``event``:
closing alerts say only "Case closed" (spec §6: no refusal of help, no care status).
"""

from __future__ import annotations

from typing import Final

from pathways.definitions import register
from pathways.definitions import youth_1617_rules as rules
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
)
from pathways.engine.definition import (
    ANY_STEP,
    LinkedCaseSpec,
    NotificationSpec,
    PathwayDefinition,
    StepSpec,
    TimerSpec,
    TransitionSpec,
)
from pathways.engine.inputs import Rationale
from pathways.roles import Role
from pathways.vocabulary import Recipient, to_role

HO: Final[Role] = "lha-housing-officer"
SENIOR_OFFICER: Final[Role] = "lha-senior-officer"
SW: Final[Role] = "ics-social-worker"
EH_WORKER: Final[Role] = "early-help-practitioner"
EH_LEAD: Final[Role] = "early-help-unit-lead"
TEAM_MANAGER: Final[Role] = "ics-team-manager"
SYSTEM: Final[Role] = "system"

BOTH_LEADS: Final[tuple[Recipient, ...]] = ("lha", "ics")
BOTH_MANAGERS: Final[tuple[Recipient, ...]] = (to_role(SENIOR_OFFICER), to_role(TEAM_MANAGER))
CASE_CLOSED = NotificationSpec(
    template="case_closed", to=("lha", "ics", "referrer"), event="Case closed"
)
PACKAGE_TIMERS = ("weekly_home_meeting", "weekly_case_review", "monthly_stakeholder_review")
# Where the joint visit can take place: before, during or after the first night's accommodation.
BEFORE_THE_VISIT = (
    "awaiting_joint_visit",
    "emergency_accommodation",
    "accommodated_s20",
    "looked_after",
)

S000 = "seed 000 [S000] (Dartford/KCC co-located model)"

STEPS = {
    "new_enquiry": StepSpec(title="New enquiry"),
    "safety_triage": StepSpec(title="A1 Safety triage on first contact", citation=S000),
    "emergency_accommodation": StepSpec(
        title="A1a Emergency accommodation needed today",
        citation="16/17 guidance [P-NOTTS]; [NHAS-1617]",
    ),
    "accommodated_s20": StepSpec(
        title="A1a Accommodated under s.20 (looked after if it lasts more than 24 hours)",
        citation="Children Act 1989 s.20, s.22(2) (errata 1)",
    ),
    "looked_after": StepSpec(
        title="A1a Looked after: s.20 accommodation has lasted more than 24 hours",
        citation="Children Act 1989 s.22(2) (errata 1)",
    ),
    "awaiting_joint_visit": StepSpec(
        title="A2 Joint visit to family and young person", citation=S000
    ),
    "caf_plan": StepSpec(title="A3 CAF/Early Help action plan", citation=S000),
    "support_package": StepSpec(
        title="A4-A5 Support package: weekly home meetings, team and stakeholder reviews",
        citation=S000,
    ),
    "assessment": StepSpec(
        title="A6 Children's services assessment (child and family assessment, s.17)",
        citation="Working Together [P-TEES]; spec §10 C3",
    ),
    "assessment_outcome": StepSpec(
        title="A6-A7 Assessment outcome: child in need support or the s.20 decision",
        citation="Children Act 1989 s.17, s.20; [O-GD]",
    ),
    "closed": StepSpec(title="A9 Closed", terminal=True, citation=S000),
    "looked_after_handoff": StepSpec(
        title="A7 s.20 accepted: looked after, handed to the care-leaver pathway",
        terminal=True,
        citation="Children Act 1989 s.20; spec §3",
    ),
    "part7_handoff": StepSpec(
        title="A7 s.20 declined after full advice: LHA Part 7 route with priority need",
        terminal=True,
        citation="R (G) v Southwark; [SH-1617]; [O-GD]",
    ),
    "transferred": StepSpec(title="A8 Supported back to their home authority", terminal=True),
    "assistance_rejected": StepSpec(title="A9 Young person rejected assistance", terminal=True),
}

TIMERS = {
    "joint_visit": TimerSpec(
        name="joint_visit",
        title="Joint visit to family and young person ({period})",
        rule="joint-visit-1617",
        owner_team="joint",
        starts_from="enquiry_received_at",
        closed_by=("returned_home_no_further_input", "support_package_needed"),
        notify_on_warning=BOTH_LEADS,
        # Local target with no statutory ladder above it: the breach goes to both managers once.
        escalate_to=BOTH_MANAGERS,
    ),
    "emergency_accommodation": TimerSpec(
        name="emergency_accommodation",
        title="Emergency accommodation for tonight (same day)",
        rule="same-day",
        owner_team="joint",
        starts_from="enquiry_received_at",
        closed_by=("place_under_s20", "place_under_s188", "support_package_needed"),
        notify_on_warning=(*BOTH_LEADS, "ooh"),
        escalate_to=(*BOTH_MANAGERS, "ooh"),
    ),
    "looked_after_24h": TimerSpec(
        name="looked_after_24h",
        title="s.20 accommodation for more than {period}",
        rule="looked-after-24h",
        owner_team="ics",
        starts_from="placed_at",
        closed_by=("end_s20_placement", "mark_looked_after", "support_package_needed"),
        # Not a deadline anyone misses: at 24 hours the law changes the young person's status.
        warn_fraction=None,
        notify_on_warning=(),
        on_breach="mark_looked_after",
    ),
    "weekly_home_meeting": TimerSpec(
        name="weekly_home_meeting",
        title="Weekly home meeting with the family and young person",
        rule="weekly-home-meeting",
        owner_team="joint",
        closed_by=("record_home_meeting",),
        recurring=True,
    ),
    "weekly_case_review": TimerSpec(
        name="weekly_case_review",
        title="Weekly team live case review",
        rule="weekly-case-review",
        owner_team="joint",
        closed_by=("record_team_review",),
        notify_on_warning=BOTH_LEADS,
        recurring=True,
    ),
    "monthly_stakeholder_review": TimerSpec(
        name="monthly_stakeholder_review",
        title="Monthly stakeholder case review",
        rule="monthly-stakeholder-review",
        owner_team="joint",
        closed_by=("record_stakeholder_review",),
        notify_on_warning=BOTH_MANAGERS,
        recurring=True,
    ),
    "referral_decision": TimerSpec(
        name="referral_decision",
        title="ICS decision on the referral ({period})",
        rule="rfs-triage",
        owner_team="ics",
        closed_by=("record_referral_decision",),
        notify_on_warning=(to_role(TEAM_MANAGER),),
        escalate_to=(to_role("ics-service-manager"),),
    ),
    "cf_assessment": TimerSpec(
        name="cf_assessment",
        title="Child and family assessment ({period})",
        rule="cf-assessment",
        owner_team="ics",
        closed_by=("complete_assessment",),
        escalate_to=(to_role(TEAM_MANAGER),),
    ),
    "prevention_duty": TimerSpec(
        name="prevention_duty",
        title="LHA prevention duty ({period})",
        rule="prevention-duty",
        owner_team="lha",
        starts_from="satisfied_on",
        closed_by=("end_prevention_duty",),
        escalate_to=(to_role(SENIOR_OFFICER),),
    ),
}

TRANSITIONS = (
    # A1: first contact and safety triage
    TransitionSpec(
        name="record_enquiry",
        title="A1 First enquiry from a 16/17-year-old recorded",
        from_steps=("new_enquiry",),
        to_step="safety_triage",
        roles=(HO, SW),
        input_model=Intake,
        guard=rules.age_gate_at_enquiry,
        records=rules.intake_facts,
        opens_timers=("joint_visit",),
        notifications=(
            NotificationSpec(template="case_opened", to=BOTH_LEADS, event="New 16/17 enquiry"),
        ),
        citation=f"{S000}; spec §2 entry data and age gate",
    ),
    TransitionSpec(
        name="triage_safe_tonight",
        title="A1 Safety triage: safe tonight",
        from_steps=("safety_triage",),
        to_step="awaiting_joint_visit",
        roles=(HO, SW),
        guard=rules.safe_tonight_as_recorded,
        citation=S000,
    ),
    TransitionSpec(
        name="triage_not_safe_tonight",
        title="A1 Safety triage: not safe tonight, emergency accommodation needed (A1a)",
        from_steps=("safety_triage",),
        to_step="emergency_accommodation",
        roles=(HO, SW),
        records=rules.fixed(safe_tonight=False),
        opens_timers=("emergency_accommodation",),
        notifications=(
            NotificationSpec(
                template="emergency_placement",
                to=(*BOTH_LEADS, "ooh"),
                event="Emergency accommodation needed today",
            ),
        ),
        citation="T02; 16/17 guidance [P-NOTTS]; [NHAS-1617]; Kent & Medway OOH [S002]",
    ),
    # A1a: emergency accommodation
    TransitionSpec(
        name="place_under_s20",
        title="A1a Emergency accommodation provided under s.20 Children Act 1989",
        from_steps=("emergency_accommodation",),
        to_step="accommodated_s20",
        roles=(SW,),
        input_model=EmergencyPlacement,
        guard=rules.all_of(rules.placed_after_enquiry, rules.bed_and_breakfast_gate),
        records=rules.placement_facts("s20"),
        opens_timers=("looked_after_24h",),
        notifications=(
            NotificationSpec(
                template="step_recorded", to=BOTH_LEADS, event="Emergency placement made"
            ),
        ),
        citation="Children Act 1989 s.20; B&B: Homelessness Code of Guidance (errata 2)",
    ),
    TransitionSpec(
        name="place_under_s188",
        title="A1a Interim accommodation under s.188 Housing Act 1996 (approach to housing)",
        from_steps=("emergency_accommodation",),
        to_step="awaiting_joint_visit",
        roles=(HO,),
        input_model=EmergencyPlacement,
        guard=rules.all_of(
            rules.approach_was_to_housing, rules.placed_after_enquiry, rules.bed_and_breakfast_gate
        ),
        records=rules.placement_facts("s188"),
        notifications=(
            NotificationSpec(
                template="step_recorded", to=BOTH_LEADS, event="Emergency placement made"
            ),
        ),
        citation="Housing Act 1996 s.188; B&B: Homelessness Code of Guidance (errata 2)",
    ),
    TransitionSpec(
        name="end_s20_placement",
        title="A1a s.20 placement ended within 24 hours",
        from_steps=("accommodated_s20",),
        to_step="awaiting_joint_visit",
        roles=(SW,),
        records=rules.fixed(emergency_placement_ended=True),
        citation="Children Act 1989 s.22(2) (errata 1)",
    ),
    TransitionSpec(
        name="mark_looked_after",
        title="A1a Looked after: s.20 accommodation has lasted more than 24 hours",
        from_steps=("accommodated_s20",),
        to_step="looked_after",
        roles=(SYSTEM,),
        records=rules.fixed(
            looked_after=True,
            looked_after_basis="s.20 accommodation for more than 24 hours (CA 1989 s.22(2))",
        ),
        citation="T03; Children Act 1989 s.22(2) (errata 1); [P-NOTTS]",
    ),
    # A2: the joint visit decides the route
    TransitionSpec(
        name="returned_home_no_further_input",
        title="A2 Joint visit: returned home, no further input (O1)",
        from_steps=BEFORE_THE_VISIT,
        to_step="closed",
        roles=(HO, SW, EH_WORKER),
        input_model=JointVisit,
        guard=rules.family_and_young_person_seen,
        records=rules.fixed(joint_visit_outcome="returned_home_no_further_input"),
        outcome="O1",
        notifications=(CASE_CLOSED,),
        citation=S000,
    ),
    TransitionSpec(
        name="support_package_needed",
        title="A2 Joint visit: home with a support package (go to A3)",
        from_steps=BEFORE_THE_VISIT,
        to_step="caf_plan",
        roles=(HO, SW, EH_WORKER),
        input_model=JointVisit,
        guard=rules.family_and_young_person_seen,
        records=rules.fixed(joint_visit_outcome="support_package_needed"),
        citation=S000,
    ),
    TransitionSpec(
        name="joint_visit_stays_accommodated",
        title="A2 Joint visit: not yet safe to return home (stays in s.20 accommodation)",
        from_steps=("accommodated_s20",),
        to_step="accommodated_s20",
        roles=(HO, SW, EH_WORKER),
        input_model=JointVisit,
        guard=rules.family_and_young_person_seen,
        records=rules.fixed(joint_visit_outcome="stays_accommodated"),
        # The visit is done; the s.20 clock (T03) runs on, so more than 24 hours means looked after.
        closes_timers=("joint_visit",),
        citation=f"{S000}; Children Act 1989 s.22(2) (errata 1)",
    ),
    # A3: the CAF / Early Help action plan, and the LHA's prevention duty
    TransitionSpec(
        name="agree_caf_plan",
        title="A3 CAF/Early Help action plan agreed",
        from_steps=("caf_plan",),
        to_step="support_package",
        roles=(EH_WORKER, EH_LEAD, SW, HO),
        input_model=CafPlan,
        records=rules.caf_plan_facts,
        opens_timers=PACKAGE_TIMERS,
        citation=f"T04-T06; {S000}",
    ),
    TransitionSpec(
        name="open_prevention_duty",
        title="A3 LHA prevention duty (s.195) and personalised housing plan (s.189A)",
        from_steps=("support_package",),
        to_step="support_package",
        roles=(HO,),
        input_model=PreventionDuty,
        guard=rules.prevention_duty_can_open,
        records=rules.prevention_duty_facts,
        opens_timers=("prevention_duty",),
        citation="T10; Housing Act 1996 s.195, s.189A; Code ch.12 [G12]",
    ),
    TransitionSpec(
        name="end_prevention_duty",
        title="LHA prevention duty ended: outcome recorded",
        from_steps=("support_package",),
        to_step="support_package",
        roles=(HO,),
        input_model=DutyEnded,
        guard=rules.duty_is_open,
        records=rules.duty_ended_facts,
        citation="Code ch.14 [G14]; H-CLIC reason-ended codes (errata 8)",
    ),
    # A4-A5: meetings and reviews
    TransitionSpec(
        name="record_home_meeting",
        title="A4 Weekly home meeting: support taken up and progress",
        from_steps=("support_package",),
        to_step="support_package",
        roles=(HO, EH_WORKER),
        input_model=HomeMeeting,
        records=rules.home_meeting_facts,
        citation=f"T04; {S000}",
    ),
    TransitionSpec(
        name="record_team_review",
        title="A5 Weekly team live case review: is the package effective?",
        from_steps=("support_package",),
        to_step="support_package",
        roles=(HO, SW, EH_WORKER, EH_LEAD),
        input_model=Review,
        records=rules.review_facts("team_review"),
        citation=f"T05; {S000}",
    ),
    TransitionSpec(
        name="record_stakeholder_review",
        title="A5 Monthly stakeholder case review: is the package effective?",
        from_steps=("support_package",),
        to_step="support_package",
        roles=(TEAM_MANAGER, SENIOR_OFFICER),
        input_model=Review,
        records=rules.review_facts("stakeholder_review"),
        citation=f"T06; {S000}",
    ),
    # A6: escalation to a children's services assessment
    TransitionSpec(
        name="escalate_to_assessment",
        title="A6 Package not effective: escalate to a children's services assessment",
        from_steps=("support_package", "looked_after"),
        to_step="assessment",
        roles=(SW, TEAM_MANAGER),
        guard=rules.package_not_effective,
        records=rules.escalation_facts,
        opens_timers=("referral_decision", "cf_assessment"),
        # The assessment replaces the package (child in need support restarts it) and any
        # joint visit still awaited for a looked-after young person.
        closes_timers=("joint_visit", *PACKAGE_TIMERS),
        notifications=(
            NotificationSpec(
                template="action_required", to=("ics",), event="Referral for assessment"
            ),
        ),
        citation="T07, T08; Working Together [P-TEES, P-SUSSEX] (errata 7); " + S000,
    ),
    TransitionSpec(
        name="record_referral_decision",
        title="A6 ICS decision on the referral (type of response)",
        from_steps=("assessment",),
        to_step="assessment",
        roles=(TEAM_MANAGER,),
        input_model=ReferralDecision,
        records=rules.referral_decision_facts,
        decision="referral_response",
        citation="T07; Working Together [P-TEES, P-SUSSEX] (errata 7)",
    ),
    TransitionSpec(
        name="complete_assessment",
        title="A6 Child and family assessment completed",
        from_steps=("assessment",),
        to_step="assessment_outcome",
        roles=(SW, TEAM_MANAGER),
        input_model=AssessmentCompleted,
        guard=rules.referral_decided,
        records=rules.assessment_facts,
        decision="assessment_outcome",
        # Spec §6: the LHA is told an outcome exists, never whether it was s.47.
        notifications=(
            NotificationSpec(
                template="step_recorded", to=BOTH_LEADS, event="Assessment outcome recorded"
            ),
        ),
        citation="T08; Children Act 1989 s.17, s.47; Working Together [P-TEES, P-BUCKS]",
    ),
    TransitionSpec(
        name="start_child_in_need_support",
        title="A6 Child in need support (s.17): the support package continues",
        from_steps=("assessment_outcome",),
        to_step="support_package",
        roles=(SW, TEAM_MANAGER),
        guard=rules.assessment_led_to(rules.CIN_ROUTES, "child in need support"),
        opens_timers=PACKAGE_TIMERS,
        citation="Children Act 1989 s.17",
    ),
    # A7: the s.20 decision
    TransitionSpec(
        name="s20_accepted",
        title="A7 s.20 accepted: young person looked after (O3)",
        from_steps=("assessment_outcome",),
        to_step="looked_after_handoff",
        roles=(SW,),
        input_model=Ending,
        guard=rules.all_of(
            rules.assessment_led_to(rules.S20_ROUTES, "an s.20 decision"),
            rules.duty_outcome_recorded,
        ),
        records=rules.merged(rules.fixed(looked_after=True), rules.ending_facts),
        outcome="O3",
        decision="s20",
        opens_case=LinkedCaseSpec(
            pathway="care-leaver-transition",
            # The skeleton 1.0 was written against: 0.2 needs the date accommodation began,
            # which 1.0's hand-off does not ask for (1.1 does).
            version="0.1",
            copies_people=("young_person",),
            payload=rules.s20_handoff_payload,
        ),
        notifications=(CASE_CLOSED,),
        citation="Children Act 1989 s.20, s.22; spec §3 (Pathway B)",
    ),
    TransitionSpec(
        name="s20_declined_after_advice",
        title="A7 s.20 declined after full advice and advocacy: LHA Part 7 route, priority need",
        from_steps=("assessment_outcome",),
        to_step="part7_handoff",
        roles=(SW,),
        input_model=S20Declined,
        guard=rules.all_of(
            rules.assessment_led_to(rules.S20_ROUTES, "an s.20 decision"),
            rules.advice_and_advocacy_given,
            rules.duty_outcome_recorded,
        ),
        records=rules.merged(rules.s20_declined_facts, rules.ending_facts),
        outcome="O5",
        decision="s20",
        notifications=(CASE_CLOSED,),
        citation="R (G) v Southwark [NHAS-1617]; priority need [SH-1617]; advocacy [O-GD]",
    ),
    # A9: closure by agreement
    TransitionSpec(
        name="family_asks_to_stop",
        title="A9 Family asks to stop",
        from_steps=("support_package",),
        to_step="support_package",
        roles=(HO, SW, EH_WORKER),
        records=rules.fixed(family_asked_to_stop=True),
        citation=S000,
    ),
    TransitionSpec(
        name="young_person_asks_to_stop",
        title="A9 Young person asks to stop",
        from_steps=("support_package",),
        to_step="support_package",
        roles=(HO, SW, EH_WORKER),
        records=rules.fixed(young_person_asked_to_stop=True),
        citation=S000,
    ),
    TransitionSpec(
        name="team_agrees_to_close",
        title="A9 Team agrees the case can close",
        from_steps=("support_package",),
        to_step="support_package",
        roles=(TEAM_MANAGER, SENIOR_OFFICER),
        input_model=Rationale,
        records=rules.fixed(team_agreed_closure=True),
        decision="closure",
        citation=S000,
    ),
    TransitionSpec(
        name="close_case",
        title="A9 Closed by agreement: home with a support package (O2)",
        from_steps=("support_package",),
        to_step="closed",
        roles=(HO, SW),
        input_model=Ending,
        guard=rules.all_of(rules.closure_gate, rules.duty_outcome_recorded),
        records=rules.ending_facts,
        outcome="O2",
        notifications=(CASE_CLOSED,),
        citation=f"{S000}: closure only if family and young person ask to stop and team agrees",
    ),
    # A8 and the other endings, from any open step
    TransitionSpec(
        name="supported_back_to_home_authority",
        title="A8 Supported back to their home authority (O4)",
        from_steps=(ANY_STEP,),
        to_step="transferred",
        roles=(HO, SW),
        input_model=BackToHomeAuthority,
        guard=rules.duty_outcome_recorded,
        records=rules.merged(rules.home_authority_facts, rules.ending_facts),
        outcome="O4",
        notifications=(CASE_CLOSED,),
        citation=S000,
    ),
    TransitionSpec(
        name="assistance_rejected",
        title="A9 Young person rejected assistance (O5)",
        from_steps=(ANY_STEP,),
        to_step="assistance_rejected",
        roles=(HO, SW),
        input_model=Ending,
        guard=rules.duty_outcome_recorded,
        records=rules.ending_facts,
        outcome="O5",
        notifications=(CASE_CLOSED,),
        citation=S000,
    ),
)

YOUTH_1617 = register(
    PathwayDefinition(
        name="youth-1617-intake",
        version="1.0",
        title="16/17-year-old homelessness intake (joint LHA + ICS response)",
        citation="spec §2 Pathway A; seed 000 [S000]; 16/17 guidance [P-NOTTS]; [NHAS-1617]",
        initial_step="new_enquiry",
        opening_transition="record_enquiry",
        steps=STEPS,
        timers=TIMERS,
        transitions=TRANSITIONS,
        outcomes={
            "O1": "Returned home, no further input",
            "O2": "Returned home with an intensive prevention package",
            "O3": "Assessed as a child in need and accepted s.20: looked after",
            "O4": "Supported back to their home authority",
            "O5": "Rejected assistance",
        },
    )
)
