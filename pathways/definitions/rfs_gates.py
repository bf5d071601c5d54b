"""The pure gates and recorded facts of the Request for Support (spec §4 Pathway C; seed 002).

Each guard takes the case facts and the validated input and returns a refusal reason or None;
each ``*_facts`` returns what its step records. Facts hold coded answers and times, never a
name, a date of birth or anyone's contact details (those stay in the Person rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel

from pathways.case_policy import policy_of
from pathways.definitions.rfs_inputs import (
    ConsentOverrideDecision,
    FurtherEnquiries,
    IcsCaseTransfer,
    JointWorking,
    LocalConnectionReferral,
    OpenAccessAnswer,
    RfsContent,
    ThresholdCheck,
    judged_at,
)
from pathways.definitions.youth_1617_rules import Facts, _given
from pathways.engine.definition import FactsUpdate, Guard
from pathways.engine.transitions import FieldProblems
from pathways.text import is_blank

S002 = "seed 002 (Kent practice guidance) [S002]"
NRPF_SOURCE = "seed 002 'Working with families with No Recourse to Public Funds'; errata 24"
CONSENT_SOURCE = (
    "seed 002 'Consent is required for L3 intensive Early Help and S17 Child in Need "
    "assessments'; errata 15"
)
NRPF_POLICY: Final = "rfs_nrpf_below_threshold"
DUTIES_WITH_AN_END: Final = frozenset({"prevention", "relief"})
RECEIVED_AT: Final = "rfs_received_at"
SCOPE: Final = "family_consent.scope"

# The items of seed 002's list, by field, as a refusal names them.
ITEMS: Final[Mapping[str, str]] = {
    "household_members": "the household members (every member of the household)",
    "synopsis": "synopsis",
    "complicating_factors": "complicating factors",
    "duty_ends_on": "the date the 56-day duty ends",
    "lha_next_steps": "the LHA's next steps",
    "interventions_tried": "the interventions tried",
    "impact_of_interventions": "the impact of the interventions",
    "agencies_involved": "the agencies involved",
    "referrer_name": "the referrer's name",
    "referrer_email": "the referrer's e-mail address",
    "referrer_phone": "the referrer's phone number",
    "s184_letter_reference": "the s.184 decision letter reference",
    "assessment_reference": "the assessment of circumstances and needs reference",
    "php_reference": "the personal housing plan (PHP) reference",
    SCOPE: "what the consent covers",
}
ASK: Final[Mapping[str, str]] = {
    "household_members": "add every member of the household",
    "synopsis": "enter a short synopsis of the situation",
    "complicating_factors": "enter anything that makes the family's situation harder",
    "duty_ends_on": "enter the day the prevention or relief duty ends",
    "lha_next_steps": "say what the LHA will do next",
    "interventions_tried": "describe what has been tried to help the family so far",
    "impact_of_interventions": "say what difference each of them made",
    "agencies_involved": "list the agencies working with the family",
    "referrer_name": "enter the name of the person making the request",
    "referrer_email": "enter an email address the Integrated Front Door can reply to",
    "referrer_phone": "enter a number the Integrated Front Door can call",
    "s184_letter_reference": "enter where the decision letter is kept",
    "assessment_reference": "enter where the assessment is kept",
    "php_reference": "enter where the plan is kept",
    SCOPE: "say what the family agreed may be shared, and with whom",
}
"""What each missing item's field says on the form, after its label: never the label again."""
MEMBER_ITEMS: Final[Mapping[str, tuple[str, str]]] = {
    "date_of_birth": (
        "the date of birth of household member {number}",
        "enter when they were born",
    ),
    "contact_details": (
        "contact details of household member {number}",
        "enter how to reach them: a phone number, an address, or through whom",
    ),
}
"""Seed 002: "accurate details of all household members including names, dates of birth and
contact details"; a member is numbered from 1, as the form shows them."""
ALWAYS: Final = (
    "synopsis",
    "complicating_factors",
    "interventions_tried",
    "impact_of_interventions",
    "agencies_involved",
    "referrer_name",
    "referrer_email",
    "referrer_phone",
)
ATTACHMENTS: Final = ("s184_letter_reference", "assessment_reference", "php_reference")


# C1: the threshold check routes the case


def _nrpf_referred(facts: Facts) -> bool:
    """An NRPF family with children is referred at any level while the authority's policy says
    so (seed 002: "they should complete a RFS without consent if necessary")."""
    return bool(facts.get("nrpf_family_with_children")) and bool(
        policy_of(facts).get(NRPF_POLICY, True)
    )


def needs_rfs(facts: Facts) -> bool:
    """Level 3 or above, a safeguarding concern, or an NRPF family with children (policy on)."""
    level = facts.get("support_level")
    at_level_3 = isinstance(level, int) and level >= 3
    return at_level_3 or bool(facts.get("safeguarding_concern")) or _nrpf_referred(facts)


def _universal_services_only(facts: Facts) -> str | None:
    if not needs_rfs(facts):
        return None
    if _nrpf_referred(facts) and facts.get("support_level") in (1, 2):
        return (
            "an NRPF family with children (no recourse to public funds) is referred to the "
            f"Integrated Front Door even below Level 3 ({NRPF_SOURCE}): start the request"
        )
    return (
        "the needs are at Level 3 or above, or there is a safeguarding concern: complete a "
        f"Request for Support ({S002})"
    )


def below_threshold(facts: Facts, data: BaseModel | None) -> str | None:
    """C1 at Levels 1-2: signposted to Early Help Open Access with the family's consent."""
    refused = _universal_services_only(facts)
    if refused is not None or _given(OpenAccessAnswer, data).family_consent.given:
        return refused
    return (
        "family_consent.given: Early Help Open Access (Level 1-2 services) needs the family's "
        f"consent ({S002}: 'with consent from the family'); if they decline it, record that"
    )


def open_access_declined(facts: Facts, data: BaseModel | None) -> str | None:
    """C1 at Levels 1-2: the family declines Early Help Open Access; the refusal is kept as a
    consent not given, and the LHA's own advice and assistance go on."""
    refused = _universal_services_only(facts)
    if refused is not None or not _given(OpenAccessAnswer, data).family_consent.given:
        return refused
    return "family_consent.given: the family consents: signpost them to Early Help Open Access"


def rfs_needed(facts: Facts, _: BaseModel | None) -> str | None:
    if needs_rfs(facts):
        return None
    return (
        "Levels 1-2 with no safeguarding concern go to universal and Early Help Open Access "
        f"services, not a Request for Support ({S002}; Kent Support Level Guidance)"
    )


def threshold_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    check = _given(ThresholdCheck, data)
    return {
        "support_level": check.support_level,
        "safeguarding_concern": check.safeguarding_concern,
        "nrpf_family_with_children": check.nrpf_family_with_children,
        "spoke_to_parents": check.spoke_to_parents,
        "consulted_safeguarding_lead": check.consulted_safeguarding_lead,
    }


# C3: the request is complete before anything is sent


def missing_items(content: RfsContent) -> list[tuple[str, str]]:
    """(field, plain name) of each mandatory item the request leaves out, in the form's order."""
    missing: list[tuple[str, str]] = []
    if not content.household_members:
        missing.append(("household_members", ITEMS["household_members"]))
    for number, member in enumerate(content.household_members, start=1):
        for attribute, (wording, _) in MEMBER_ITEMS.items():
            if getattr(member, attribute) is None:
                field = f"household_members.{number - 1}.{attribute}"
                missing.append((field, wording.format(number=number)))
    wanted = list(ALWAYS)
    if content.duty_owed in DUTIES_WITH_AN_END:
        wanted += ["duty_ends_on", "lha_next_steps"]
    # "as appropriate" (seed 002): a household owed no duty may have no letter, assessment or
    # plan; the NRPF route asks for the s.184 letter on its own (``consent_gate``).
    if content.duty_owed != "none":
        wanted += list(ATTACHMENTS)
    order = list(type(content).model_fields)
    for name in sorted(wanted, key=order.index):
        if getattr(content, name) is None:
            missing.append((name, ITEMS[name]))
    consent = content.family_consent
    if consent.given and is_blank(consent.scope):
        missing.append((SCOPE, ITEMS[SCOPE]))
    return missing


def _ask(field: str) -> str:
    """What the form says at a missing item's field (its label is shown before it)."""
    attribute = field.rsplit(".", 1)[-1]
    if field.startswith("household_members.") and attribute in MEMBER_ITEMS:
        return MEMBER_ITEMS[attribute][1]
    return ASK[field]


def rfs_complete(_: Facts, data: BaseModel | None) -> str | None:
    """Seed 002: "the referrer should complete all sections of the form". One refusal names
    every missing item, and marks each at its field."""
    missing = missing_items(_given(RfsContent, data))
    if not missing:
        return None
    names = ", ".join(name for _, name in missing)
    return FieldProblems(
        f"the Request for Support cannot be sent until every item is given ({S002}); "
        f"missing: {names}",
        tuple((field, _ask(field)) for field, _ in missing),
    )


def _nrpf_route(facts: Facts, content: RfsContent) -> bool:
    return bool(facts.get("nrpf_family_with_children")) and not content.family_consent.given


def consent_gate(facts: Facts, data: BaseModel | None) -> str | None:
    """C2: consent given; or an NRPF family with children, sent without consent with the
    s.184 decision attached. Otherwise the safeguarding lead decides."""
    content = _given(RfsContent, data)
    if content.family_consent.given:
        return None
    if _nrpf_route(facts, content):
        if content.s184_letter_reference is not None:
            return None
        return FieldProblems(
            "s184_letter_reference: an NRPF family with children is referred without consent "
            f"only with a copy of the s.184 decision attached ({NRPF_SOURCE})",
            (
                (
                    "s184_letter_reference",
                    "an NRPF family with children is referred without consent only with the "
                    "s.184 decision attached: enter where the letter is kept",
                ),
            ),
        )
    return (
        "family_consent.given: the request has no consent, so it cannot be sent yet: ask the "
        "safeguarding lead to decide whether the impact on the children justifies a referral "
        f"without consent ({CONSENT_SOURCE})"
    )


def no_consent(facts: Facts, data: BaseModel | None) -> str | None:
    content = _given(RfsContent, data)
    if content.family_consent.given:
        return "family_consent.given: the family consents: send the request (no decision is needed)"
    if _nrpf_route(facts, content):
        return (
            "an NRPF family with children is referred without consent with the s.184 decision "
            f"attached: send the request ({NRPF_SOURCE})"
        )
    return None


def _content_facts(content: RfsContent) -> dict[str, Any]:
    return {
        "duty_owed": content.duty_owed,
        "duty_ends_on": content.duty_ends_on.isoformat() if content.duty_ends_on else None,
        "consent_given": content.family_consent.given,
        "referrer_email": str(content.referrer_email) if content.referrer_email else None,
        "household_size": len(content.household_members),
    }


def _received(data: BaseModel | None) -> dict[str, Any]:
    at = judged_at(data)
    return {RECEIVED_AT: at.isoformat()} if at is not None else {}


def submitted_facts(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
    content = _given(RfsContent, data)
    recorded = {**_content_facts(content), **_received(data)}
    if not content.family_consent.given:
        recorded["sent_without_consent_basis"] = "nrpf"
    return recorded


def awaiting_decision_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    return {**_content_facts(_given(RfsContent, data)), "safeguarding_lead_asked": True}


def override_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    decision = _given(ConsentOverrideDecision, data)
    return {
        "sent_without_consent_basis": "override",
        "consent_override": True,
        "override_concern": decision.concern,
        **_received(data),
    }


# C4-C6: triage and the feedback to the referrer


def consent_given(what: str) -> Guard:
    def guard(facts: Facts, _: BaseModel | None) -> str | None:
        if facts.get("consent_given"):
            return None
        return f"{what} needs the family's consent ({CONSENT_SOURCE}); the request has none"

    return guard


def s17_basis(facts: Facts, _: BaseModel | None) -> str | None:
    """Consent, or the NRPF route: seed 002 asks for the request "without consent if necessary,
    so that a child and family assessment can be completed"."""
    if facts.get("consent_given") or facts.get("sent_without_consent_basis") == "nrpf":
        return None
    return (
        "an s.17 child and family assessment needs the family's consent, or an NRPF family "
        f"with children sent without it ({CONSENT_SOURCE}; {NRPF_SOURCE}); the request has "
        "neither: consider an s.47 strategy discussion, or not accepting it"
    )


def _minutes_between(start: str | None, end: datetime) -> int | None:
    if not start:
        return None
    return int((end - datetime.fromisoformat(start)).total_seconds() // 60)


def triage_facts(decision: str) -> FactsUpdate:
    """C5-C6: the triage decision and when the referrer was given feedback."""

    def update(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
        recorded: dict[str, Any] = {"triage_decision": decision}
        at = judged_at(data)
        if at is not None:
            recorded["feedback_given_at"] = at.isoformat()
            recorded["feedback_after_minutes"] = _minutes_between(facts.get(RECEIVED_AT), at)
        return recorded

    return update


def enquiries_after_receipt(facts: Facts, data: BaseModel | None) -> str | None:
    enquiries = _given(FurtherEnquiries, data)
    received = facts.get(RECEIVED_AT)
    if received and enquiries.contacted_at < datetime.fromisoformat(received):
        return f"contacted_at: cannot be before the request was received ({received})"
    return None


def enquiries_facts(facts: Facts, data: BaseModel | None) -> dict[str, Any]:
    enquiries = _given(FurtherEnquiries, data)
    before = facts.get("further_enquiries_with")
    earlier = list(before) if isinstance(before, list) else []
    return {
        "further_enquiries_with": sorted(set(earlier) | set(enquiries.contacted)),
        "further_enquiries_made": int(facts.get("further_enquiries_made") or 0) + 1,
    }


# C7: joint working and closure


def joint_working_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    joint = _given(JointWorking, data)
    return {
        "ics_met_family_on": joint.met_family_on.isoformat(),
        "joint_appointments": sorted(day.isoformat() for day in joint.joint_appointments),
        "ics_supports_php_actions": joint.ics_supports_php_actions,
        "lha_invited_to_ics_meetings": joint.lha_invited_to_ics_meetings,
        "ics_invited_to_lha_meetings": joint.ics_invited_to_lha_meetings,
    }


def closure_gate(facts: Facts, _: BaseModel | None) -> str | None:
    """Every ending: not while a professional disagreement is open (spec §7: each one is
    recorded to its resolution)."""
    if facts.get("disagreement_open"):
        return "a professional disagreement is open: record its resolution before the case closes"
    return None


def assessment_running(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("triage_decision") != "s17_assessment":
        return "no s.17 child and family assessment was accepted on this request"
    if facts.get("cf_assessment_completed"):
        return "the child and family assessment is already recorded as completed"
    return None


def lha_case_open(facts: Facts, _: BaseModel | None) -> str | None:
    if facts.get("lha_closed"):
        return "the LHA has already closed its case; advice and guidance continue"
    return None


# C8: professional disagreement (spec §7)


def agencies_working_together(facts: Facts, _: BaseModel | None) -> str | None:
    if RECEIVED_AT not in facts:
        return (
            "a professional disagreement is between the agencies working with the family: the "
            "Request for Support has not been sent to the Integrated Front Door"
        )
    if facts.get("disagreement_open"):
        return "a disagreement is already open: record each level's position, or its resolution"
    return None


def disagreement_raised(agency: str) -> FactsUpdate:
    def update(_: Facts, __: BaseModel | None) -> dict[str, Any]:
        return {"disagreement_open": True, "disagreement_raised_by": agency}

    return update


def disagreement_open(facts: Facts, _: BaseModel | None) -> str | None:
    return None if facts.get("disagreement_open") else "no disagreement is open on this case"


def first_level_is_early_help(facts: Facts) -> bool:
    """Spec §7: an ICS disagreement goes first to the Team Manager (social work) or the Unit
    Lead (Early Help): the unit lead where the request went to Intensive Early Help."""
    return facts.get("triage_decision") == "intensive_early_help"


def first_level_is_social_work(facts: Facts) -> bool:
    return not first_level_is_early_help(facts)


# Cross-district working (seed 002)


def ics_knows_the_family(facts: Facts) -> bool:
    """Children's services hear of a housing change only once the request has reached them
    (sharing needs a basis: errata 23)."""
    return RECEIVED_AT in facts


def another_district(field: str) -> Guard:
    def guard(facts: Facts, data: BaseModel | None) -> str | None:
        district = getattr(data, field, None)
        if district is not None and district == facts.get("authority"):
            return f"{field}: must be another district than the case's own"
        return None

    return guard


def local_connection_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    referral = _given(LocalConnectionReferral, data)
    return {
        "local_connection_referral_to": referral.receiving_authority,
        "local_connection_referral_accepted_on": referral.accepted_on.isoformat(),
    }


def ics_transfer_facts(_: Facts, data: BaseModel | None) -> dict[str, Any]:
    transfer = _given(IcsCaseTransfer, data)
    return {
        "ics_case_transferred_to": transfer.to_district,
        "ics_transfer_reason": transfer.reason_kind,
    }
