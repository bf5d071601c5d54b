"""The Request for Support's pure rules (spec §4; seed 002), exhaustive where the rules are
finite: the threshold routing, the mandatory content, the consent gate, consent per triage
outcome, who may make each move, the feedback's timing, and the definition itself."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from itertools import product
from typing import Any, Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.forms import _walk, errors_from_refusal, form_fields
from infrastructure.authority_config import CasePolicy
from notifications.templates import template_names
from pathways.case_policy import POLICY, describe_policy
from pathways.deadlines import RULES
from pathways.definitions import BUILTIN_MODULES, get_definition
from pathways.definitions import rfs_gates as gates
from pathways.definitions.request_for_support import (
    ESCALATION_ROLES,
    ICS,
    IFD,
    LHA,
    REQUEST_FOR_SUPPORT,
    TRIAGE_OUTCOMES,
)
from pathways.definitions.rfs_inputs import (
    OPEN_ACCESS_PURPOSE,
    RfsContent,
    ThresholdCheck,
    TriageDecision,
)
from pathways.engine.definition import TransitionSpec
from pathways.engine.inputs import ConsentGiven
from pathways.engine.limits import InputLimits
from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import Plan, decide, validate_input
from pathways.engine.validate import definition_problems
from pathways.principal import Actor
from pathways.refusal import Refusal
from pathways.roles import ROLES, Role, parse_role
from tests.support.snapshots import snapshot_after

RFS = REQUEST_FOR_SUPPORT
NOW = datetime(2027, 1, 11, 15, 30, tzinfo=UTC)
RECEIVED = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)
LIMITS = InputLimits(now=NOW, max_clock_skew=timedelta(minutes=5), min_parent_age_gap_years=12)
AT_RECEIPT = InputLimits(RECEIVED, timedelta(minutes=5), 12)
HO: Final[Role] = "lha-housing-officer"
SO, SL = "lha-senior-officer", "lha-safeguarding-lead"
IFD_WORKER, SW = "ifd-triage-worker", "ics-social-worker"
THRESHOLD = {
    "support_level": 3,
    "safeguarding_concern": False,
    "nrpf_family_with_children": False,
    "spoke_to_parents": True,
    "consulted_safeguarding_lead": False,
}
CONTENT: dict[str, Any] = {
    "household_members": [
        {
            "full_name": "Fictional Parent",
            "date_of_birth": "1990-04-12",
            "relationship": "parent",
            "contact_details": "07700 900123",
        },
        {
            "full_name": "Fictional Child",
            "date_of_birth": "2016-09-03",
            "relationship": "child",
            "contact_details": "Through the parent",
        },
    ],
    "synopsis": "Evicted for arrears.",
    "complicating_factors": "The parent's anxiety.",
    "duty_owed": "relief",
    "duty_ends_on": "2027-03-01",
    "lha_next_steps": "A private rented search.",
    "interventions_tried": "An arrears plan.",
    "impact_of_interventions": "Refused by the landlord.",
    "agencies_involved": "The school.",
    "referrer_name": "Fictional Officer",
    "referrer_email": "officer@district.example",
    "referrer_phone": "01632 960101",
    "s184_letter_reference": "S184-1",
    "assessment_reference": "HA-1",
    "php_reference": "PHP-1",
    "family_consent": {"given": True, "scope": "Intensive Early Help or an s.17 assessment."},
}
UNCONSENTED: Final = {"family_consent.given": False, "family_consent.scope": None}
# The top-level items the gate names when one is left out, with the name it gives.
TOP_ITEMS = [name for name in gates.ITEMS if name != "household_members"]
BLANKABLE = set(TOP_ITEMS) - {"referrer_email", "duty_ends_on"}
OPEN_ACCESS: Final = {"family_consent": {"given": True}}
DECLINED: Final = {"family_consent": {"given": False}}


def by(role: str) -> Actor:
    return Actor(f"{role}.tester", parse_role(role))


def attempt(
    snapshot: CaseSnapshot,
    transition: str,
    role: str,
    payload: dict[str, Any] | None = None,
    limits: InputLimits = LIMITS,
) -> Plan | Refusal:
    return decide(RFS, snapshot, transition, by(role), payload or {}, limits=limits)


def move(
    snapshot: CaseSnapshot,
    transition: str,
    role: str,
    payload: dict[str, Any] | None = None,
    limits: InputLimits = LIMITS,
) -> CaseSnapshot:
    plan = attempt(snapshot, transition, role, payload, limits)
    assert isinstance(plan, Plan), (transition, plan)
    return snapshot_after(snapshot, plan)


def checked(policy: dict[str, Any] | None = None, **answers: Any) -> CaseSnapshot:
    facts = {"authority": "dartford", "case_policy": policy or {}}
    return move(
        CaseSnapshot("threshold", facts=facts),
        "record_threshold_check",
        HO,
        {
            **THRESHOLD,
            **answers,
        },
    )


def drafting(**answers: Any) -> CaseSnapshot:
    return move(checked(**answers), "start_rfs", HO)


def content(changed: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """The complete request with each change made; a path names a nested item
    ("family_consent.scope"), and None leaves the item out."""
    document = copy.deepcopy(CONTENT)
    for path, value in {**(changed or {}), **changes}.items():
        *parents, name = path.split(".")
        holder = document
        for parent in parents:
            holder = holder[parent]
        if value is None:
            holder.pop(name, None)
        else:
            holder[name] = value
    return document


def submitted(basis: str = "consent") -> CaseSnapshot:
    """A request at triage, sent with consent, by the NRPF route or on the lead's override."""
    if basis == "consent":
        return move(drafting(), "submit_rfs", HO, content(), AT_RECEIPT)
    if basis == "nrpf":
        unconsented = content(UNCONSENTED)
        return move(drafting(nrpf_family_with_children=True), "submit_rfs", HO, unconsented)
    asked = move(drafting(), "ask_safeguarding_lead", HO, content(UNCONSENTED))
    return move(
        asked,
        "safeguarding_lead_overrides_consent",
        SL,
        {"concern": "s47_significant_harm", "rationale": "Significant harm cannot wait."},
        AT_RECEIPT,
    )


def refused(outcome: Plan | Refusal, code: str = "refused") -> Refusal:
    assert isinstance(outcome, Refusal), outcome
    assert outcome.code == code, outcome
    return outcome


# The definition


def test_the_definition_validates_with_its_rules_and_templates() -> None:
    assert definition_problems(RFS, RULES, template_names()) == []
    assert "pathways.definitions.request_for_support" in BUILTIN_MODULES
    assert get_definition("request-for-support") is RFS
    assert (RFS.version, RFS.title) == ("1.0", "Request for Support to the Integrated Front Door")


def test_every_transition_cites_its_source_and_every_timer_rule_has_one() -> None:
    for transition in RFS.transitions:
        assert transition.citation, transition.name
        assert any(s in transition.citation for s in ("seed 002", "spec §", "errata", "T0"))
    for timer in RFS.timers.values():
        rule = RULES[timer.rule]
        assert rule.citation and rule.status in ("guidance", "assumption"), timer.name
    assert (RULES["rfs-triage"].status, RULES["cf-assessment"].status) == ("guidance", "guidance")
    assert RULES["escalation-step"].status == "assumption"


def test_the_timers_run_on_their_rules_and_chains() -> None:
    triage = RFS.timers["ifd_triage"]
    assert (triage.rule, triage.escalation_chain) == ("rfs-triage", "ifd")
    assert set(triage.closed_by) == set(TRIAGE_OUTCOMES)
    assert triage.notify_on_warning == ("ifd",)
    assert RFS.timers["cf_assessment"].rule == "cf-assessment"
    for chain in ("lha", "ics", "ifd"):
        timer = RFS.timers[f"disagreement_{chain}"]
        assert (timer.rule, timer.escalation_chain) == ("escalation-step", chain)
        assert timer.closed_by == ("resolve_disagreement",)
        # Raising it told the first level: the breach goes to the service manager.
        assert (timer.escalation_starts_at, timer.escalate_to) == (2, ())
    # The breach tells the IFD and its team manager (level 1), once each.
    assert (triage.escalation_starts_at, triage.escalate_to) == (1, ("ifd",))


def test_no_alert_names_an_outcome_or_a_safeguarding_status() -> None:
    """Spec §6, errata 21: events say a decision was recorded, never which."""
    forbidden = [*RFS.outcomes, "s.47", "s47", "consent", "NRPF", "recourse"]
    events = [n.event or "" for t in RFS.transitions for n in t.notifications]
    events += [timer.title for timer in RFS.timers.values()]
    for event in events:
        assert event, "every alert names its own event"
        assert not any(word.casefold() in event.casefold() for word in forbidden), event
    feedback = {t.name: t.notifications for t in RFS.transitions if t.name in TRIAGE_OUTCOMES}
    for notifications in feedback.values():
        (only,) = notifications
        assert (only.template, only.to, only.event) == (
            "triage_decision",
            ("referrer", "lha"),
            "Triage decision recorded",
        )


def test_an_ending_without_an_outcome_validates_only_from_a_step_every_way_in_decides() -> None:
    assert RFS.transition("ics_closes_its_case").outcome is None  # type: ignore[union-attr]
    # From drafting, which no outcome leads into, the same ending is refused.
    stray = TransitionSpec(
        name="close_early", title="Close", from_steps=("drafting",), to_step="closed", roles=(HO,)
    )
    broken = RFS.model_copy(update={"transitions": (*RFS.transitions, stray)})
    assert "transition 'close_early': ends the case at 'closed' without an outcome" in (
        definition_problems(broken, RULES)
    )
    # A way into joint working without an outcome takes the ending's licence away.
    sideways = TransitionSpec(
        name="sideways", title="In", from_steps=("drafting",), to_step="joint_working", roles=(HO,)
    )
    undecided = RFS.model_copy(update={"transitions": (*RFS.transitions, sideways)})
    assert any("ics_closes_its_case" in p for p in definition_problems(undecided, RULES))


# C0-C1: the threshold check and its routing


def test_the_parents_not_spoken_to_need_a_reason() -> None:
    start = CaseSnapshot("threshold", facts={"authority": "dartford"})
    outcome = attempt(start, "record_threshold_check", HO, {**THRESHOLD, "spoke_to_parents": False})
    assert "why_not_spoken_to_parents" in refused(outcome, "invalid_input").reason
    reason = {"spoke_to_parents": False, "why_not_spoken_to_parents": "Talking would alert them."}
    assert isinstance(attempt(start, "record_threshold_check", HO, {**THRESHOLD, **reason}), Plan)


@pytest.mark.parametrize("level", [True, 3.0, "3", 0, 5, None])
def test_a_support_level_is_a_whole_number_from_1_to_4(level: object) -> None:
    start = CaseSnapshot("threshold", facts={"authority": "dartford"})
    outcome = attempt(start, "record_threshold_check", HO, {**THRESHOLD, "support_level": level})
    assert refused(outcome, "invalid_input").field == "support_level"


ROUTES = list(product((1, 2, 3, 4), (False, True), (False, True), (None, False, True)))


@pytest.mark.parametrize(("level", "concern", "nrpf", "policy"), ROUTES)
def test_the_threshold_routes_every_case_one_way(
    level: int, concern: bool, nrpf: bool, policy: bool | None
) -> None:
    """Levels 1-2 to universal services with consent, Level 3+ or a concern to a request, and
    an NRPF family with children to a request while the policy (default on) says so."""
    chosen = {} if policy is None else {gates.NRPF_POLICY: policy}
    case = checked(
        chosen, support_level=level, safeguarding_concern=concern, nrpf_family_with_children=nrpf
    )
    assert {k: case.facts[k] for k in ("support_level", "safeguarding_concern")} == {
        "support_level": level,
        "safeguarding_concern": concern,
    }
    expected_rfs = level >= 3 or concern or (nrpf and policy is not False)
    signposted = attempt(case, "signpost_universal_services", HO, OPEN_ACCESS)
    declined = attempt(case, "family_declines_open_access", HO, DECLINED)
    started = attempt(case, "start_rfs", HO)
    if expected_rfs:
        assert isinstance(started, Plan) and started.to_step == "drafting"
        for refusal in (refused(signposted), refused(declined)):
            if nrpf and level <= 2 and not concern:
                assert "no recourse to public funds" in refusal.reason
    else:
        for plan, step in ((signposted, "universal_support"), (declined, "open_access_declined")):
            assert isinstance(plan, Plan)
            assert (plan.to_step, plan.outcome, plan.ends_case) == (
                step,
                "RFS_NOT_REQUIRED_L1_L2",
                True,
            )
        refused(started)


def test_universal_services_need_the_familys_consent_and_a_refusal_is_kept() -> None:
    case = checked(support_level=2)
    outcome = attempt(case, "signpost_universal_services", HO, DECLINED)
    assert refused(outcome).reason.startswith("family_consent.given: ")
    assert refused(attempt(case, "family_declines_open_access", HO, OPEN_ACCESS)).reason.startswith(
        "family_consent.given: "
    )
    plan = attempt(case, "family_declines_open_access", HO, DECLINED)
    assert isinstance(plan, Plan)
    # The refusal is a consent record (not given) for Early Help Open Access: the engine
    # records every ConsentGiven the input holds.
    consent = plan.input.family_consent  # type: ignore[union-attr]
    assert isinstance(consent, ConsentGiven)
    assert (consent.purpose, consent.given) == (OPEN_ACCESS_PURPOSE, False)
    title = RFS.transition("family_declines_open_access").title  # type: ignore[union-attr]
    assert "the LHA's own advice and assistance continue" in title


def test_the_nrpf_policy_is_shown_with_its_source_for_this_pathway_only() -> None:
    assert CasePolicy().rfs_nrpf_below_threshold is True
    choice = POLICY[gates.NRPF_POLICY]
    assert choice.pathway == "request-for-support" and "seed 002" in choice.source
    rows = describe_policy(CasePolicy().model_dump(), "request-for-support")
    assert [title for title, _, _ in rows] == [choice.title]
    assert rows[0][1] == "referred to the Integrated Front Door at any Support Level"
    assert gates.NRPF_POLICY not in [t for t, _, _ in describe_policy({}, "youth-1617-intake")]


# C3: the mandatory content


@pytest.mark.parametrize("item", TOP_ITEMS)
def test_each_missing_item_is_named_and_marked_at_its_field(item: str) -> None:
    outcome = attempt(drafting(), "submit_rfs", HO, content(**{item: None}))
    refusal = refused(outcome)
    assert gates.ITEMS[item] in refusal.reason
    assert refusal.problems == ((item, gates.ASK[item]),)


def test_every_missing_item_is_named_in_one_refusal() -> None:
    empty = {"duty_owed": "prevention", "family_consent": {"given": True}}
    refusal = refused(attempt(drafting(), "submit_rfs", HO, empty))
    assert [field for field, _ in refusal.problems] == ["household_members", *TOP_ITEMS]
    for name in gates.ITEMS.values():
        assert name in refusal.reason


def test_each_household_member_needs_a_date_of_birth_and_contact_details() -> None:
    members = copy.deepcopy(CONTENT["household_members"])
    del members[1]["date_of_birth"], members[1]["contact_details"]
    refusal = refused(attempt(drafting(), "submit_rfs", HO, content(household_members=members)))
    assert refusal.problems == (
        ("household_members.1.date_of_birth", gates.MEMBER_ITEMS["date_of_birth"][1]),
        ("household_members.1.contact_details", gates.MEMBER_ITEMS["contact_details"][1]),
    )
    assert "contact details of household member 2" in refusal.reason


@pytest.mark.parametrize("duty", ["prevention", "relief", "main", "none"])
def test_the_end_date_and_next_steps_are_needed_for_prevention_and_relief(duty: str) -> None:
    without = content(duty_owed=duty, duty_ends_on=None, lha_next_steps=None)
    outcome = attempt(drafting(), "submit_rfs", HO, without)
    if duty in ("prevention", "relief"):
        fields = [field for field, _ in refused(outcome).problems]
        assert fields == ["duty_ends_on", "lha_next_steps"]
        assert "the date the 56-day duty ends" in refused(outcome).reason
    else:
        assert isinstance(outcome, Plan)


def test_a_household_owed_no_duty_may_have_no_attachments_yet() -> None:
    bare = content(duty_owed="none", s184_letter_reference=None, php_reference=None)
    assert isinstance(attempt(drafting(), "submit_rfs", HO, bare), Plan)
    owed = content(duty_owed="main", s184_letter_reference=None, php_reference=None)
    fields = [field for field, _ in refused(attempt(drafting(), "submit_rfs", HO, owed)).problems]
    assert fields == ["s184_letter_reference", "php_reference"]


@settings(max_examples=60, deadline=None)
@given(left_out=st.sets(st.sampled_from(TOP_ITEMS)), blank=st.booleans())
def test_the_gate_names_exactly_the_items_left_out(left_out: set[str], blank: bool) -> None:
    """Left out or blank (text that shows nothing is not given), the same items are named."""
    changes: dict[str, Any] = dict.fromkeys(left_out)
    if blank:
        changes.update(dict.fromkeys(left_out & BLANKABLE, " \u200b "))
    document = content(changes)
    validated = validate_input(RFS.transition("submit_rfs"), document, LIMITS)  # type: ignore[arg-type]
    assert isinstance(validated, RfsContent), validated
    assert {field for field, _ in gates.missing_items(validated)} == left_out


def test_nothing_missing_sends_the_request_and_records_its_facts() -> None:
    plan = attempt(drafting(), "submit_rfs", HO, content(), AT_RECEIPT)
    assert isinstance(plan, Plan) and plan.to_step == "submitted"
    assert [t.name for t in plan.timers_to_open] == ["ifd_triage"]
    assert [(n.to, n.event) for n in plan.notifications] == [
        (("ifd",), "Request for Support received")
    ]
    assert plan.recorded_facts == {
        "duty_owed": "relief",
        "duty_ends_on": "2027-03-01",
        "consent_given": True,
        "referrer_email": "officer@district.example",
        "household_size": 2,
        "rfs_received_at": RECEIVED.isoformat(),
    }


# C2: the consent gate


def test_without_consent_the_request_goes_to_the_safeguarding_lead_not_the_ifd() -> None:
    case = drafting()
    unconsented = content(UNCONSENTED)
    assert refused(attempt(case, "submit_rfs", HO, unconsented)).reason.startswith(
        "family_consent.given: "
    )
    plan = attempt(case, "ask_safeguarding_lead", HO, unconsented)
    assert isinstance(plan, Plan) and plan.to_step == "consent_decision"
    assert plan.timers_to_open == ()
    assert [n.to for n in plan.notifications] == [("role:lha-safeguarding-lead",)]
    assert "rfs_received_at" not in plan.recorded_facts
    # With consent there is nothing for the lead to decide.
    assert refused(attempt(case, "ask_safeguarding_lead", HO, content())).reason.startswith(
        "family_consent.given: "
    )
    # Incomplete, it goes nowhere: the lead decides on a complete request.
    gap = attempt(case, "ask_safeguarding_lead", HO, content(UNCONSENTED, synopsis=None))
    assert [field for field, _ in refused(gap).problems] == ["synopsis"]


def test_an_nrpf_family_is_sent_without_consent_only_with_the_s184_reference() -> None:
    case = drafting(nrpf_family_with_children=True)
    unconsented = content(UNCONSENTED, duty_owed="none", s184_letter_reference=None)
    refusal = refused(attempt(case, "submit_rfs", HO, unconsented))
    assert "s.184" in refusal.reason
    assert [field for field, _ in refusal.problems] == ["s184_letter_reference"]
    attached = {**unconsented, "s184_letter_reference": "S184-NRPF"}
    plan = attempt(case, "submit_rfs", HO, attached)
    assert isinstance(plan, Plan) and plan.to_step == "submitted"
    assert plan.recorded_facts["sent_without_consent_basis"] == "nrpf"
    # The NRPF route is the family's: there is no safeguarding decision to ask for.
    refused(attempt(case, "ask_safeguarding_lead", HO, attached))


def test_with_consent_no_basis_for_sending_without_it_is_recorded() -> None:
    assert "sent_without_consent_basis" not in submitted("consent").facts


def test_the_lead_s_override_sends_the_request_and_records_the_decision() -> None:
    case = submitted("override")
    assert case.state == "submitted" and case.open_timers == {"ifd_triage"}
    assert case.facts["sent_without_consent_basis"] == "override"
    assert case.facts["rfs_received_at"] == RECEIVED.isoformat()
    assert RFS.transition("safeguarding_lead_overrides_consent").decision == "consent_override"  # type: ignore[union-attr]


def test_the_lead_declining_ends_the_case_not_sent() -> None:
    asked = move(drafting(), "ask_safeguarding_lead", HO, content(UNCONSENTED))
    plan = attempt(asked, "safeguarding_lead_declines_override", SL, {"rationale": "No."})
    assert isinstance(plan, Plan)
    assert (plan.to_step, plan.outcome, plan.ends_case) == (
        "not_sent",
        "RFS_NO_CONSENT_NOT_SENT",
        True,
    )
    assert all("ifd" not in n.to and "ics" not in n.to for n in plan.notifications)


# C4-C6: consent per triage outcome, and the feedback


TRIAGE_ALLOWED = {
    "accept_intensive_early_help": {"consent"},
    "accept_for_s17_assessment": {"consent", "nrpf"},
    "refer_for_s47_strategy_discussion": {"consent", "nrpf", "override"},
    "not_accepted": {"consent", "nrpf", "override"},
}


@pytest.mark.parametrize(
    ("outcome", "basis"), list(product(TRIAGE_ALLOWED, ("consent", "nrpf", "override")))
)
def test_each_triage_outcome_needs_the_consent_it_needs(outcome: str, basis: str) -> None:
    """Errata 15: consent for Intensive Early Help and an s.17 assessment; seed 002: the NRPF
    route for the assessment; an s.47 strategy discussion, or not accepting, needs none."""
    result = attempt(submitted(basis), outcome, IFD_WORKER)
    if basis in TRIAGE_ALLOWED[outcome]:
        assert isinstance(result, Plan), result
        assert result.timers_to_close == ("ifd_triage",)
        assert result.outcome == RFS.transition(outcome).outcome  # type: ignore[union-attr]
    else:
        assert "consent" in refused(result).reason


def test_feedback_is_timed_from_receipt_to_the_decision() -> None:
    plan = attempt(submitted("consent"), "accept_for_s17_assessment", IFD_WORKER)
    assert isinstance(plan, Plan)
    assert plan.recorded_facts == {
        "triage_decision": "s17_assessment",
        "feedback_given_at": NOW.isoformat(),
        "feedback_after_minutes": 330,
    }
    assert [t.name for t in plan.timers_to_open] == ["cf_assessment"]


def test_not_accepted_leaves_the_lha_free_to_disagree_or_close() -> None:
    """Seed 002 "Escalation process": any disagreement about a decision may be raised, so not
    accepting does not end the case; the LHA closes it, through the closure gate."""
    plan = attempt(submitted("consent"), "not_accepted", IFD_WORKER)
    assert isinstance(plan, Plan)
    assert (plan.to_step, plan.outcome, plan.ends_case) == (
        "not_accepted",
        "RFS_NOT_ACCEPTED_L2",
        False,
    )
    case = snapshot_after(submitted("consent"), plan)
    raised = {"issue": "The level.", "lha_position": "Level 3.", "ics_position": "Level 2."}
    disputed = move(case, "lha_raises_disagreement", SO, raised)
    assert disputed.state == "not_accepted" and "disagreement_lha" in disputed.open_timers
    assert (
        "disagreement is open"
        in refused(attempt(disputed, "lha_closes_after_not_accepted", HO)).reason
    )
    resolved = move(disputed, "resolve_disagreement", SO, {"resolution": "Level 2 agreed."})
    refused(attempt(resolved, "lha_closes_after_not_accepted", SW), "forbidden")
    ending = attempt(resolved, "lha_closes_after_not_accepted", HO)
    assert isinstance(ending, Plan)
    assert (ending.to_step, ending.ends_case, ending.outcome) == (
        "closed_not_accepted",
        True,
        None,
    )
    assert [(n.template, n.to) for n in ending.notifications] == [("case_closed", ("ics",))]


def test_a_move_judged_without_a_clock_records_no_time() -> None:
    """The case page asks which moves are open without a clock: nothing is timed then."""
    validated = TriageDecision.model_validate({})
    assert validated.judged_at is None
    plan = decide(RFS, submitted("consent"), "not_accepted", by(IFD_WORKER), {})
    assert isinstance(plan, Plan) and plan.recorded_facts == {"triage_decision": "not_accepted"}


def test_further_enquiries_stay_at_triage_and_cannot_predate_receipt() -> None:
    case = submitted("consent")
    early = {"contacted": ["referrer"], "contacted_at": "2027-01-11T09:00:00+00:00", "note": "x"}
    assert refused(attempt(case, "record_further_enquiries", IFD_WORKER, early)).reason.startswith(
        "contacted_at: "
    )
    later = {**early, "contacted_at": "2027-01-11T11:00:00+00:00", "contacted": ["parent"]}
    after = move(
        move(case, "record_further_enquiries", IFD_WORKER, later),
        "record_further_enquiries",
        IFD_WORKER,
        {**later, "contacted": ["referrer"]},
    )
    assert after.state == "submitted" and after.open_timers == {"ifd_triage"}
    assert after.facts["further_enquiries_with"] == ["parent", "referrer"]
    assert after.facts["further_enquiries_made"] == 2


# Role checks


@pytest.mark.parametrize("role", sorted(ROLES))
def test_only_the_safeguarding_lead_decides_on_consent(role: str) -> None:
    asked = move(drafting(), "ask_safeguarding_lead", HO, content(UNCONSENTED))
    payloads = {
        "safeguarding_lead_overrides_consent": {
            "concern": "other_significant_impact",
            "rationale": "Impact is significant.",
        },
        "safeguarding_lead_declines_override": {"rationale": "Level 2 support continues."},
    }
    for transition, payload in payloads.items():
        outcome = attempt(asked, transition, role, payload)
        if role == SL:
            assert isinstance(outcome, Plan)
        else:
            assert f"role '{role}' may not" in refused(outcome, "forbidden").reason


@pytest.mark.parametrize("role", sorted(ROLES))
def test_only_ifd_roles_triage(role: str) -> None:
    case = submitted("consent")
    enquiry = {"contacted": ["parent"], "contacted_at": "2027-01-11T11:00:00+00:00", "note": "x"}
    for transition in (*TRIAGE_OUTCOMES, "record_further_enquiries"):
        payload = enquiry if transition == "record_further_enquiries" else {}
        outcome = attempt(case, transition, role, payload)
        if role in IFD:
            assert isinstance(outcome, Plan), (transition, outcome)
        else:
            refused(outcome, "forbidden")


@pytest.mark.parametrize(("agency", "role"), list(product(("lha", "ics", "ifd"), sorted(ROLES))))
def test_the_agency_of_a_disagreement_is_the_step_s(agency: str, role: str) -> None:
    case = move(submitted("consent"), "accept_for_s17_assessment", IFD_WORKER)
    raised = {"issue": "The offer.", "lha_position": "Suitable.", "ics_position": "Not suitable."}
    outcome = attempt(case, f"{agency}_raises_disagreement", role, raised)
    roles = {"lha": LHA, "ics": ICS, "ifd": IFD}[agency]
    if role not in roles:
        refused(outcome, "forbidden")
        return
    assert isinstance(outcome, Plan)
    assert outcome.recorded_facts == {"disagreement_open": True, "disagreement_raised_by": agency}
    assert [t.escalation_chain for t in outcome.timers_to_open] == [agency]
    first = {
        "lha": "role:lha-senior-officer",
        "ics": "role:ics-team-manager",
        "ifd": "role:ifd-team-manager",
    }[agency]
    assert [(n.template, n.to) for n in outcome.notifications] == [("escalation_raised", (first,))]


def test_an_early_help_disagreement_goes_first_to_the_unit_lead() -> None:
    case = move(submitted("consent"), "accept_intensive_early_help", IFD_WORKER)
    raised = {"issue": "The plan.", "lha_position": "A.", "ics_position": "B."}
    plan = attempt(case, "ics_raises_disagreement", SW, raised)
    assert isinstance(plan, Plan)
    assert [n.to for n in plan.notifications] == [("role:early-help-unit-lead",)]


def test_a_disagreement_is_walked_recorded_and_resolved_by_the_chain() -> None:
    before = drafting()
    raised = {"issue": "The offer.", "lha_position": "Suitable.", "ics_position": "Not."}
    # Nothing has reached children's services yet: there is no one to disagree with.
    assert "not been sent" in refused(attempt(before, "lha_raises_disagreement", HO, raised)).reason
    case = move(
        move(submitted("consent"), "accept_intensive_early_help", IFD_WORKER),
        "lha_raises_disagreement",
        SO,
        raised,
    )
    assert "already open" in refused(attempt(case, "ics_raises_disagreement", SW, raised)).reason
    position = {"level": "service_manager", "lha_position": "A.", "ics_position": "B."}
    for role in ESCALATION_ROLES:
        assert isinstance(attempt(case, "record_escalation_position", role, position), Plan)
    resolved = move(case, "resolve_disagreement", "ics-assistant-director", {"resolution": "Done."})
    assert resolved.open_timers == frozenset() and not resolved.facts["disagreement_open"]
    assert (
        "no disagreement"
        in refused(attempt(resolved, "record_escalation_position", SO, position)).reason
    )


# C7: joint working and closure


def test_joint_working_and_each_agency_s_closure() -> None:
    case = move(submitted("consent"), "accept_for_s17_assessment", IFD_WORKER)
    joint = {
        "met_family_on": "2027-01-11",
        "joint_appointments": ["2027-01-11"],
        "ics_supports_php_actions": True,
        "lha_invited_to_ics_meetings": True,
        "ics_invited_to_lha_meetings": False,
    }
    case = move(case, "record_joint_working", HO, joint)
    assert case.facts["joint_appointments"] == ["2027-01-11"]
    case = move(case, "record_assessment_completed", SW)
    assert "cf_assessment" not in case.open_timers
    assert "already" in refused(attempt(case, "record_assessment_completed", SW)).reason
    closed_by_lha = attempt(case, "lha_closes_its_case", HO)
    assert isinstance(closed_by_lha, Plan) and not closed_by_lha.ends_case
    assert [n.to for n in closed_by_lha.notifications] == [("ics",)]
    case = snapshot_after(case, closed_by_lha)
    refused(attempt(case, "lha_closes_its_case", HO))
    ending = attempt(case, "ics_closes_its_case", "early-help-unit-lead")
    assert isinstance(ending, Plan) and ending.ends_case and ending.outcome is None
    refused(attempt(case, "ics_closes_its_case", HO), "forbidden")


def test_only_an_accepted_s17_assessment_is_completed() -> None:
    case = move(submitted("consent"), "accept_intensive_early_help", IFD_WORKER)
    assert "no s.17" in refused(attempt(case, "record_assessment_completed", SW)).reason


# Cross-district working


def test_a_local_connection_referral_tells_ics_only_once_the_request_has_reached_them() -> None:
    referral = {"receiving_authority": "swale", "accepted_on": "2027-01-11"}
    for case, told in ((drafting(), False), (submitted("consent"), True)):
        plan = attempt(case, "record_local_connection_referral_accepted", HO, referral)
        assert isinstance(plan, Plan)
        assert [n.to for n in plan.notifications] == ([("ics",)] if told else [])
    own = {**referral, "receiving_authority": "dartford"}
    refused(attempt(drafting(), "record_local_connection_referral_accepted", HO, own))
    transfer = {"to_district": "swale", "reason_kind": "domestic_abuse", "reason": "Safety."}
    plan = attempt(submitted("consent"), "record_ics_case_transfer", "ics-team-manager", transfer)
    assert isinstance(plan, Plan)
    assert plan.recorded_facts == {
        "ics_case_transferred_to": "swale",
        "ics_transfer_reason": "domestic_abuse",
    }
    refused(attempt(submitted("consent"), "record_ics_case_transfer", HO, transfer), "forbidden")


def test_the_form_marks_every_missing_item_at_its_field() -> None:
    members = copy.deepcopy(CONTENT["household_members"])
    del members[1]["contact_details"]
    document = content(household_members=members, synopsis=None, php_reference=None)
    refusal = refused(attempt(drafting(), "submit_rfs", HO, document))
    errors = errors_from_refusal(refusal, RfsContent)
    assert [error.field for error in errors] == [
        "household_members.1.contact_details",
        "synopsis",
        "php_reference",
    ]
    assert [error.message for error in errors] == [
        "Household member 2: contact details: " + gates.MEMBER_ITEMS["contact_details"][1],
        "Synopsis: enter a short synopsis of the situation",
        "Personalised housing plan (PHP) reference: enter where the plan is kept",
    ]
    assert all(error.anchor for error in errors)


def test_each_field_has_its_title_and_no_message_repeats_it() -> None:
    labels = {one.name: one.label for one in form_fields(RfsContent)}
    assert labels["php_reference"] == "Personalised housing plan (PHP) reference"
    assert labels["family_consent"] == "The family's consent"
    threshold = {one.name: one.label for one in form_fields(ThresholdCheck)}
    assert threshold["nrpf_family_with_children"] == (
        "Family with no recourse to public funds (NRPF) with children"
    )
    index = {one.name: one.label for one in _walk(form_fields(RfsContent))}
    # "Synopsis: enter a short synopsis", never "Synopsis: synopsis must be given".
    for field, ask in gates.ASK.items():
        assert not ask.casefold().startswith(index[field].casefold()), field
        assert "must be given" not in ask


def test_the_items_the_gate_always_needs_are_marked_needed_to_submit() -> None:
    """Optional in the model (one refusal names them all), but not "(optional)" on the form."""
    marked = {
        name
        for name, info in RfsContent.model_fields.items()
        if (info.json_schema_extra or {}).get("needed_to_submit")  # type: ignore[union-attr]
    }
    assert marked == {"household_members", *gates.ALWAYS}
    assert all(not RfsContent.model_fields[name].is_required() for name in marked)
