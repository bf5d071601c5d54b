"""What each step of the 16/17 intake pathway (spec §2) asks the worker to record.

People go in ``PersonDetails`` fields, which the engine keeps only in Person rows. Everything
else is coded (no free-text narrative), because it becomes case facts that rules and
auditors read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    EmailStr,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from pathways.calendar import london_date
from pathways.eligibility import MAX_PLAUSIBLE_AGE, age_on
from pathways.engine.inputs import (
    AuthorityReference,
    BirthDate,
    ConsentGiven,
    HappenedAt,
    HappenedOn,
    OptionalBirthDate,
    PersonDetails,
    RationaleText,
    StaffReference,
    StrictInput,
)
from pathways.engine.limits import limits_of
from pathways.roles import ICS_ROLES, LHA_ROLES, MANAGER_ROLES
from pathways.text import Text

SleptLastNight = Literal[
    "family_home",
    "relative_or_friend",
    "sofa_surfing",
    "rough_sleeping",
    "emergency_accommodation",
    "other",
    "not_known",
]
Approach = Literal[
    "housing_options", "childrens_services", "co_located_team", "duty_to_refer", "partner_referral"
]
Accommodation = Literal[
    "foster_placement",
    "supported_lodgings",
    "supported_accommodation",
    "nightstop",
    "bed_and_breakfast",
    "other",
]
# The stresses a CAF action plan addresses [S000]; health is a code here, never a description.
SupportDomain = Literal[
    "behaviour_asb",
    "physical_or_mental_ill_health",
    "drugs_or_alcohol",
    "debt",
    "no_occupation_or_paid_work",
]
Progress = Literal["improving", "no_change", "worsening"]
AssessmentOutcome = Literal["child_in_need_support", "s20_offer", "s47_significant_harm"]
ReferralResponse = Literal["child_and_family_assessment", "strategy_discussion"]
# Reasons a prevention or relief duty ended, as one council publishes them [TEIGN]. Errata 8:
# the official H-CLIC list is not public, so this mapping is a configurable default.
DutyOutcome = Literal[
    "accommodation_secured_6_months_existing",
    "accommodation_secured_6_months_alternative",
    "56_days_elapsed",
    "became_homeless",
    "contact_lost",
    "withdrew_or_deceased",
    "refused_suitable_accommodation",
    "intentionally_homeless_from_accommodation_provided",
    "no_longer_eligible",
    "not_cooperating",
]


def listed_once(what: str) -> Callable[[list[str]], list[str]]:
    def check(value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("unique", f"each {what} may be listed once")
        return value

    return check


class YoungPerson(PersonDetails):
    """The young person: the age gate needs the date of birth, so it is required here."""

    date_of_birth: BirthDate


class ParentDetails(PersonDetails):
    """A parent or holder of parental responsibility; the date of birth is optional."""

    date_of_birth: OptionalBirthDate = None


def _problem(location: tuple[str, ...], kind: str, message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=location, input=value)


class Intake(StrictInput):
    """A1: the young person's first enquiry (spec §2 "Entry data").

    ``enquiry_received_at`` is when they first asked for help: the 24-hour joint-visit clock
    (T01) and the same-day emergency clock (T02) run from it, and the age gate measures age
    on its date. The dashboard and CLI fill it with the clock time; a worker recording an
    out-of-hours contact the next morning enters the real time of the contact.
    """

    enquiry_received_at: HappenedAt
    young_person: YoungPerson
    parent_or_pr_holder: ParentDetails
    slept_last_night: SleptLastNight
    safe_tonight: StrictBool
    known_to_ics: StrictBool
    ics_case_reference: Annotated[str | None, Text(40)] = Field(
        default=None, description="the ICS case reference only, never details"
    )
    young_person_consent: ConsentGiven
    parent_consent: ConsentGiven
    approached: Approach
    care_leaver: StrictBool = Field(
        default=False, description="only used to route an 18+ applicant"
    )
    referrer_email: EmailStr | None = None

    @field_validator("ics_case_reference")
    @classmethod
    def _reference_only_when_known(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value and not info.data.get("known_to_ics", False):
            raise PydanticCustomError(
                "known_to_ics", "an ICS case reference needs known_to_ics to be true"
            )
        return value or None

    @model_validator(mode="after")
    def _dates_of_birth_are_possible(self, info: ValidationInfo) -> Self:
        """Each refusal is filed under the field it is about, so a wrong enquiry date is not
        reported as a wrong date of birth."""
        day = london_date(self.enquiry_received_at)
        born = self.young_person.date_of_birth
        problems: list[InitErrorDetails] = []
        if born > day:
            problems.append(
                _problem(
                    ("enquiry_received_at",),
                    "enquiry_before_birth",
                    "is before the young person's date of birth: check the enquiry date",
                    self.enquiry_received_at,
                )
            )
        elif age_on(born, day) > MAX_PLAUSIBLE_AGE:
            problems.append(
                _problem(
                    ("young_person", "date_of_birth"),
                    "date_of_birth_implausible",
                    f"gives an age over {MAX_PLAUSIBLE_AGE} on the enquiry date, which is not "
                    "possible: check the date",
                    born,
                )
            )
        parent_born = self.parent_or_pr_holder.date_of_birth
        gap = limits_of(info).min_parent_age_gap_years
        if parent_born is not None and (parent_born > born or age_on(parent_born, born) < gap):
            problems.append(
                _problem(
                    ("parent_or_pr_holder", "date_of_birth"),
                    "parent_too_young",
                    f"must be at least {gap} years before the young person's date of birth: "
                    "check both dates",
                    parent_born,
                )
            )
        elif parent_born is not None and age_on(parent_born, max(day, born)) > MAX_PLAUSIBLE_AGE:
            problems.append(
                _problem(
                    ("parent_or_pr_holder", "date_of_birth"),
                    "date_of_birth_implausible",
                    f"gives an age over {MAX_PLAUSIBLE_AGE} on the enquiry date, which is not "
                    "possible: check the date",
                    parent_born,
                )
            )
        if problems:
            raise ValidationError.from_exception_data(
                type(self).__name__, problems, hide_input=True
            )
        return self


class EmergencyPlacement(StrictInput):
    """A1a: where the young person is placed tonight. B&B needs a recorded exception."""

    placed_at: HappenedAt
    accommodation: Accommodation
    bb_exceptional_reason: Annotated[str | None, Text(1000, multiline=True)] = None
    bb_authorised_by: Annotated[str | None, Text(80)] = Field(
        default=None, description="the manager who authorised B&B (staff username)"
    )


class JointVisit(StrictInput):
    """A2: the visit must see the family and the young person [S000]."""

    saw_family: StrictBool
    saw_young_person: StrictBool


class CafPlan(StrictInput):
    """A3: the CAF / Early Help action plan and the domains it supports [S000]."""

    plan: Literal["caf_action_plan", "early_help_plan"]
    support_domains: Annotated[
        list[SupportDomain], Field(min_length=1), AfterValidator(listed_once("support domain"))
    ]


class PreventionDuty(StrictInput):
    """A3: the LHA is satisfied the young person is threatened with homelessness and eligible."""

    satisfied_on: HappenedOn
    personalised_housing_plan_agreed: StrictBool


class DutyEnded(StrictInput):
    duty_outcome: DutyOutcome


class Ending(StrictInput):
    """Any ending: if the LHA opened a duty whose outcome is not yet recorded, record it here."""

    duty_outcome: DutyOutcome | None = None


class HomeMeeting(StrictInput):
    """A4: whether support was taken up and what progress was made [S000]."""

    support_taken_up: StrictBool
    progress: Progress


class Review(HomeMeeting):
    """A5: a review also decides whether the package is effective."""

    package_effective: StrictBool


class ReferralDecision(StrictInput):
    """T07: the ICS decision on the type of response."""

    decision: ReferralResponse
    rationale: RationaleText


class AssessmentCompleted(StrictInput):
    """A6: the outcome of the child and family assessment."""

    decision: AssessmentOutcome
    rationale: RationaleText


class S20Declined(Ending):
    """A7: a decline counts only after full advice and an offer of advocacy [O-GD]."""

    advice_given: StrictBool
    advocacy_offered: StrictBool


class BackToHomeAuthority(Ending):
    """A8: the home authority (an authority's name, never an address)."""

    home_authority: Annotated[str, Text(100)]


# Version 1.1 (issue #9): the inputs its corrected steps ask for. The 1.0 models above stay as
# they are for the cases still running on 1.0.

# Seed 000's stresses, in its words; health is a code here, never a description.
CAF_STRESS_AREAS: Final[dict[str, str]] = {
    "criminal_antisocial_or_intolerable_family_behaviour": (
        "criminal, anti-social or intolerable behaviours of family members"
    ),
    "physical_or_mental_ill_health": "physical or mental ill health",
    "drugs_or_alcohol": "drug or alcohol abuse",
    "debt": "debt and money problems",
    "no_occupation_or_paid_work": "lack of meaningful occupation or paid employment",
}
StressArea = Literal[
    "criminal_antisocial_or_intolerable_family_behaviour",
    "physical_or_mental_ill_health",
    "drugs_or_alcohol",
    "debt",
    "no_occupation_or_paid_work",
]
Whose = Literal["young_person", "parent"]
DistrictId = Annotated[str, Text(40), AuthorityReference()]


class Placement(EmergencyPlacement):
    """A1a (1.1): the placement also records the district it is in. A B&B authoriser must be a
    manager on the staff list (checked by the application against the staff records) of the
    agency making the placement: children's services for s.20, housing for s.188."""

    district: DistrictId = Field(description="the directory id of the district it is in")
    bb_authorised_by: Annotated[
        str | None,
        Text(80),
        StaffReference(roles=MANAGER_ROLES & ICS_ROLES, what="a children's services manager"),
    ] = Field(default=None, description="the manager who authorised B&B (staff username)")


class HousingPlacement(Placement):
    """A1a under s.188: the housing authority's own manager authorises B&B."""

    bb_authorised_by: Annotated[
        str | None,
        Text(80),
        StaffReference(roles=MANAGER_ROLES & LHA_ROLES, what="a housing manager"),
    ] = Field(default=None, description="the manager who authorised B&B (staff username)")


class S20Ended(StrictInput):
    """A1a: when the s.20 placement ended; looked-after status turns on it (s.22(2))."""

    ended_at: HappenedAt


class MovedOn(StrictInput):
    """Out of bed and breakfast into other accommodation."""

    moved_at: HappenedAt
    accommodation: Accommodation


class NoticeSent(StrictInput):
    """s.208(4): the day the officer gave the host authority the written notice."""

    sent_on: HappenedOn


class CafPlanAgreed(StrictInput):
    """A3 (1.1): the CAF / Early Help action plan and the stresses it addresses [S000]."""

    plan: Literal["caf_action_plan", "early_help_plan"]
    stress_areas: Annotated[
        list[StressArea], Field(min_length=1), AfterValidator(listed_once("stress area"))
    ]


class ConsentChange(StrictInput):
    """A consent given after the intake, or withdrawn: its own recorded step (errata 15)."""

    whose: Whose
    consent: ConsentGiven


class ConsentOverride(StrictInput):
    """The safeguarding lead's decision to go ahead without consent (spec §0.4; seed 002)."""

    significant_harm_concern: StrictBool
    rationale: RationaleText


class ReliefDuty(PreventionDuty):
    """s.189B: the LHA is satisfied the young person is homeless and eligible."""


class PriorityNeedDecision(StrictInput):
    """s.184: the housing authority's own decision on priority need [SH-1617]."""

    priority_need: StrictBool
    decided_on: HappenedOn
    rationale: RationaleText


class CeasingToLookAfter(StrictInput):
    """reg.39 SI 2010/959: the assessments are done and the director (or nominee) approves."""

    reg39_assessments_completed: StrictBool
    rationale: RationaleText


class ChildrensServicesTransfer(Ending):
    """A8 for a looked-after young person: their home authority's children's services take over."""

    home_authority: Annotated[str, Text(100)]
    receiving_childrens_services: Annotated[str, Text(100)]
    receiving_authority_agreed: StrictBool


class S20Refused(StrictInput):
    """A7 (1.1): a refusal counts only after full advice and an offer of advocacy [O-GD]."""

    advice_given: StrictBool
    advocacy_offered: StrictBool


class S20Accepted(Ending):
    """A7 (1.1): s.20 accepted; the day accommodation under s.20 began (or begins) counts
    towards the 13 weeks that make an eligible child (reg.40 SI 2010/959)."""

    accommodated_from: HappenedOn
