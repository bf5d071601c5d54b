"""What each step of the intentional-homelessness pathway (spec §5, Pathway D) asks the worker
to record. The applicant's name and date of birth go in ``PersonDetails`` (Person rows only);
the rest is coded, because it becomes case facts that rules and auditors read."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, StrictBool, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from pathways.deadlines import RULES, check_amount
from pathways.engine.inputs import (
    BirthDate,
    HappenedOn,
    OptionalDate,
    PersonDetails,
    RationaleText,
    StaffReference,
    StrictInput,
)
from pathways.text import Text

Trigger = Literal["minded_to_find_intentional", "final_offer_refused", "duties_likely_to_end"]
ReviewKind = Literal["eight_weeks", "three_weeks", "local_connection", "appointed_person"]
REVIEW_DEFAULT_DAYS = RULES["review-request"].default
NOTICE_DEFAULT_DAYS = RULES["ih-reasonable-notice"].default


class Applicant(PersonDetails):
    """The applicant: the care-leaver cohort turns on their age, so the date is required."""

    date_of_birth: BirthDate


class Referral(StrictInput):
    """D1: the trigger, the cohort check and, for a family, the s.213A invitation."""

    applicant: Applicant
    trigger: Trigger
    application_made_on: HappenedOn = Field(
        description="the day the homelessness application was made"
    )
    household_has_children: StrictBool
    care_leaver: StrictBool
    # What the ICS record says, for the Children Act definitions (s.23A(2), s.23C(1)).
    looked_after_now: StrictBool = False
    was_eligible_child_when_last_ceased: StrictBool = False
    looked_after_and_eligible_at_18: StrictBool = False
    relevant_child_at_18: StrictBool = False
    personal_adviser: Annotated[
        str | None,
        Text(80),
        StaffReference(roles=frozenset({"personal-adviser"}), what="a personal adviser"),
    ] = None
    corporate_parent: Annotated[str | None, Text(100)] = Field(
        default=None,
        description="another authority's children's services, for a care leaver from another area",
    )
    s213a_consent_invited: StrictBool = False
    s213a_consent_given: StrictBool | None = None

    @model_validator(mode="after")
    def _in_the_cohort(self) -> Self:
        if not (self.care_leaver or self.household_has_children):
            raise PydanticCustomError(
                "cohort",
                "care_leaver, household_has_children: the joint sign-off pathway is for a care "
                "leaver or a household with children (seed 004 §2.10; seed 002)",
            )
        if self.household_has_children and not self.s213a_consent_invited:
            raise PydanticCustomError(
                "s213a",
                "s213a_consent_invited: a household with children is invited to consent to a "
                "referral to social services first (Housing Act 1996 s.213A)",
            )
        if self.s213a_consent_given is not None and not self.s213a_consent_invited:
            raise PydanticCustomError(
                "s213a", "s213a_consent_given: record the invitation (s213a_consent_invited) first"
            )
        return self


class JointReview(StrictInput):
    """D2: the four items of the seed 004 template, each as a short record of what was agreed."""

    steps_and_support_in_place: Annotated[str, Text(2000, multiline=True)]
    interventions_to_avoid_finding: Annotated[str, Text(2000, multiline=True)]
    accommodation_plan_if_found: Annotated[str, Text(2000, multiline=True)]
    joint_plan_for_future_needs: Annotated[str, Text(2000, multiline=True)]


class CorporateParentSignOff(StrictInput):
    """D3 for a care leaver from another area: the corporate parent's written sign-off."""

    document_reference: Annotated[str, Text(80)]
    signed_on: HappenedOn


def _amount(field: str, rule_id: str, amount: int) -> None:
    refusal = check_amount(rule_id, amount)
    if refusal is not None:
        raise PydanticCustomError("amount", f"{field}: {refusal}")


class Decision(StrictInput):
    """D4: the s.184 decision in writing, with reasons and the review right (spec §0.2)."""

    decided_on: HappenedOn
    deemed_notified_on: HappenedOn
    review_period_days: StrictInt = Field(
        default=REVIEW_DEFAULT_DAYS,
        description="the period the letter gives to ask for a review: 21 (s.202(3)) or longer",
    )
    letter_reference: Annotated[str, Text(80)]

    @model_validator(mode="after")
    def _dates_and_period(self) -> Self:
        if self.deemed_notified_on < self.decided_on:
            raise PydanticCustomError("notified", "deemed_notified_on: cannot be before decided_on")
        _amount("review_period_days", "review-request", self.review_period_days)
        return self


class JointMessage(StrictInput):
    """D5: the joint message to the family [S002]."""

    advised_accept_offer: StrictBool
    advised_request_review: StrictBool


class ReasonableNotice(StrictInput):
    """D9: accommodation for a reasonable period (s.190(2)(a)); 28 days unless a reason."""

    notice_given_on: HappenedOn
    priority_need_established: StrictBool
    notice_days: StrictInt = NOTICE_DEFAULT_DAYS
    reason: Annotated[str | None, Text(1000, multiline=True)] = None
    share_with_ics_override_rationale: Annotated[str | None, Text(1000, multiline=True)] = Field(
        default=None,
        description="without the family's s.213A consent: why the date is shared anyway",
    )

    @model_validator(mode="after")
    def _reason_for_a_change(self) -> Self:
        _amount("notice_days", "ih-reasonable-notice", self.notice_days)
        if self.notice_days != NOTICE_DEFAULT_DAYS and not self.reason:
            raise PydanticCustomError(
                "reason",
                f"reason: a notice other than {NOTICE_DEFAULT_DAYS} days needs a recorded "
                "reason (spec §10 C8: no blanket period)",
            )
        return self


class ReviewRequest(StrictInput):
    """D6: the applicant asked for a review; its kind sets the decision period (reg.9)."""

    requested_on: HappenedOn
    kind: ReviewKind = "eight_weeks"


class ReviewExtension(StrictInput):
    """reg.9(2): a longer period agreed in writing by the applicant and the reviewer."""

    agreed_in_writing: StrictBool
    extended_to: OptionalDate

    @model_validator(mode="after")
    def _agreed(self) -> Self:
        if not self.agreed_in_writing:
            raise PydanticCustomError(
                "writing",
                "agreed_in_writing: an extension must be agreed in writing between the "
                "applicant and the reviewer (SI 2018/223 reg.9(2))",
            )
        if self.extended_to is None:
            raise PydanticCustomError("extended_to", "extended_to: give the agreed date")
        return self


class ReviewDecision(StrictInput):
    """D7: the review's outcome and when the applicant was notified of it."""

    notified_on: HappenedOn
    rationale: RationaleText
