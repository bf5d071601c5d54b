"""What opening a care-leaver case (spec §3, Pathway B) asks for, and the checks on it.

The needs-assessment date (T17) depends on when the young person became looked after and on
any earlier weeks looked after since 14 (SI 2010/959 reg.40, reg.42(1); spec errata 13), so
a young person who is still looked after cannot be opened without them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    Strict,
    StrictBool,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from pathways.definitions.rfs_inputs import DistrictId
from pathways.definitions.youth_1617_inputs import YoungPerson, listed_once
from pathways.eligibility import (
    MAX_EARLIER_WEEKS,
    LookedAfterHistoryError,
    age_on,
    eligible_child_on,
)
from pathways.engine.inputs import (
    NEEDED_TO_SUBMIT,
    AuthorityReference,
    HappenedOn,
    RationaleText,
    StaffReference,
    StrictInput,
)
from pathways.engine.limits import limits_of
from pathways.roles import Role
from pathways.text import Text

LegalStatus = Literal[
    "looked_after_s20", "eligible_child", "relevant_child", "former_relevant_child"
]
STILL_LOOKED_AFTER: Final[frozenset[str]] = frozenset({"looked_after_s20", "eligible_child"})
"""The statuses of a young person who is looked after now, whose period of care has a start."""
_STILL_LOOKED_AFTER_WORDS: Final = "legal_status looked_after_s20 or eligible_child"


def _a_date_not_a_number(value: object) -> object:
    # Lax pydantic reads 1234567 as a Unix time; a worker who typed a number meant no date.
    if isinstance(value, int | float):
        raise PydanticCustomError("date_type", "must be a date written as YYYY-MM-DD")
    return value


OptionalDay = Annotated[date | None, BeforeValidator(_a_date_not_a_number)]
EarlierWeeks = Annotated[int, Strict(), Field(ge=0, le=MAX_EARLIER_WEEKS)]


class CareLeaverOpening01(StrictInput):
    """Version 0.1's opening input, kept for the cases already on it."""

    young_person: YoungPerson
    legal_status: LegalStatus


class CareLeaverOpening(StrictInput):
    """Version 0.2's opening input. The 16/17 intake's s.20 hand-off (outcome O3) sends
    ``{"legal_status": "looked_after_s20", "looked_after_since": ..., ...}``."""

    young_person: YoungPerson
    legal_status: LegalStatus
    looked_after_since: OptionalDay = Field(
        default=None,
        description="the day the current period of being looked after began (the s.20 "
        f"placement, or the acceptance of s.20); required for {_STILL_LOOKED_AFTER_WORDS}",
    )
    weeks_looked_after_since_14_before: EarlierWeeks = Field(
        default=0,
        description="whole weeks of earlier periods looked after since the 14th birthday, "
        "before the current one (pre-planned short breaks left out)",
    )

    def becomes_eligible_on(self) -> date | None:
        """``pathways.eligibility.eligible_child_on`` for this young person; None when there is
        no current period of care (they have left it) or they cannot be eligible before 18."""
        if self.looked_after_since is None:
            return None
        return eligible_child_on(
            self.young_person.date_of_birth,
            self.looked_after_since,
            self.weeks_looked_after_since_14_before,
        )

    @model_validator(mode="after")
    def _history_is_possible(self, info: ValidationInfo) -> Self:
        problem = self._history_problem(limits_of(info).latest_day)
        if problem is not None:
            field, kind, rule = problem
            # A nested field ("young_person.date_of_birth") is one loc part per level.
            loc = tuple(field.split("."))
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [InitErrorDetails(type=PydanticCustomError(kind, rule), loc=loc, input=None)],
                hide_input=True,
            )
        return self

    def _history_problem(self, today: date) -> tuple[str, str, str] | None:
        """(the field, the kind of problem, the rule broken), or None."""
        looked_after = self.legal_status in STILL_LOOKED_AFTER
        if not looked_after:
            given = [
                name
                for name, value in (
                    ("looked_after_since", self.looked_after_since),
                    ("weeks_looked_after_since_14_before", self.weeks_looked_after_since_14_before),
                )
                if value
            ]
            if given:
                return (
                    given[0],
                    "not_looked_after",
                    f"is only for a young person who is still looked after "
                    f"({_STILL_LOOKED_AFTER_WORDS})",
                )
            return None
        if self.looked_after_since is None:
            return (
                "looked_after_since",
                "missing",
                f"is required for {_STILL_LOOKED_AFTER_WORDS}: the needs-assessment date runs "
                "from the day the young person becomes an eligible child (SI 2010/959 reg.42(1))",
            )
        if self.looked_after_since > today:
            return (
                "looked_after_since",
                "happened_in_future",
                "is after today: a date something happened on cannot be in the future",
            )
        try:
            eligible = self.becomes_eligible_on()
        except LookedAfterHistoryError as error:
            return (error.field, "looked_after_history", error.rule)
        if self.legal_status == "eligible_child" and (eligible is None or eligible > today):
            return (
                "legal_status",
                "not_yet_eligible",
                "eligible_child needs the young person aged 16 or 17 and looked after for 13 "
                "weeks since 14 by today (Children Act 1989 Sch.2 para 19B; SI 2010/959 "
                "reg.40), which looked_after_since and weeks_looked_after_since_14_before do "
                "not give: record looked_after_s20",
            )
        return None


# --- version 1.0 --------------------------------------------------------------------------------

ResponsibleAuthority = Literal["kcc", "medway", "other"]
LegalBasis = Literal["s20", "care_order", "left_care"]
PlacementType = Literal["staying_put", "staying_close", "supported", "semi_independent", "other"]
AccommodationOption = Literal[
    "staying_put",
    "staying_close",
    "supported_accommodation",
    "social_tenancy",
    "private_tenancy",
    "family",
    "bed_and_breakfast",
]
"""Seed 004 §2.4's options as spec §3 B4 lists them; B&B only exceptionally, with a reason."""
PanelAgency = Literal[
    "housing",
    "childrens_services",
    "adult_social_care",
    "mental_health",
    "support_provider",
    "yos_probation",
]
"""Seed 004 §2.2: the key services that contribute to joint planning."""
PANEL_NEEDS: Final[frozenset[str]] = frozenset({"housing", "childrens_services"})
RiskTriggerKind = Literal[
    "rent_arrears", "anti_social_behaviour", "placement_breakdown", "release_from_custody"
]
"""Seed 004 §2.9-2.10's trigger points, and §2.6's release from custody."""
ShortNoticeReason = Literal[
    "emergency", "placement_breakdown", "provider_ended_placement", "young_persons_choice", "other"
]
ReviewReason = Literal["young_person_asked", "significant_change", "other_request"]
DutiesAtRiskKind = Literal["refused_offer", "ineligibility", "non_cooperation"]
"""Seed 004 §2.10: a risk of duties being limited."""
LhaDutyKind = Literal["prevention", "relief"]
LhaDutyEndReason = Literal[
    "accommodation_secured_6_months",
    "56_days_elapsed",
    "became_homeless",
    "contact_lost",
    "withdrew",
    "refused_suitable_accommodation",
    "intentionally_homeless_from_accommodation_provided",
    "no_longer_eligible",
    "not_cooperating",
]
"""One council's published reason-duty-ended categories (spec §8; errata 8)."""
PA_ROLES: Final[frozenset[Role]] = frozenset({"personal-adviser"})
IRO_ROLES: Final[frozenset[Role]] = frozenset({"independent-reviewing-officer"})
SupportDuty = Literal["to_21", "to_25"]

PersonalAdviser = Annotated[
    str | None, Text(80), StaffReference(roles=PA_ROLES, what="a personal adviser")
]
ReviewingOfficer = Annotated[
    str | None, Text(80), StaffReference(roles=IRO_ROLES, what="an independent reviewing officer")
]
ExceptionalReason = Annotated[str | None, Text(1000, multiline=True)]
FutureDay = Annotated[date, BeforeValidator(_a_date_not_a_number)]
"""A day that may be ahead (a planned move)."""

_BB = (
    "is needed for bed and breakfast: B&B is not suitable accommodation for care leavers and is "
    "used only in exceptional circumstances, as a last resort (seed 004 §2.4; spec §3 B6)"
)


def _one_problem(model: str, field: str, kind: str, rule: str) -> ValidationError:
    return ValidationError.from_exception_data(
        model,
        [InitErrorDetails(type=PydanticCustomError(kind, rule), loc=(field,), input=None)],
        hide_input=True,
    )


class _WithOption(StrictInput):
    """An accommodation option, with the exceptional reason B&B needs."""

    option: AccommodationOption
    bed_and_breakfast_exceptional_reason: ExceptionalReason = None

    @model_validator(mode="after")
    def _bed_and_breakfast_only_exceptionally(self) -> Self:
        if self.option == "bed_and_breakfast" and not self.bed_and_breakfast_exceptional_reason:
            raise _one_problem(
                type(self).__name__, "bed_and_breakfast_exceptional_reason", "bb_exceptional", _BB
            )
        return self


class CohortDetails(StrictInput):
    """Spec §3 Entry data: who supports the young person, where they live and the flags that
    change the plan. Recorded at opening, and again whenever they change."""

    responsible_authority: ResponsibleAuthority = Field(
        default="kcc", description="the children's services authority that looked after them"
    )
    corporate_parent: Annotated[str | None, Text(100)] = Field(
        default=None, description="the corporate parent's name, when it is another authority"
    )
    personal_adviser: PersonalAdviser = Field(
        default=None, description="the Personal Adviser (staff username)"
    )
    independent_reviewing_officer: ReviewingOfficer = Field(
        default=None, description="the IRO, while the young person is looked after (username)"
    )
    placement_type: PlacementType = "other"
    custody_or_yos: StrictBool = Field(
        default=False, description="in custody, or known to the Youth Offending Service"
    )
    pregnant: StrictBool = False
    has_children: StrictBool = Field(
        default=False, description="the young person is a parent, with a child of their own"
    )
    consent_to_share_with_lha: StrictBool = Field(
        default=False,
        description="the young person consents to children's services telling the housing "
        "authority of a risk to their home (errata 23)",
    )

    @model_validator(mode="after")
    def _corporate_parent_named(self) -> Self:
        if self.responsible_authority == "other" and not self.corporate_parent:
            raise _one_problem(
                type(self).__name__,
                "corporate_parent",
                "missing",
                "is required when the responsible authority is another corporate parent",
            )
        if self.responsible_authority != "other" and self.corporate_parent:
            raise _one_problem(
                type(self).__name__,
                "corporate_parent",
                "not_other",
                "is only for another corporate parent (responsible_authority other)",
            )
        return self


class CareLeaverOpening10(CareLeaverOpening):
    """Version 1.0's opening: 0.2's legal status and history, the cohort details, the legal
    basis and whether a former relevant child aged 21-24 has asked for support to 25.
    The 16/17 intake's s.20 hand-off sends only 0.2's fields; the rest have defaults."""

    legal_basis: LegalBasis = Field(
        default="s20",
        description="s20 or care_order while looked after; left_care for a relevant or former "
        "relevant child",
    )
    cohort: CohortDetails = Field(default_factory=CohortDetails)
    support_to_25_requested: StrictBool = Field(
        default=False,
        description="a former relevant child aged 21-24 has asked for a Personal Adviser "
        "(Children Act 1989 s.23CZB)",
    )

    def _history_problem(self, today: date) -> tuple[str, str, str] | None:
        return super()._history_problem(today) or self._cohort_problem(today)

    def _cohort_problem(self, today: date) -> tuple[str, str, str] | None:
        """The age and status gates: only a care leaver under 25 has a case here."""
        age = age_on(self.young_person.date_of_birth, today)
        looked_after = self.legal_status in STILL_LOOKED_AFTER
        if age >= 25:
            return (
                "young_person.date_of_birth",
                "over_25",
                "the young person is 25 or over: care-leaver support ends at 25 (Children Act "
                "1989 s.23CZB); use the standard LHA homelessness route",
            )
        if age < 16:
            return (
                "young_person.date_of_birth",
                "under_16",
                "the young person is under 16, so not yet a care leaver (an eligible child is "
                "16 or 17: Children Act 1989 Sch.2 para 19B); children's services plan their care",
            )
        if self.legal_status == "former_relevant_child" and age < 18:
            return (
                "legal_status",
                "not_former_relevant",
                "former_relevant_child is 18 or over (Children Act 1989 s.23C(1)); a young "
                "person of 16 or 17 who has left care is a relevant_child",
            )
        if self.legal_status != "former_relevant_child" and age >= 18:
            return (
                "legal_status",
                "not_under_18",
                f"{self.legal_status} is 16 or 17; at 18 a care leaver is a former_relevant_child "
                "(Children Act 1989 s.23C(1))",
            )
        if age >= 21 and not self.support_to_25_requested:
            return (
                "support_to_25_requested",
                "support_ended_at_21",
                "a former relevant child aged 21 to 24 has a case only if they have asked for "
                "support to 25 (Children Act 1989 s.23CZB); duties otherwise end at 21 (s.23C(6))",
            )
        if looked_after == (self.legal_basis == "left_care"):
            return (
                "legal_basis",
                "legal_basis",
                "left_care is for a relevant or former relevant child; s20 or care_order for one "
                "still looked after",
            )
        return None


class NeedsAssessment(StrictInput):
    """B1: reg.42 SI 2010/959."""

    completed_on: HappenedOn


class PathwayPlan(StrictInput):
    """B2: the pathway plan, and the Personal Adviser appointed with it."""

    agreed_on: HappenedOn
    personal_adviser: PersonalAdviser = Field(default=None, json_schema_extra=NEEDED_TO_SUBMIT)


class PlanReview(StrictInput):
    """T18: a pathway plan review held (on schedule, on request or after a change)."""

    held_on: HappenedOn


class LacReview(StrictInput):
    """While looked after: the looked-after review, which reviews the pathway plan too
    (SI 2010/959 reg.33; errata 20)."""

    held_on: HappenedOn


class PathwayPlanReviewRequest(StrictInput):
    reason: ReviewReason


class HousingRegistration(StrictInput):
    """B3: early registration; the application is activated when the young person is ready
    (seed 004 §2.9)."""

    registered_with: DistrictId = Field(description="the housing authority's directory id")
    registered_on: HappenedOn
    deferred_activation: StrictBool = True


class Pre18Panel(_WithOption):
    """B4: the multi-agency panel as the young person approaches 18 (seed 004 §2.2)."""

    held_on: HappenedOn
    attendees: Annotated[
        list[PanelAgency], Field(min_length=2), AfterValidator(listed_once("agency"))
    ]

    @model_validator(mode="after")
    def _housing_and_childrens_services_attend(self) -> Self:
        missing = sorted(PANEL_NEEDS - set(self.attendees))
        if missing:
            raise _one_problem(
                type(self).__name__,
                "attendees",
                "panel",
                "a joint panel needs housing and children's services (seed 004 §2.2 'a "
                f"joint/multi-agency panel'); missing: {', '.join(missing)}",
            )
        return self


class AccommodationPlan(_WithOption):
    """B5: the accommodation plan agreed before the 18th birthday."""

    agreed_on: HappenedOn


class ContingencyPlan(_WithOption):
    """B6: what happens if the plan fails (seed 004 §2.5)."""

    agreed_on: HappenedOn


class PlannedMove(StrictInput):
    """T19: a planned move, agreed or not yet. A move agreed with less notice than the rule
    asks is recorded with its reason, not blocked (errata 17)."""

    planned_move_on: FutureDay
    plan_agreed_on: OptionalDay = Field(default=None, description="blank if not agreed yet")
    short_notice_reason: ShortNoticeReason | None = None
    short_notice_detail: Annotated[str | None, Text(1000, multiline=True)] = None


class MoveAgreement(StrictInput):
    agreed_on: HappenedOn
    short_notice_reason: ShortNoticeReason | None = None
    short_notice_detail: Annotated[str | None, Text(1000, multiline=True)] = None


class LeftCare(StrictInput):
    """The young person ceased to be looked after: at 18, or before with the director's
    approval (SI 2010/959 reg.39(5); errata 11). Whether they had turned 18 is the case's own
    record (the 18th birthday clock), never the worker's answer."""

    ceased_on: HappenedOn


class SharingConsent(StrictInput):
    consent_to_share_with_lha: StrictBool


class RiskTrigger(StrictInput):
    """Seed 004 §2.10: a trigger point at which the parties notify one another."""

    trigger: RiskTriggerKind
    on: HappenedOn


class DutyToRefer(StrictInput):
    """B7: s.213B Housing Act 1996. The young person chooses the housing authority, any in
    England (Code ch.4; errata 16), and consents to the referral and to their contact details
    being passed on (Code 4.1)."""

    situation: Literal["threatened_within_56_days", "homeless"]
    consent_to_refer: StrictBool
    consent_to_share_contact_details: StrictBool
    chosen_authority: Annotated[str | None, Text(40), AuthorityReference()] = Field(
        default=None, description="a housing authority in the directory (its id)"
    )
    other_authority: Annotated[str | None, Text(100)] = Field(
        default=None, description="any other housing authority in England, by name"
    )
    referred_on: HappenedOn

    @model_validator(mode="after")
    def _one_authority(self) -> Self:
        if (self.chosen_authority is None) == (self.other_authority is None):
            raise _one_problem(
                type(self).__name__,
                "chosen_authority",
                "one_authority",
                "give the housing authority the young person chose: chosen_authority (in the "
                "directory) or other_authority (any other in England), one of them",
            )
        return self


class ReferralAcknowledged(StrictInput):
    acknowledged_on: HappenedOn


class LhaDutyOpened(StrictInput):
    duty: LhaDutyKind
    satisfied_on: HappenedOn


class PersonalisedHousingPlan(StrictInput):
    """s.189A: the PHP, informed by the pathway plan, with the PA's input (seed 004 §2.10)."""

    agreed_on: HappenedOn
    informed_by_pathway_plan: StrictBool
    personal_adviser_input: StrictBool


class LhaDutyEnded(StrictInput):
    ended_on: HappenedOn
    reason: LhaDutyEndReason


class DutiesAtRisk(StrictInput):
    """B9: a risk that duties will end; an intentionality decision needs joint senior
    sign-off (seed 004 §2.10), so it goes to Pathway D."""

    risk: DutiesAtRiskKind
    application_made_on: HappenedOn


class SupportTo25(StrictInput):
    """s.23CZB: the young person asks for a Personal Adviser to 25."""

    asked_on: HappenedOn


class YoungPersonRequest(StrictInput):
    """The young person asked to end support before 21 or 25."""

    asked_on: HappenedOn
    rationale: RationaleText
