"""What each step of the 16/17 intake pathway (spec §2) asks the worker to record.

People go in ``PersonDetails`` fields, which the engine keeps only in Person rows. Everything
else is coded (no free-text narrative), because it becomes case facts that rules and
auditors read.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, EmailStr, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from pathways.calendar import london_date
from pathways.eligibility import DateOfBirthError, check_date_of_birth
from pathways.engine.inputs import ConsentGiven, PersonDetails, StrictInput

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


class YoungPerson(PersonDetails):
    """The young person: the age gate needs the date of birth, so it is required here."""

    date_of_birth: date


class Intake(StrictInput):
    """A1: the young person's first enquiry (spec §2 "Entry data").

    ``enquiry_received_at`` is when they first asked for help: the 24-hour joint-visit clock
    (T01) and the same-day emergency clock (T02) run from it, and the age gate measures age
    on its date. The dashboard and CLI fill it with the clock time; a worker recording an
    out-of-hours contact the next morning enters the real time of the contact.
    """

    enquiry_received_at: AwareDatetime
    young_person: YoungPerson
    parent_or_pr_holder: PersonDetails
    slept_last_night: SleptLastNight
    safe_tonight: bool
    known_to_ics: bool
    ics_case_reference: str | None = Field(
        default=None, max_length=40, description="the ICS case reference only, never details"
    )
    young_person_consent: ConsentGiven
    parent_consent: ConsentGiven
    approached: Approach
    care_leaver: bool = Field(default=False, description="only used to route an 18+ applicant")
    referrer_email: EmailStr | None = None

    @field_validator("young_person")
    @classmethod
    def _date_of_birth_is_possible(cls, value: YoungPerson, info: ValidationInfo) -> YoungPerson:
        received = info.data.get("enquiry_received_at")
        if received is None:
            return value  # the enquiry time has its own error
        try:
            check_date_of_birth(value.date_of_birth, london_date(received))
        except DateOfBirthError as error:
            raise PydanticCustomError("date_of_birth", str(error)) from error
        return value

    @field_validator("ics_case_reference")
    @classmethod
    def _reference_only_when_known(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value and not info.data.get("known_to_ics", False):
            raise PydanticCustomError(
                "known_to_ics", "an ICS case reference needs known_to_ics to be true"
            )
        return value or None


class EmergencyPlacement(StrictInput):
    """A1a: where the young person is placed tonight. B&B needs a recorded exception."""

    placed_at: AwareDatetime
    accommodation: Accommodation
    bb_exceptional_reason: str | None = Field(default=None, max_length=1000)
    bb_authorised_by: str | None = Field(
        default=None, max_length=80, description="the manager who authorised B&B (staff username)"
    )

    @field_validator("bb_exceptional_reason", "bb_authorised_by")
    @classmethod
    def _blank_is_missing(cls, value: str | None) -> str | None:
        return value or None


class JointVisit(StrictInput):
    """A2: the visit must see the family and the young person [S000]."""

    saw_family: bool
    saw_young_person: bool


class CafPlan(StrictInput):
    """A3: the CAF / Early Help action plan and the domains it supports [S000]."""

    plan: Literal["caf_action_plan", "early_help_plan"]
    support_domains: list[SupportDomain] = Field(min_length=1)

    @field_validator("support_domains")
    @classmethod
    def _each_once(cls, value: list[SupportDomain]) -> list[SupportDomain]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("unique", "each support domain may be listed once")
        return value


class PreventionDuty(StrictInput):
    """A3: the LHA is satisfied the young person is threatened with homelessness and eligible."""

    satisfied_on: date
    personalised_housing_plan_agreed: bool


class DutyEnded(StrictInput):
    duty_outcome: DutyOutcome


class Ending(StrictInput):
    """Any ending: if the LHA opened a duty whose outcome is not yet recorded, record it here."""

    duty_outcome: DutyOutcome | None = None


class HomeMeeting(StrictInput):
    """A4: whether support was taken up and what progress was made [S000]."""

    support_taken_up: bool
    progress: Progress


class Review(HomeMeeting):
    """A5: a review also decides whether the package is effective."""

    package_effective: bool


class ReferralDecision(StrictInput):
    """T07: the ICS decision on the type of response."""

    decision: ReferralResponse
    rationale: str = Field(min_length=1, max_length=4000)


class AssessmentCompleted(StrictInput):
    """A6: the outcome of the child and family assessment."""

    decision: AssessmentOutcome
    rationale: str = Field(min_length=1, max_length=4000)


class S20Declined(Ending):
    """A7: a decline counts only after full advice and an offer of advocacy [O-GD]."""

    advice_given: bool
    advocacy_offered: bool


class BackToHomeAuthority(Ending):
    """A8: the home authority (an authority's name, never an address)."""

    home_authority: str = Field(min_length=1, max_length=100)
