"""Pathway C: a Request for Support from the LHA to the KCC Integrated Front Door (spec §4;
seed 002 "The Request for Support", "Role of the Integrated Front Door Service", NRPF,
"Cross-district working", "What happens if the case is closed?", "Escalation process").

The steps as the protocol sets them out: C0 talk to the parents first, unless that would put
the child at risk; C1 the threshold check against the Kent Support Level Guidance, Levels 1-2
to universal and Early Help Open Access services with the family's consent (a refusal is kept
as a consent not given, and the LHA's own advice goes on), Level 3 and above (or a safeguarding
concern) to a Request for Support; C2 the consent gate, where without consent the safeguarding
lead alone decides whether the impact on the children justifies a referral without it; C3 the
request, sent only when every item seed 002 asks for is there; C4 the IFD's triage within a
working day, with any further enquiries; C5 its outcome: Intensive Early Help (consent needed),
the Children's Social Work Service (an s.17 child and family assessment, consent or the NRPF
route needed; or an s.47 strategy discussion), or not accepted (the case stays open: the LHA
may disagree with the decision, then closes it); C6 feedback to the referrer, timed from
receipt (the pathway's KPI); C7 joint working and each agency's closure; C8 professional
disagreement, walked up each agency's chain (spec §7). An NRPF family with children is referred
at any level (errata 24, per authority: ``rfs_nrpf_below_threshold``), without consent if
necessary, with the s.184 decision attached. The family's consent is a ``ConsentGiven``, so the
engine keeps it as a consent record; the safeguarding lead's override is a decision. No case
ends while a professional disagreement is open (``closure_gate``).

Alerts never carry the triage outcome (spec §6, errata 21): the referrer and the LHA hear that
"Triage decision recorded", with the link, whatever was decided, RFS_S47 included.
"""

from __future__ import annotations

from typing import Final

from pathways.definitions import register
from pathways.definitions import rfs_gates as gates
from pathways.definitions import youth_1617_rules as rules
from pathways.definitions.rfs_inputs import (
    ConsentOverrideDecision,
    Disagreement,
    EscalationPosition,
    FurtherEnquiries,
    IcsCaseTransfer,
    JointWorking,
    LocalConnectionReferral,
    OpenAccessAnswer,
    Resolution,
    RfsContent,
    ThresholdCheck,
    TriageDecision,
)
from pathways.engine.definition import (
    ANY_STEP,
    SAME_STEP,
    FactsTest,
    NotificationSpec,
    PathwayDefinition,
    StepSpec,
    TimerSpec,
    TransitionSpec,
)
from pathways.engine.inputs import Rationale
from pathways.roles import COORDINATOR, Role
from pathways.vocabulary import ChainName, Recipient, Team, to_role

HO: Final[Role] = "lha-housing-officer"
SO: Final[Role] = "lha-senior-officer"
SL: Final[Role] = "lha-safeguarding-lead"
SW: Final[Role] = "ics-social-worker"
EH: Final[Role] = "early-help-practitioner"
EH_LEAD: Final[Role] = "early-help-unit-lead"
TM: Final[Role] = "ics-team-manager"
IFD: Final[tuple[Role, ...]] = ("ifd-triage-worker", "ifd-team-manager", "ifd-service-manager")
LHA: Final[tuple[Role, ...]] = (HO, SO, SL)
ICS: Final[tuple[Role, ...]] = (SW, EH, EH_LEAD, TM)
# Spec §7: each level of the three chains may record its position and the resolution.
CHAIN_LEVELS: Final[tuple[Role, ...]] = (
    "lha-service-manager",
    "housing-director",
    "ics-service-manager",
    "ics-assistant-director",
)
ESCALATION_ROLES: Final[tuple[Role, ...]] = (*LHA, *ICS, *IFD, *CHAIN_LEVELS)

S002 = "seed 002 (Kent practice guidance) [S002]"
RFS = f"spec §4; {S002} 'The Request for Support'"
IFD_ROLE = f"spec §4 C4-C6; {S002} 'Role of the Integrated Front Door Service'"
CONSENT = (
    f"{S002}: 'Consent is required for L3 intensive Early Help and S17 Child in Need "
    "assessments'; errata 15"
)
NRPF = f"{S002} 'Working with families with No Recourse to Public Funds'; errata 24"
NO_CODE = "spec §6; errata 21: the alert names no outcome"
CLOSURE = f"{S002} 'What happens if the case is closed?'; spec §4 Closure"
ESCALATION = f"spec §7; {S002} 'Escalation process'; T25 (ASSUMPTION)"
CROSS_DISTRICT = f"{S002} 'Cross-district working'; spec §4"
TRIAGE_OUTCOMES = (
    "accept_intensive_early_help",
    "accept_for_s17_assessment",
    "refer_for_s47_strategy_discussion",
    "not_accepted",
)
DISAGREEMENT_TIMERS = ("disagreement_lha", "disagreement_ics", "disagreement_ifd")

RFS_RECEIVED = NotificationSpec(
    template="action_required",
    to=("ifd",),
    event="Request for Support received",
    due_timer="ifd_triage",
)
# C6: the referrer's feedback, and the LHA's; never what was decided (errata 21).
TRIAGE_FEEDBACK = NotificationSpec(
    template="triage_decision", to=("referrer", "lha"), event="Triage decision recorded"
)

STEPS = {
    "threshold": StepSpec(
        title="C0-C1 Talk to the parents, then the threshold check (Kent Support Level Guidance)",
        citation=f"spec §4 C0-C1 [K-FD, K-SLG]; {S002}",
    ),
    "threshold_checked": StepSpec(
        title="C1 Threshold checked: Levels 1-2 to universal services; Level 3+, a safeguarding "
        "concern or an NRPF family with children to a Request for Support",
        citation=f"spec §4 C1; {S002}; {NRPF}",
    ),
    "universal_support": StepSpec(
        title="C1 Levels 1-2: universal and Early Help Open Access services, with consent",
        terminal=True,
        citation=f"spec §4 C1; {S002}: 'with consent from the family'",
    ),
    "open_access_declined": StepSpec(
        title="C1 Levels 1-2: the family declined Early Help Open Access; the LHA's own advice "
        "and assistance continue",
        terminal=True,
        citation=f"spec §4 C1; {S002}: 'with consent from the family'; Housing Act 1996 Part 7",
    ),
    "drafting": StepSpec(
        title="C2-C3 Request for Support being completed: every item, and the consent status",
        citation=RFS,
    ),
    "consent_decision": StepSpec(
        title="C2 No consent: the safeguarding lead decides whether to refer without it",
        citation=f"spec §4 C2; spec §0.4 [DfE-IS]; {CONSENT}",
    ),
    "not_sent": StepSpec(
        title="C2 Not sent: no consent and no override; the LHA's Level 2 support continues",
        terminal=True,
        citation=f"spec §4 C2; {S002}",
    ),
    "submitted": StepSpec(title="C4 Integrated Front Door triage", citation=f"{IFD_ROLE}; T07"),
    "joint_working": StepSpec(
        title="C5-C7 Accepted: feedback given, joint working between the LHA and ICS",
        citation=f"spec §4 C5-C7; {S002}",
    ),
    # Not an ending: the LHA may still raise a disagreement about the decision (spec §7).
    "not_accepted": StepSpec(
        title="C5(c) Not accepted: the LHA continues with universal / Level 2 services",
        citation=f"spec §4 C5; {S002}; {S002} 'Escalation process'",
    ),
    "closed_not_accepted": StepSpec(
        title="C7 The LHA has closed the case after the request was not accepted; ICS told",
        terminal=True,
        citation=CLOSURE,
    ),
    "closed": StepSpec(
        title="C7 Children's services have closed their case; the LHA is told",
        terminal=True,
        citation=CLOSURE,
    ),
}


def _disagreement_timer(chain: ChainName, owner: Team) -> TimerSpec:
    # T25 per level of the chain (spec §7). Raising it told the first level, so the breach
    # goes to the second (the service manager), and the walk goes on from the third.
    return TimerSpec(
        name=f"disagreement_{chain}",
        title="Professional disagreement unresolved at this level ({period})",
        rule="escalation-step",
        owner_team=owner,
        closed_by=("resolve_disagreement",),
        warn_fraction=None,
        notify_on_warning=(),
        escalation_chain=chain,
        escalation_starts_at=2,
    )


TIMERS = {
    # T07 (rule rfs-triage; Working Together, errata 7): the IFD's decision on the request.
    # The IFD is part of children's services, which owns the clock (Team has no "ifd").
    "ifd_triage": TimerSpec(
        name="ifd_triage",
        title="Integrated Front Door triage decision ({period})",
        rule="rfs-triage",
        owner_team="ics",
        closed_by=TRIAGE_OUTCOMES,
        notify_on_warning=("ifd",),
        # The breach tells the IFD and its team manager (chain level 1); the walk goes on to
        # the service manager and the Assistant Director, an escalation step apart.
        escalate_to=("ifd",),
        escalation_chain="ifd",
        escalation_starts_at=1,
    ),
    # T08 (rule cf-assessment; errata 7): the s.17 child and family assessment.
    "cf_assessment": TimerSpec(
        name="cf_assessment",
        title="Child and family assessment ({period})",
        rule="cf-assessment",
        owner_team="ics",
        closed_by=("record_assessment_completed",),
        notify_on_warning=("ics",),
        escalate_to=(to_role(TM),),
    ),
    "disagreement_lha": _disagreement_timer("lha", "lha"),
    "disagreement_ics": _disagreement_timer("ics", "ics"),
    "disagreement_ifd": _disagreement_timer("ifd", "ics"),
}

THRESHOLD = (
    TransitionSpec(
        name="record_threshold_check",
        title="C0-C1 Threshold check recorded: Support Level, safeguarding concern, NRPF",
        from_steps=("threshold",),
        to_step="threshold_checked",
        roles=(HO, SO, COORDINATOR),
        input_model=ThresholdCheck,
        records=gates.threshold_facts,
        citation=f"spec §4 C0-C1 [K-FD, K-SLG]; {S002}; {NRPF}",
    ),
    TransitionSpec(
        name="signpost_universal_services",
        title="C1 Levels 1-2: signposted to universal / Early Help Open Access services "
        "(RFS_NOT_REQUIRED_L1_L2)",
        from_steps=("threshold_checked",),
        to_step="universal_support",
        roles=(HO, SO),
        input_model=OpenAccessAnswer,
        guard=rules.all_of(gates.below_threshold, gates.closure_gate),
        outcome="RFS_NOT_REQUIRED_L1_L2",
        citation=f"spec §4 C1 (T09); {S002}: 'with consent from the family'; {NRPF}",
    ),
    TransitionSpec(
        name="family_declines_open_access",
        title="C1 Levels 1-2: the family declines Early Help Open Access; the LHA's own advice "
        "and assistance continue (RFS_NOT_REQUIRED_L1_L2)",
        from_steps=("threshold_checked",),
        to_step="open_access_declined",
        roles=(HO, SO),
        input_model=OpenAccessAnswer,
        guard=rules.all_of(gates.open_access_declined, gates.closure_gate),
        outcome="RFS_NOT_REQUIRED_L1_L2",
        citation=f"spec §4 C1 (T09); {S002}: 'with consent from the family'; Housing Act 1996 "
        "Part 7 (the LHA's duties do not depend on it)",
    ),
    TransitionSpec(
        name="start_rfs",
        title="C1 Level 3 or above, a safeguarding concern or an NRPF family: start a Request "
        "for Support",
        from_steps=("threshold_checked",),
        to_step="drafting",
        roles=(HO, SO),
        guard=gates.rfs_needed,
        citation=f"spec §4 Triggers; {S002}; {NRPF}",
    ),
)

CONSENT_GATE = (
    TransitionSpec(
        name="submit_rfs",
        title="C3 Request for Support sent to the Integrated Front Door",
        from_steps=("drafting",),
        to_step="submitted",
        roles=(HO, SO),
        input_model=RfsContent,
        guard=rules.all_of(gates.rfs_complete, gates.consent_gate),
        records=gates.submitted_facts,
        opens_timers=("ifd_triage",),
        notifications=(RFS_RECEIVED,),
        citation=f"spec §4 Entry data, C2-C3; {RFS}; {NRPF}",
    ),
    TransitionSpec(
        name="ask_safeguarding_lead",
        title="C2 No consent: the request goes to the safeguarding lead to decide",
        from_steps=("drafting",),
        to_step="consent_decision",
        roles=(HO, SO),
        input_model=RfsContent,
        guard=rules.all_of(gates.rfs_complete, gates.no_consent),
        records=gates.awaiting_decision_facts,
        notifications=(
            # Spec §6: no consent refusal in an alert; the lead reads why on the case.
            NotificationSpec(
                template="action_required",
                to=(to_role(SL),),
                event="Safeguarding lead decision requested",
            ),
        ),
        citation=f"spec §4 C2; {CONSENT}",
    ),
    TransitionSpec(
        name="safeguarding_lead_overrides_consent",
        title="C2 Safeguarding lead: the impact on the children justifies a referral without "
        "consent; request sent",
        from_steps=("consent_decision",),
        to_step="submitted",
        roles=(SL,),
        input_model=ConsentOverrideDecision,
        records=gates.override_facts,
        decision="consent_override",
        opens_timers=("ifd_triage",),
        notifications=(RFS_RECEIVED,),
        citation=f"spec §4 C2; spec §0.4 [DfE-IS]; {CONSENT}",
    ),
    TransitionSpec(
        name="safeguarding_lead_declines_override",
        title="C2 Safeguarding lead: no referral without consent; not sent "
        "(RFS_NO_CONSENT_NOT_SENT)",
        from_steps=("consent_decision",),
        to_step="not_sent",
        roles=(SL,),
        input_model=Rationale,
        guard=gates.closure_gate,
        outcome="RFS_NO_CONSENT_NOT_SENT",
        decision="consent_override_declined",
        notifications=(NotificationSpec(template="case_closed", to=("lha",), event="Case closed"),),
        citation=f"spec §4 C2: 'otherwise stay at L2'; {CONSENT}",
    ),
)

TRIAGE = (
    TransitionSpec(
        name="record_further_enquiries",
        title="C4 Further enquiries and agency checks (the referrer, the parent)",
        from_steps=("submitted",),
        to_step=SAME_STEP,
        roles=IFD,
        input_model=FurtherEnquiries,
        guard=gates.enquiries_after_receipt,
        records=gates.enquiries_facts,
        citation=IFD_ROLE,
    ),
    TransitionSpec(
        name="accept_intensive_early_help",
        title="C5(a) Accepted for Intensive Early Help (RFS_ACCEPTED_IEH)",
        from_steps=("submitted",),
        to_step="joint_working",
        roles=IFD,
        input_model=TriageDecision,
        guard=gates.consent_given("Intensive Early Help (Level 3)"),
        records=gates.triage_facts("intensive_early_help"),
        outcome="RFS_ACCEPTED_IEH",
        decision="rfs_triage",
        notifications=(TRIAGE_FEEDBACK,),
        citation=f"spec §4 C5-C6; {IFD_ROLE}; {CONSENT}; {NO_CODE}",
    ),
    TransitionSpec(
        name="accept_for_s17_assessment",
        title="C5(b) Accepted by the Children's Social Work Service: s.17 child and family "
        "assessment (RFS_ACCEPTED_CSWS_S17)",
        from_steps=("submitted",),
        to_step="joint_working",
        roles=IFD,
        input_model=TriageDecision,
        guard=gates.s17_basis,
        records=gates.triage_facts("s17_assessment"),
        outcome="RFS_ACCEPTED_CSWS_S17",
        decision="rfs_triage",
        opens_timers=("cf_assessment",),
        notifications=(TRIAGE_FEEDBACK,),
        citation=f"spec §4 C5-C6 (T08); {IFD_ROLE}; {CONSENT}; {NRPF}; {NO_CODE}",
    ),
    TransitionSpec(
        name="refer_for_s47_strategy_discussion",
        title="C5(b) Children's Social Work Service: s.47 strategy discussion (RFS_S47)",
        from_steps=("submitted",),
        to_step="joint_working",
        roles=IFD,
        input_model=TriageDecision,
        records=gates.triage_facts("s47_strategy_discussion"),
        outcome="RFS_S47",
        decision="rfs_triage",
        notifications=(TRIAGE_FEEDBACK,),
        citation=f"spec §4 C5-C6; {IFD_ROLE} ('working without consent, for example S47 "
        f"enquiries'); Children Act 1989 s.47; {NO_CODE}",
    ),
    TransitionSpec(
        name="not_accepted",
        title="C5(c) Not accepted: the LHA continues with universal / Level 2 services "
        "(RFS_NOT_ACCEPTED_L2)",
        from_steps=("submitted",),
        # The case stays open: the LHA may disagree with the decision, or close (spec §7).
        to_step="not_accepted",
        roles=IFD,
        input_model=TriageDecision,
        records=gates.triage_facts("not_accepted"),
        outcome="RFS_NOT_ACCEPTED_L2",
        decision="rfs_triage",
        notifications=(TRIAGE_FEEDBACK,),
        citation=f"spec §4 C5-C6; {IFD_ROLE}; {NO_CODE}",
    ),
)

JOINT_WORKING = (
    TransitionSpec(
        name="record_joint_working",
        title="C7 Joint working: the ICS practitioner meets the family, joint appointments, "
        "PHP actions, each agency at the other's meetings",
        from_steps=("joint_working",),
        to_step=SAME_STEP,
        roles=(*ICS, HO),
        input_model=JointWorking,
        records=gates.joint_working_facts,
        citation=f"spec §4 C7; {S002} 'Working with a family who are known to ICS'",
    ),
    TransitionSpec(
        name="record_assessment_completed",
        title="C5(b) Child and family assessment completed",
        from_steps=("joint_working",),
        to_step=SAME_STEP,
        roles=(SW, TM),
        guard=gates.assessment_running,
        records=rules.fixed(cf_assessment_completed=True),
        closes_timers=("cf_assessment",),
        citation="T08; Working Together [P-TEES, P-BUCKS]; errata 7",
    ),
    TransitionSpec(
        name="lha_closes_its_case",
        title="C7 The LHA closes its case: ICS told, advice and guidance continue",
        from_steps=("joint_working",),
        to_step=SAME_STEP,
        roles=(HO, SO),
        guard=gates.lha_case_open,
        records=rules.fixed(lha_closed=True),
        notifications=(
            NotificationSpec(
                template="step_recorded", to=("ics",), event="Housing case closed: advice continues"
            ),
        ),
        citation=f"{CLOSURE}: 'they will notify ICS and continue to offer advice and guidance'",
    ),
    TransitionSpec(
        name="ics_closes_its_case",
        title="C7 Children's services close their case: the LHA is told",
        from_steps=("joint_working",),
        to_step="closed",
        roles=(SW, TM, EH_LEAD),
        guard=gates.closure_gate,
        # No outcome of its own: the case keeps its triage outcome.
        notifications=(NotificationSpec(template="case_closed", to=("lha",), event="Case closed"),),
        citation=f"{CLOSURE}: 'If ICS close the case, they will inform the LHA'",
    ),
    TransitionSpec(
        name="lha_closes_after_not_accepted",
        title="C7 The LHA closes the case after the request was not accepted: ICS told",
        from_steps=("not_accepted",),
        to_step="closed_not_accepted",
        roles=(HO, SO),
        guard=gates.closure_gate,
        # No outcome of its own: the case keeps RFS_NOT_ACCEPTED_L2.
        notifications=(NotificationSpec(template="case_closed", to=("ics",), event="Case closed"),),
        citation=f"{CLOSURE}: 'they will notify ICS and continue to offer advice and guidance'",
    ),
)


def _raised(first: Recipient, when: FactsTest | None = None) -> NotificationSpec:
    return NotificationSpec(
        template="escalation_raised",
        to=(first,),
        event="Professional disagreement raised",
        when=when,
    )


def _raise(
    agency: ChainName, roles: tuple[Role, ...], *first_levels: NotificationSpec
) -> TransitionSpec:
    """C8: the agency is the step's (its roles are checked on the principal), never typed."""
    return TransitionSpec(
        name=f"{agency}_raises_disagreement",
        title=f"C8 Professional disagreement raised by the {agency.upper()}",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=roles,
        input_model=Disagreement,
        guard=gates.agencies_working_together,
        records=gates.disagreement_raised(agency),
        opens_timers=(f"disagreement_{agency}",),
        notifications=first_levels,
        citation=f"spec §4 C8; {ESCALATION}",
    )


DISAGREEMENT = (
    _raise("lha", LHA, _raised(to_role(SO))),
    # Spec §7: the Team Manager (social work) or the Unit Lead (Early Help) first.
    _raise(
        "ics",
        ICS,
        _raised(to_role(TM), gates.first_level_is_social_work),
        _raised(to_role(EH_LEAD), gates.first_level_is_early_help),
    ),
    _raise("ifd", IFD, _raised(to_role("ifd-team-manager"))),
    TransitionSpec(
        name="record_escalation_position",
        title="C8 Escalation: this level's position and each party's",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=ESCALATION_ROLES,
        input_model=EscalationPosition,
        guard=gates.disagreement_open,
        citation=f"spec §7: 'record the issue, the position of each party'; {ESCALATION}",
    ),
    TransitionSpec(
        name="resolve_disagreement",
        title="C8 Professional disagreement resolved",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=ESCALATION_ROLES,
        input_model=Resolution,
        guard=gates.disagreement_open,
        records=rules.fixed(disagreement_open=False, disagreement_resolved=True),
        closes_timers=DISAGREEMENT_TIMERS,
        notifications=(
            NotificationSpec(
                template="step_recorded", to=("lha", "ics"), event="Disagreement resolved"
            ),
        ),
        citation=f"spec §7: '... and the resolution'; {ESCALATION}",
    ),
)

CROSS_DISTRICT_MOVES = (
    TransitionSpec(
        name="record_local_connection_referral_accepted",
        title="Local-connection referral (s.198 Housing Act 1996) accepted by another district",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(HO, SO),
        input_model=LocalConnectionReferral,
        guard=gates.another_district("receiving_authority"),
        records=gates.local_connection_facts,
        notifications=(
            NotificationSpec(
                template="step_recorded",
                to=("ics",),
                event="Local connection referral accepted",
                when=gates.ics_knows_the_family,
            ),
        ),
        citation=f"Housing Act 1996 s.198 (the seed says 'of the Code'); {CROSS_DISTRICT}: "
        "'the LHA must inform ICS of this change'",
    ),
    TransitionSpec(
        name="record_ics_case_transfer",
        title="ICS case transferred to the district housing the family (case by case)",
        from_steps=(ANY_STEP,),
        to_step=SAME_STEP,
        roles=(TM, SW),
        input_model=IcsCaseTransfer,
        guard=gates.another_district("to_district"),
        records=gates.ics_transfer_facts,
        notifications=(
            NotificationSpec(
                template="step_recorded", to=("lha",), event="Children's services case transferred"
            ),
        ),
        citation=f"{CROSS_DISTRICT}: 'made on an individual, case-by-case basis'",
    ),
)

REQUEST_FOR_SUPPORT = register(
    PathwayDefinition(
        name="request-for-support",
        version="1.0",
        title="Request for Support to the Integrated Front Door",
        citation=f"spec §4 Pathway C, §6, §7; {S002}; errata 7, 15, 21, 23, 24",
        initial_step="threshold",
        opening_transition="record_threshold_check",
        steps=STEPS,
        timers=TIMERS,
        transitions=(
            *THRESHOLD,
            *CONSENT_GATE,
            *TRIAGE,
            *JOINT_WORKING,
            *DISAGREEMENT,
            *CROSS_DISTRICT_MOVES,
        ),
        outcomes={
            "RFS_ACCEPTED_IEH": "Accepted for Intensive Early Help",
            "RFS_ACCEPTED_CSWS_S17": "Accepted by the Children's Social Work Service: s.17 "
            "child and family assessment",
            "RFS_S47": "Children's Social Work Service: s.47 strategy discussion",
            "RFS_NOT_ACCEPTED_L2": "Not accepted: the LHA continues with universal / Level 2 "
            "services",
            "RFS_NO_CONSENT_NOT_SENT": "Not sent: no consent, and the safeguarding lead did not "
            "override; Level 2 support continues",
            "RFS_NOT_REQUIRED_L1_L2": "No request needed: Levels 1-2, signposted to universal "
            "and Early Help Open Access services (a product code, not in spec §4)",
        },
    )
)
