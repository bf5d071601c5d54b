"""What each step of a Request for Support (spec §4 Pathway C; seed 002) asks the worker to record.

The RFS content's mandatory items are optional here, one by one: a request that leaves some out
is refused once by the ``rfs_complete`` gate, which names every missing item, rather than item
by item as the model would. The household members are ``HouseholdMember`` rows (personal data,
kept only in Person rows); everything else the rules read is coded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    EmailStr,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pathways.definitions.youth_1617_inputs import listed_once
from pathways.engine.inputs import (
    NEEDED_TO_SUBMIT,
    AuthorityReference,
    ConsentGiven,
    HappenedAt,
    HappenedOn,
    HouseholdMember,
    OptionalDate,
    RationaleText,
    StrictInput,
)
from pathways.engine.limits import CONTEXT_KEY, InputLimits
from pathways.text import Text

Prose = Annotated[str | None, Text(2000, multiline=True)]
"""A section of the request: prose, or None when it is left out (the gate names it)."""
AttachmentReference = Annotated[str | None, Text(80)]
"""A reference to a document kept elsewhere (never the document)."""
ATTACHMENT_HINT: Final = (
    "where the document is kept, never the document; needed unless no duty is owed"
)
DistrictId = Annotated[str, Text(40), AuthorityReference()]
DutyOwed = Literal["prevention", "relief", "main", "none"]
ConsentConcern = Literal["s47_significant_harm", "other_significant_impact"]
Contacted = Literal["referrer", "parent", "agency_checks"]
EscalationLevel = Literal[
    "senior_officer",
    "team_manager",
    "early_help_unit_lead",
    "service_manager",
    "assistant_director",
    "lha_top_level",
]
"""The levels of spec §7's three chains, as a worker names the one that took a position."""
SUPPORT_LEVELS: Final = (1, 2, 3, 4)
RFS_PURPOSE: Final = "Request for Support: intensive Early Help / s.17 assessment"
OPEN_ACCESS_PURPOSE: Final = "Early Help Open Access (Level 1-2 services)"


def _a_level_not_a_flag(value: object) -> object:
    # Lax pydantic reads true as 1 and 3.0 as 3; a support level is a whole number 1-4.
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("support_level", "must be a Support Level: 1, 2, 3 or 4")
    return value


SupportLevel = Annotated[Literal[1, 2, 3, 4], BeforeValidator(_a_level_not_a_flag)]


class Stamped(StrictInput):
    """An input whose step records when it was made: the application clock as the move is
    judged, which is the event's own time when the flow applies it (``InputLimits.now``).

    Not a field: a worker does not type the time a request was received or feedback given,
    so the KPI of spec §4 (receipt to feedback) cannot be written by hand. A move judged
    without a clock (a page listing the moves open now) has no time, and records none."""

    _judged_at: datetime | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _read_the_clock(self, info: ValidationInfo) -> Self:
        context = info.context if isinstance(info.context, dict) else {}
        limits = context.get(CONTEXT_KEY)
        self._judged_at = limits.now if isinstance(limits, InputLimits) else None
        return self

    @property
    def judged_at(self) -> datetime | None:
        return self._judged_at


class ThresholdCheck(StrictInput):
    """C0-C1: the Support Level the housing officer judges the family's needs to be at
    (Kent Support Level Guidance), any safeguarding concern, and the talk with the parents
    that comes first "unless that would put the child at risk" [K-FD]."""

    support_level: SupportLevel = Field(title="Support Level (Kent Support Level Guidance)")
    safeguarding_concern: StrictBool = Field(title="Is there a safeguarding concern?")
    nrpf_family_with_children: StrictBool = Field(
        title="Family with no recourse to public funds (NRPF) with children",
        description="a family with children who have no recourse to public funds (seed 002)",
    )
    spoke_to_parents: StrictBool = Field(title="Did you speak to the parents first?")
    why_not_spoken_to_parents: Annotated[str | None, Text(1000, multiline=True)] = Field(
        default=None,
        title="Why the parents were not spoken to first",
        description="needed when the parents were not spoken to first (C0)",
    )
    consulted_safeguarding_lead: StrictBool = Field(title="Did you consult your safeguarding lead?")

    @model_validator(mode="after")
    def _parents_first(self) -> Self:
        if not self.spoke_to_parents and self.why_not_spoken_to_parents is None:
            raise PydanticCustomError(
                "why_not",
                "why_not_spoken_to_parents: give the reason; only where talking to them first "
                "would put the child at risk (C0)",
            )
        return self


class RfsConsent(ConsentGiven):
    """C2: the family's consent to the request, recorded as a consent record (spec §0.4);
    seed 002 and errata 15: it is needed for Intensive Early Help and an s.17 assessment."""

    purpose: Literal["Request for Support: intensive Early Help / s.17 assessment"] = Field(
        default=RFS_PURPOSE, title="What the consent is for"
    )
    given: StrictBool = Field(title="Does the family consent to the request?")
    scope: Annotated[str, Text(500, multiline=True, allow_blank=True)] = Field(
        default="",
        title="What the family agreed may be shared, and with whom",
        description="needed when the family consents",
    )


class OpenAccessConsent(ConsentGiven):
    """C1: the family's consent to Early Help Open Access (seed 002: "with consent from the
    family")."""

    purpose: Literal["Early Help Open Access (Level 1-2 services)"] = Field(
        default=OPEN_ACCESS_PURPOSE, title="What the consent is for"
    )
    given: StrictBool = Field(title="Does the family consent to Early Help Open Access?")
    scope: Annotated[str, Text(500, multiline=True, allow_blank=True)] = Field(
        default="", title="What the family agreed to (optional)"
    )


class OpenAccessAnswer(StrictInput):
    """C1 at Levels 1-2: the family's answer to Early Help Open Access, kept as a consent
    record whichever it is (a refusal is a consent not given)."""

    family_consent: OpenAccessConsent = Field(title="The family's consent")


class RfsContent(Stamped):
    """C3: the request itself, with every item seed 002 asks for ("the referrer should
    complete all sections of the form") and the explicit consent status."""

    household_members: list[HouseholdMember] = Field(
        default_factory=list,
        title="Household members",
        description="every member: name, date of birth, contact details",
        json_schema_extra=NEEDED_TO_SUBMIT,
    )
    synopsis: Prose = Field(default=None, title="Synopsis", json_schema_extra=NEEDED_TO_SUBMIT)
    complicating_factors: Prose = Field(
        default=None, title="Complicating factors", json_schema_extra=NEEDED_TO_SUBMIT
    )
    duty_owed: DutyOwed = Field(title="Homelessness duty owed")
    duty_ends_on: OptionalDate = Field(
        default=None,
        title="Date the 56-day duty ends",
        description="needed for the prevention or relief duty",
    )
    lha_next_steps: Prose = Field(
        default=None,
        title="The LHA's next steps",
        description="needed for the prevention or relief duty",
    )
    interventions_tried: Prose = Field(
        default=None, title="Interventions tried", json_schema_extra=NEEDED_TO_SUBMIT
    )
    impact_of_interventions: Prose = Field(
        default=None, title="Impact of the interventions", json_schema_extra=NEEDED_TO_SUBMIT
    )
    agencies_involved: Prose = Field(
        default=None, title="Agencies involved", json_schema_extra=NEEDED_TO_SUBMIT
    )
    referrer_name: Annotated[str | None, Text(200)] = Field(
        default=None, title="Referrer's name", json_schema_extra=NEEDED_TO_SUBMIT
    )
    referrer_email: EmailStr | None = Field(
        default=None, title="Referrer's email address", json_schema_extra=NEEDED_TO_SUBMIT
    )
    referrer_phone: Annotated[str | None, Text(40)] = Field(
        default=None, title="Referrer's phone number", json_schema_extra=NEEDED_TO_SUBMIT
    )
    s184_letter_reference: AttachmentReference = Field(
        default=None,
        title="s.184 decision letter reference",
        description=ATTACHMENT_HINT,
    )
    assessment_reference: AttachmentReference = Field(
        default=None,
        title="Assessment of circumstances and needs reference",
        description=ATTACHMENT_HINT,
    )
    php_reference: AttachmentReference = Field(
        default=None, title="Personalised housing plan (PHP) reference", description=ATTACHMENT_HINT
    )
    family_consent: RfsConsent = Field(title="The family's consent")


class ConsentOverrideDecision(Stamped):
    """C2: the safeguarding lead's decision that the impact on the children is so significant
    that the request goes without consent (seed 002; spec §0.4 [DfE-IS])."""

    concern: ConsentConcern
    rationale: RationaleText


class FurtherEnquiries(StrictInput):
    """C4: "further enquiries and agency checks ... a discussion with the referrer and/or the
    parent" (seed 002)."""

    contacted: Annotated[
        list[Contacted], Field(min_length=1), AfterValidator(listed_once("contact"))
    ]
    contacted_at: HappenedAt
    note: Annotated[str, Text(2000, multiline=True)]


class TriageDecision(Stamped):
    """C5: the IFD's triage decision; the step says which. Its time is the feedback's (C6)."""

    note: Annotated[str | None, Text(2000, multiline=True)] = None


class JointWorking(StrictInput):
    """C7: the joint working seed 002 describes once a request is accepted."""

    met_family_on: HappenedOn = Field(description="the day the ICS practitioner met the family")
    joint_appointments: Annotated[
        list[HappenedOn], AfterValidator(listed_once("appointment date"))
    ] = Field(default_factory=list)
    ics_supports_php_actions: StrictBool
    lha_invited_to_ics_meetings: StrictBool
    ics_invited_to_lha_meetings: StrictBool


class Disagreement(StrictInput):
    """C8: a professional disagreement; the agency raising it is the step's, never typed."""

    issue: Annotated[str, Text(2000, multiline=True)]
    lha_position: Annotated[str, Text(2000, multiline=True)]
    ics_position: Annotated[str, Text(2000, multiline=True)]


class EscalationPosition(StrictInput):
    """§7: "Each step: record the issue, the position of each party ... and the resolution"."""

    level: EscalationLevel
    lha_position: Annotated[str, Text(2000, multiline=True)]
    ics_position: Annotated[str, Text(2000, multiline=True)]
    note: Annotated[str | None, Text(2000, multiline=True)] = None


class Resolution(StrictInput):
    resolution: Annotated[str, Text(2000, multiline=True)]


class LocalConnectionReferral(StrictInput):
    """s.198 Housing Act 1996: the district that accepted the family's local-connection referral."""

    receiving_authority: DistrictId = Field(description="the directory id of that district")
    accepted_on: HappenedOn


class IcsCaseTransfer(StrictInput):
    """Seed 002: ICS transfers its case to the district housing the family, "on an individual,
    case-by-case basis" (domestic abuse, family ties)."""

    to_district: DistrictId = Field(description="the directory id of the district")
    reason_kind: Literal["domestic_abuse", "family_ties", "other"]
    reason: Annotated[str, Text(1000, multiline=True)]


def judged_at(data: Any) -> datetime | None:
    """When a stamped input's move was judged, or None (no clock, or no stamped input)."""
    return data.judged_at if isinstance(data, Stamped) else None
