"""Pathway A, version 1.1: a 16/17-year-old's homelessness enquiry, answered jointly by the LHA
and ICS (spec §2; seed 000, the Dartford/KCC co-located model).

The steps in the order a worker meets them: first contact and safety triage; emergency
accommodation if they are not safe tonight; the joint visit to the family and the young person
within 24 hours; then either home with no further input (O1) or a CAF / Early Help support
package with weekly meetings and reviews; if the package is not working, or the young person
is homeless, a children's services assessment and the s.20 decision.

What 1.1 puts right in 1.0 (issue #9; spec errata 1, 9-15):
- every route that stops the joint work passes one closure gate: the family and the young
  person ask to stop and the team agrees; a transfer needs the team's agreement;
- only children's services end s.20 accommodation or looked-after status, and ending
  looked-after status needs the director's approval (reg.39(5));
- s.20 refused after full advice leads to s.17 child in need support, with the LHA's Part 7
  route alongside; priority need is the LHA's own s.184 decision;
- consent is a gate on intensive Early Help and the s.17 assessment, with a recorded
  safeguarding override;
- a young person placed under s.188 is homeless: the relief duty, and a referral for
  assessment that does not pretend a package failed;
- contact goes on while an assessment runs, and the weekly reviews run from case opening.

Titles that reach an alert are the transition's, unless a notification names its own ``event``:
closing alerts say only "Case closed" (spec §6: no refusal of help, no care status).
"""

from __future__ import annotations

from typing import Final

from pathways.definitions import register
from pathways.definitions import youth_1617_gates as gates
from pathways.definitions import youth_1617_rules as rules
from pathways.definitions.youth_1617_inputs import (
    AssessmentCompleted,
    BackToHomeAuthority,
    CafPlanAgreed,
    CeasingToLookAfter,
    ChildrensServicesTransfer,
    ConsentChange,
    ConsentOverride,
    DutyEnded,
    Ending,
    HomeMeeting,
    HousingPlacement,
    Intake,
    JointVisit,
    MovedOn,
    NoticeSent,
    Placement,
    PreventionDuty,
    PriorityNeedDecision,
    ReferralDecision,
    ReliefDuty,
    Review,
    S20Accepted,
    S20Ended,
    S20Refused,
)
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
from pathways.vocabulary import Recipient, to_role

HO: Final[Role] = "lha-housing-officer"
SENIOR_OFFICER: Final[Role] = "lha-senior-officer"
LHA_SERVICE_MANAGER: Final[Role] = "lha-service-manager"
SAFEGUARDING_LEAD: Final[Role] = "lha-safeguarding-lead"
SW: Final[Role] = "ics-social-worker"
EH_WORKER: Final[Role] = "early-help-practitioner"
EH_LEAD: Final[Role] = "early-help-unit-lead"
TEAM_MANAGER: Final[Role] = "ics-team-manager"
DIRECTOR: Final[Role] = "ics-assistant-director"
SYSTEM: Final[Role] = "system"

BOTH_LEADS: Final[tuple[Recipient, ...]] = ("lha", "ics")
BOTH_MANAGERS: Final[tuple[Recipient, ...]] = (to_role(SENIOR_OFFICER), to_role(TEAM_MANAGER))
CASE_CLOSED = NotificationSpec(
    template="case_closed", to=("lha", "ics", "referrer"), event="Case closed"
)
PLACEMENT_MADE = NotificationSpec(
    template="step_recorded", to=BOTH_LEADS, event="Emergency placement made"
)
REFERRAL_FOR_ASSESSMENT = NotificationSpec(
    template="action_required", to=("ics",), event="Referral for assessment"
)
PACKAGE_TIMERS = ("weekly_home_meeting", "weekly_case_review", "monthly_stakeholder_review")
REVIEW_TIMERS = ("weekly_case_review", "monthly_stakeholder_review")
# Where the joint visit can take place: before, during or after the first night's accommodation.
BEFORE_THE_VISIT = (
    "awaiting_joint_visit",
    "emergency_accommodation",
    "accommodated_s20",
    "looked_after",
)
# Where the weekly home meetings go on: the package, and the assessment beside it [S000].
CONTACT_STEPS = ("support_package", "assessment", "assessment_outcome", "s17_support")

S000 = "seed 000 [S000] (Dartford/KCC co-located model)"
CLOSURE = f"{S000}: closure only if family and young person ask to stop and the team agrees"
CONSENT = "seed 002 (consent for L3 intensive Early Help and s.17 assessments); errata 15"
REG39 = "SI 2010/959 reg.39(5): the director's approval (errata 11)"

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
    "returned_home": StepSpec(
        title="A2 Returned home, no further input: closing by agreement", citation=S000
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
    "s17_support": StepSpec(
        title="A7 s.20 declined after full advice: child in need support (s.17), with the "
        "LHA's Part 7 duties alongside",
        citation="R (G) v Southwark [2009] UKHL 26; 2018 joint 16/17 guidance (errata 10)",
    ),
    "closed": StepSpec(title="A9 Closed by agreement", terminal=True, citation=CLOSURE),
    "looked_after_handoff": StepSpec(
        title="A7 s.20 accepted: looked after, handed to the care-leaver pathway",
        terminal=True,
        citation="Children Act 1989 s.20; spec §3",
    ),
    "transferred": StepSpec(title="A8 Supported back to their home authority", terminal=True),
    "transferred_childrens_services": StepSpec(
        title="A8 Looked after: transferred to their home authority's children's services",
        terminal=True,
        citation="Children Act 1989 s.20, s.22; errata 11",
    ),
    "assistance_rejected": StepSpec(
        title="A9 Young person rejected assistance: closed by agreement",
        terminal=True,
        citation=CLOSURE,
    ),
}

TIMERS = {
    "joint_visit": TimerSpec(
        name="joint_visit",
        title="Joint visit to family and young person ({period})",
        rule="joint-visit-1617",
        owner_team="joint",
        starts_from="enquiry_received_at",
        closed_by=(
            "returned_home_no_further_input",
            "support_package_needed",
            "joint_visit_held_during_assessment",
        ),
        notify_on_warning=BOTH_LEADS,
        # Local target with no statutory ladder above it: the breach goes to both managers once.
        escalate_to=BOTH_MANAGERS,
        out_of_hours_fallback=True,
    ),
    "emergency_accommodation": TimerSpec(
        name="emergency_accommodation",
        title="Emergency accommodation for tonight (same day)",
        rule="same-day",
        owner_team="joint",
        starts_from="enquiry_received_at",
        closed_by=(
            "place_under_s20",
            "place_under_s188",
            "support_package_needed",
            "returned_home_no_further_input",
        ),
        notify_on_warning=BOTH_LEADS,
        escalate_to=BOTH_MANAGERS,
        out_of_hours_fallback=True,
    ),
    "looked_after_24h": TimerSpec(
        name="looked_after_24h",
        title="s.20 accommodation for more than {period}",
        rule="looked-after-24h",
        owner_team="ics",
        starts_from="placed_at",
        closed_by=(
            "end_s20_placement",
            "mark_looked_after",
            "support_package_needed",
            "returned_home_no_further_input",
        ),
        # Not a deadline anyone misses: after 24 hours the law changes the young person's status.
        warn_fraction=None,
        notify_on_warning=(),
        on_breach="mark_looked_after",
    ),
    "bb_stay": TimerSpec(
        name="bb_stay",
        title="Bed and breakfast: move the young person on ({period} at most)",
        rule="bb-stay",
        owner_team="joint",
        starts_from="placed_at",
        closed_by=(
            "move_on_from_bed_and_breakfast",
            "end_s20_placement",
            "support_package_needed",
            "returned_home_no_further_input",
        ),
        notify_on_warning=BOTH_LEADS,
        escalate_to=BOTH_MANAGERS,
        opens_when=gates.in_bed_and_breakfast,
    ),
    "s208_notice": TimerSpec(
        name="s208_notice",
        title="s.208 notice to the host authority ({period} beginning with the placement)",
        rule="s208-notice",
        owner_team="lha",
        starts_from="placed_at",
        closed_by=("record_s208_notice_sent",),
        escalate_to=(to_role(SENIOR_OFFICER),),
        opens_when=gates.needs_s208_notice,
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
        opens_when=gates.reviews_start_at_the_plan,
    ),
    "monthly_stakeholder_review": TimerSpec(
        name="monthly_stakeholder_review",
        title="Monthly stakeholder case review",
        rule="monthly-stakeholder-review",
        owner_team="joint",
        closed_by=("record_stakeholder_review",),
        notify_on_warning=BOTH_MANAGERS,
        recurring=True,
        opens_when=gates.reviews_start_at_the_plan,
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
        closed_by=("end_lha_duty",),
        escalate_to=(to_role(SENIOR_OFFICER),),
    ),
    "relief_duty": TimerSpec(
        name="relief_duty",
        title="LHA relief duty ({period})",
        rule="relief-duty",
        owner_team="lha",
        starts_from="satisfied_on",
        closed_by=("end_lha_duty",),
        escalate_to=(to_role(SENIOR_OFFICER),),
    ),
}

FIRST_CONTACT = (
    TransitionSpec(
        name="record_enquiry",
        title="A1 First enquiry from a 16/17-year-old recorded",
        from_steps=("new_enquiry",),
        to_step="safety_triage",
        # A pathway coordinator may take the first enquiry too (the mission's first users);
        # every later step is recorded by the practitioner whose decision it is.
        roles=(HO, SW, COORDINATOR),
        input_model=Intake,
        guard=rules.age_gate_at_enquiry,
        records=rules.intake_facts,
        opens_timers=("joint_visit", *REVIEW_TIMERS),
        notifications=(
            NotificationSpec(template="case_opened", to=BOTH_LEADS, event="New 16/17 enquiry"),
        ),
        citation=f"{S000}; spec §2 entry data and age gate; T05, T06 from case open",
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
)

EMERGENCY_ACCOMMODATION = (
    TransitionSpec(
        name="place_under_s20",
        title="A1a Emergency accommodation provided under s.20 Children Act 1989",
        from_steps=("emergency_accommodation",),
        to_step="accommodated_s20",
        roles=(SW,),
        input_model=Placement,
        guard=rules.all_of(rules.placed_after_enquiry, rules.bed_and_breakfast_gate),
        records=gates.placement_facts("s20"),
        opens_timers=("looked_after_24h", "bb_stay"),
        notifications=(PLACEMENT_MADE,),
        citation="Children Act 1989 s.20; B&B: Homelessness Code of Guidance (errata 2); T24",
    ),
    TransitionSpec(
        name="place_under_s188",
        title="A1a Interim accommodation under s.188 Housing Act 1996 (approach to housing)",
        from_steps=("emergency_accommodation",),
        to_step="awaiting_joint_visit",
        roles=(HO,),
        input_model=HousingPlacement,
        guard=rules.all_of(
            rules.approach_was_to_housing, rules.placed_after_enquiry, rules.bed_and_breakfast_gate
        ),
        records=gates.placement_facts("s188"),
        opens_timers=("bb_stay", "s208_notice"),
        notifications=(
            # Children's services hear of it now; the referral for assessment (errata 12) is
            # its own step, which starts their one-working-day decision clock (T07).
            PLACEMENT_MADE,
            # The host authority hears of the placement and its date only; the s.208(3) notice
            # names the applicant, so it is a document for the officer, never an e-mail.
            NotificationSpec(
                template="out_of_district_placement",
                to=("host_lha",),
                event="Placement in your district",
                when=gates.needs_s208_notice,
                due_timer="s208_notice",
            ),
        ),
        citation="Housing Act 1996 s.188, s.208; B&B: Code of Guidance (errata 2); errata 12, 22",
    ),
    TransitionSpec(
        name="end_s20_placement",
        title="A1a s.20 placement ended within 24 hours",
        # From looked_after too: an end within 24 hours recorded after the sweep ran means the
        # young person was never looked after (s.22(2)), so no reg.39 approval is needed.
        from_steps=("accommodated_s20", "looked_after"),
        to_step="awaiting_joint_visit",
        roles=(SW, TEAM_MANAGER),
        input_model=S20Ended,
        guard=gates.s20_ended_within_24_hours,
        records=rules.fixed(emergency_placement_ended=True, looked_after=False),
        citation="Children Act 1989 s.22(2): looked after after more than 24 hours (errata 1)",
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
    TransitionSpec(
        name="move_on_from_bed_and_breakfast",
        title="A1a Moved on from bed and breakfast",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO, SW),
        input_model=MovedOn,
        guard=rules.all_of(gates.is_in_bed_and_breakfast, gates.moved_on_after_placement),
        records=gates.moved_on_facts,
        citation="T24 [SH-BB]; Homelessness Code of Guidance (errata 2)",
    ),
    TransitionSpec(
        name="record_s208_notice_sent",
        title="A1a s.208 notice given to the host authority",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO, SENIOR_OFFICER),
        input_model=NoticeSent,
        guard=gates.notice_due,
        records=gates.notice_facts,
        citation="T22; Housing Act 1996 s.208(3)-(4) (errata 9, 22)",
    ),
    TransitionSpec(
        name="approve_ceasing_to_look_after",
        title="Director of Children's Services (or nominee) approves ceasing to look after",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(DIRECTOR,),
        input_model=CeasingToLookAfter,
        guard=rules.all_of(gates.is_looked_after, gates.reg39_approval_given),
        records=rules.fixed(ceasing_to_look_after_approved=True),
        decision="cease_looked_after",
        citation=REG39,
    ),
)

JOINT_VISIT = (
    TransitionSpec(
        name="returned_home_no_further_input",
        title="A2 Joint visit: returned home, no further input (closes by agreement, O1)",
        from_steps=BEFORE_THE_VISIT,
        to_step="returned_home",
        roles=(HO, SW, EH_WORKER),
        input_model=JointVisit,
        actor_rule=gates.childrens_services_only_in_care,
        guard=rules.all_of(rules.family_and_young_person_seen, gates.looked_after_end_approved),
        records=rules.fixed(
            joint_visit_outcome="returned_home_no_further_input", **gates.leaves_care()
        ),
        citation=S000,
    ),
    TransitionSpec(
        name="support_package_needed",
        title="A2 Joint visit: home with a support package (go to A3)",
        from_steps=BEFORE_THE_VISIT,
        to_step="caf_plan",
        roles=(HO, SW, EH_WORKER),
        input_model=JointVisit,
        actor_rule=gates.childrens_services_only_in_care,
        guard=rules.all_of(rules.family_and_young_person_seen, gates.looked_after_end_approved),
        records=rules.fixed(joint_visit_outcome="support_package_needed", **gates.leaves_care()),
        citation=S000,
    ),
    TransitionSpec(
        name="joint_visit_held_during_assessment",
        title="A2 Joint visit to family and young person held beside the assessment",
        from_steps=("assessment", "assessment_outcome"),
        to_step=SAME_STEP,
        roles=(HO, SW, EH_WORKER),
        input_model=JointVisit,
        guard=rules.family_and_young_person_seen,
        records=rules.fixed(joint_visit_outcome="held_during_assessment"),
        citation=f"{S000}: 'Meeting both the family and the young person within 24 hours'",
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
        # The visit is done; the s.20 clock (T03) runs on: more than 24 hours means looked after.
        closes_timers=("joint_visit",),
        citation=f"{S000}; Children Act 1989 s.22(2) (errata 1)",
    ),
)

PACKAGE_AND_DUTIES = (
    TransitionSpec(
        name="agree_caf_plan",
        title="A3 CAF/Early Help action plan agreed",
        from_steps=("caf_plan",),
        to_step="support_package",
        roles=(EH_WORKER, EH_LEAD, SW, HO),
        input_model=CafPlanAgreed,
        guard=gates.consent_for("an intensive Early Help (CAF) plan"),
        records=gates.caf_plan_facts,
        opens_timers=PACKAGE_TIMERS,
        citation=f"T04-T06; {S000}; {CONSENT}",
    ),
    TransitionSpec(
        name="open_prevention_duty",
        title="LHA prevention duty (s.195) and personalised housing plan (s.189A)",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO,),
        input_model=PreventionDuty,
        guard=gates.duty_can_open("prevention"),
        records=gates.duty_facts("prevention"),
        opens_timers=("prevention_duty",),
        citation="T10; Housing Act 1996 s.195, s.189A; Code ch.12 [G12]",
    ),
    TransitionSpec(
        name="open_relief_duty",
        title="LHA relief duty (s.189B): homeless and eligible",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO,),
        input_model=ReliefDuty,
        guard=gates.duty_can_open("relief"),
        records=gates.duty_facts("relief"),
        opens_timers=("relief_duty",),
        citation="T11; Housing Act 1996 s.189B; Code ch.13 [G13]; errata 12",
    ),
    TransitionSpec(
        name="end_lha_duty",
        title="LHA prevention or relief duty ended: outcome recorded",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO,),
        input_model=DutyEnded,
        guard=rules.duty_is_open,
        records=rules.duty_ended_facts,
        citation="Code ch.14 [G14]; H-CLIC reason-ended codes (errata 8)",
    ),
    TransitionSpec(
        name="record_priority_need_decision",
        title="LHA s.184 decision: priority need",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO, SENIOR_OFFICER),
        input_model=PriorityNeedDecision,
        records=gates.priority_need_facts,
        decision="s184_priority_need",
        citation="Housing Act 1996 s.184, s.189; [SH-1617]; errata 10",
    ),
    TransitionSpec(
        name="record_home_meeting",
        title="A4 Weekly home meeting: support taken up and progress",
        from_steps=CONTACT_STEPS,
        to_step=SAME_STEP,
        roles=(HO, EH_WORKER, SW),
        input_model=HomeMeeting,
        records=rules.home_meeting_facts,
        citation=f"T04; {S000} (weekly meetings; 'consistent contact')",
    ),
    TransitionSpec(
        name="record_team_review",
        title="A5 Weekly team live case review: is the package effective?",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO, SW, EH_WORKER, EH_LEAD),
        input_model=Review,
        records=rules.review_facts("team_review"),
        citation=f"T05; {S000}",
    ),
    TransitionSpec(
        name="record_stakeholder_review",
        title="A5 Monthly stakeholder case review: is the package effective?",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(TEAM_MANAGER, SENIOR_OFFICER),
        input_model=Review,
        records=rules.review_facts("stakeholder_review"),
        citation=f"T06; {S000}",
    ),
)

CONSENT_STEPS = (
    TransitionSpec(
        name="consent_given",
        title="Consent given (after the intake)",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO, SW, EH_WORKER),
        input_model=ConsentChange,
        guard=gates.consent_matches(True),
        records=gates.consent_change_facts(True),
        citation=f"spec §0.4; {CONSENT}",
    ),
    TransitionSpec(
        name="consent_withdrawn",
        title="Consent withdrawn",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO, SW, EH_WORKER),
        input_model=ConsentChange,
        guard=gates.consent_matches(False),
        records=gates.consent_change_facts(False),
        citation=f"spec §0.4; {CONSENT}",
    ),
    TransitionSpec(
        name="override_consent_for_safeguarding",
        title="Safeguarding lead: work without consent (significant safeguarding concern)",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(SAFEGUARDING_LEAD,),
        input_model=ConsentOverride,
        guard=gates.override_grounds,
        records=rules.fixed(consent_override=True),
        decision="consent_override",
        citation="seed 002 (no consent: the safeguarding lead decides); spec §0.4 [DfE-IS]",
    ),
)

ASSESSMENT = (
    TransitionSpec(
        name="escalate_to_assessment",
        title="A6 Package not effective: escalate to a children's services assessment",
        # From s.17 support too: a young person who declined s.20 may be offered it again.
        from_steps=("support_package", "looked_after", "s17_support"),
        to_step="assessment",
        roles=(SW, TEAM_MANAGER),
        guard=rules.all_of(
            rules.package_not_effective, gates.consent_for("a child and family assessment (s.17)")
        ),
        records=gates.escalation_facts("package_not_effective"),
        opens_timers=("referral_decision", "cf_assessment"),
        # Weekly contact goes on beside the assessment [S000 'consistent contact'].
        closes_timers=("joint_visit",),
        notifications=(REFERRAL_FOR_ASSESSMENT,),
        citation=f"T07, T08; Working Together [P-TEES, P-SUSSEX] (errata 7); {S000}; {CONSENT}",
    ),
    TransitionSpec(
        name="refer_homeless_for_assessment",
        title="A6 Homeless young person (s.188): referred for a children's services assessment",
        from_steps=("awaiting_joint_visit", "caf_plan", "support_package"),
        to_step="assessment",
        roles=(HO, SW, TEAM_MANAGER),
        guard=rules.all_of(
            gates.homeless_young_person,
            gates.consent_for("a child and family assessment (s.17)"),
        ),
        records=gates.escalation_facts("homeless_s188"),
        opens_timers=("referral_decision", "cf_assessment"),
        # The joint visit is still owed [S000]: it is recorded beside the assessment.
        notifications=(REFERRAL_FOR_ASSESSMENT,),
        citation="R (G) v Southwark; 2018 joint 16/17 guidance (errata 12); " + CONSENT,
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
        guard=rules.all_of(
            rules.assessment_led_to(rules.CIN_ROUTES, "child in need support"),
            gates.looked_after_end_approved,
        ),
        records=rules.fixed(childrens_services_support="s17_child_in_need", **gates.leaves_care()),
        opens_timers=PACKAGE_TIMERS,
        citation="Children Act 1989 s.17",
    ),
    TransitionSpec(
        name="s20_accepted",
        title="A7 s.20 accepted: young person looked after (O3)",
        from_steps=("assessment_outcome",),
        to_step="looked_after_handoff",
        roles=(SW,),
        input_model=S20Accepted,
        guard=rules.all_of(
            rules.assessment_led_to(rules.S20_ROUTES, "an s.20 decision"),
            rules.duty_outcome_recorded,
        ),
        records=rules.merged(rules.fixed(looked_after=True), rules.ending_facts),
        outcome="O3",
        decision="s20",
        opens_case=LinkedCaseSpec(
            pathway="care-leaver-transition",
            copies_people=("young_person",),
            payload=gates.s20_handoff_payload,
        ),
        notifications=(CASE_CLOSED,),
        citation="Children Act 1989 s.20, s.22; spec §3 (Pathway B)",
    ),
    TransitionSpec(
        name="s20_declined_after_advice",
        title="A7 s.20 declined after full advice and advocacy: s.17 support, LHA Part 7 route",
        from_steps=("assessment_outcome",),
        to_step="s17_support",
        roles=(SW,),
        input_model=S20Refused,
        guard=rules.all_of(
            rules.assessment_led_to(rules.S20_ROUTES, "an s.20 decision"),
            rules.advice_and_advocacy_given,
            gates.looked_after_end_approved,
        ),
        records=gates.s20_refused_facts,
        decision="s20",
        opens_timers=PACKAGE_TIMERS,
        notifications=(
            # The LHA's Part 7 duties run alongside; the alert names no refusal (spec §6).
            NotificationSpec(
                template="action_required", to=("lha",), event="Housing duties to consider"
            ),
        ),
        citation="R (G) v Southwark [2009] UKHL 26 [NHAS-1617]; errata 10; advocacy [O-GD]",
    ),
)

ENDINGS = (
    TransitionSpec(
        name="family_asks_to_stop",
        title="A9 Family asks to stop",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO, SW, EH_WORKER),
        records=rules.fixed(family_asked_to_stop=True),
        citation=S000,
    ),
    TransitionSpec(
        name="young_person_asks_to_stop",
        title="A9 Young person asks to stop",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO, SW, EH_WORKER),
        records=rules.fixed(young_person_asked_to_stop=True),
        citation=S000,
    ),
    TransitionSpec(
        name="record_assistance_rejected",
        title="A9 Young person rejects assistance (closes only by agreement)",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO, SW, EH_WORKER),
        records=rules.fixed(assistance_rejected=True, young_person_asked_to_stop=True),
        citation=CLOSURE,
    ),
    TransitionSpec(
        name="lha_manager_agrees_closure",
        title="A9 LHA manager agrees the case can close",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(SENIOR_OFFICER, LHA_SERVICE_MANAGER),
        input_model=Rationale,
        records=rules.fixed(lha_manager_agreed_closure=True),
        decision="closure",
        citation=CLOSURE,
    ),
    TransitionSpec(
        name="ics_manager_agrees_closure",
        title="A9 Children's services manager agrees the case can close",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(TEAM_MANAGER, EH_LEAD),
        input_model=Rationale,
        records=rules.fixed(ics_manager_agreed_closure=True),
        decision="closure",
        citation=CLOSURE,
    ),
    TransitionSpec(
        name="close_returned_home",
        title="A9 Closed by agreement: returned home, no further input (O1)",
        from_steps=("returned_home",),
        to_step="closed",
        roles=(HO, SW),
        input_model=Ending,
        guard=rules.all_of(gates.closure_gate, rules.duty_outcome_recorded),
        records=rules.merged(rules.ending_facts, gates.closure_record),
        outcome="O1",
        notifications=(CASE_CLOSED,),
        citation=CLOSURE,
    ),
    TransitionSpec(
        name="close_case",
        title="A9 Closed by agreement: home with a support package (O2)",
        from_steps=("support_package",),
        to_step="closed",
        roles=(HO, SW),
        input_model=Ending,
        actor_rule=gates.childrens_services_only_in_care,
        guard=rules.all_of(gates.closure_gate, rules.duty_outcome_recorded),
        records=rules.merged(rules.ending_facts, gates.closure_record),
        outcome="O2",
        notifications=(CASE_CLOSED,),
        citation=CLOSURE,
    ),
    TransitionSpec(
        name="close_s17_support",
        title="A9 Closed by agreement after s.20 was declined: s.17 support, Part 7 route (O5a)",
        from_steps=("s17_support",),
        to_step="closed",
        roles=(HO, SW),
        input_model=Ending,
        guard=rules.all_of(gates.closure_gate, rules.duty_outcome_recorded),
        records=rules.merged(rules.ending_facts, gates.closure_record),
        outcome="O5a",
        notifications=(CASE_CLOSED,),
        citation=f"{CLOSURE}; errata 10",
    ),
    TransitionSpec(
        name="assistance_rejected",
        title="A9 Closed by agreement: young person rejected all help (O5b)",
        from_steps=(ANY_STEP,),
        to_step="assistance_rejected",
        roles=(HO, SW),
        input_model=Ending,
        actor_rule=gates.childrens_services_only_in_care,
        guard=rules.all_of(
            gates.assistance_rejected_recorded,
            gates.closure_gate,
            gates.looked_after_end_approved,
            rules.duty_outcome_recorded,
        ),
        records=rules.merged(rules.ending_facts, gates.closure_record),
        outcome="O5b",
        notifications=(CASE_CLOSED,),
        citation=CLOSURE,
    ),
    TransitionSpec(
        name="supported_back_to_home_authority",
        title="A8 Supported back to their home authority (O4)",
        from_steps=(ANY_STEP,),
        to_step="transferred",
        roles=(HO, SW),
        input_model=BackToHomeAuthority,
        actor_rule=gates.childrens_services_only_in_care,
        guard=rules.all_of(
            gates.not_looked_after, gates.team_agrees_to_transfer, rules.duty_outcome_recorded
        ),
        records=rules.merged(rules.home_authority_facts, rules.ending_facts),
        outcome="O4",
        notifications=(CASE_CLOSED,),
        citation=S000,
    ),
    TransitionSpec(
        name="transfer_to_home_childrens_services",
        title="A8 Looked after: transferred to their home authority's children's services (O4)",
        from_steps=(ANY_STEP,),
        to_step="transferred_childrens_services",
        roles=(SW, TEAM_MANAGER),
        input_model=ChildrensServicesTransfer,
        # Kent stops looking after them, so reg.39 applies to a transfer too.
        guard=rules.all_of(
            gates.is_looked_after,
            gates.looked_after_end_approved,
            gates.receiving_authority_agreed,
            rules.duty_outcome_recorded,
        ),
        records=rules.merged(gates.transfer_facts, rules.ending_facts),
        outcome="O4",
        notifications=(CASE_CLOSED,),
        citation=f"{S000}; Children Act 1989 s.20, s.22 (errata 11)",
    ),
)

YOUTH_1617 = register(
    PathwayDefinition(
        name="youth-1617-intake",
        version="1.1",
        title="16/17-year-old homelessness intake (joint LHA + ICS response)",
        citation="spec §2 Pathway A; seed 000 [S000]; 16/17 guidance [P-NOTTS]; [NHAS-1617]; "
        "errata 9-15",
        initial_step="new_enquiry",
        opening_transition="record_enquiry",
        steps=STEPS,
        timers=TIMERS,
        transitions=(
            *FIRST_CONTACT,
            *EMERGENCY_ACCOMMODATION,
            *JOINT_VISIT,
            *PACKAGE_AND_DUTIES,
            *CONSENT_STEPS,
            *ASSESSMENT,
            *ENDINGS,
        ),
        outcomes={
            "O1": "Returned home, no further input",
            "O2": "Returned home with an intensive prevention package",
            "O3": "Assessed as a child in need and accepted s.20: looked after",
            "O4": "Supported back to their home authority (a looked-after young person: "
            "transferred to its children's services)",
            "O5a": "Declined s.20 after full advice: s.17 support with the LHA's Part 7 route",
            "O5b": "Rejected all help",
        },
    )
)
