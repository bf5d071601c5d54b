"""``GET /api/cases/{ref}/people`` (the names, dates of birth and contact details, for staff who
work the case; each call is audited) and ``GET /api/cases/{ref}/people/reads`` (who has read
them, for an auditor)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from application.case_people import show_people
from application.read_log import show_readers
from dashboard.api.case_reads import CaseRef
from dashboard.api.problems import error_responses, refused
from dashboard.api.schemas import Public
from dashboard.viewer import ApiViewer
from pathways.refusal import Refusal

router = APIRouter(tags=["personal data"])


class PersonPublic(Public):
    relationship: str = Field(
        description="young_person, parent_or_pr_holder, applicant, household_members.1, ..."
    )
    full_name: str | None = Field(description="null once anonymised under the retention policy")
    date_of_birth: date | None
    anonymised: bool
    contact_details: str | None = Field(
        default=None, description="null when not recorded, and once anonymised"
    )
    household_relationship: str | None = Field(
        default=None, description="a household member's: parent, child, partner, other_adult"
    )


class RetentionPublic(Public):
    years: int = Field(description="years after closure the personal details are kept")
    source: str = Field(description="where the period comes from")
    closed_at: datetime | None
    retained_until: datetime | None = Field(description="null while the case is open")


class PeoplePublic(Public):
    ref: str
    people: list[PersonPublic]
    retention: RetentionPublic


class ReadPublic(Public):
    at: datetime
    username: str
    role: str
    view: str = Field(description="where it was shown: people-page, people-api, ...")


class ReadsPublic(Public):
    ref: str
    reads: list[ReadPublic] = Field(description="oldest first")


@router.get(
    "/cases/{ref}/people", response_model=PeoplePublic, responses=error_responses(403, 404, 422)
)
def show_case_people(viewer: ApiViewer, ref: CaseRef) -> PeoplePublic | JSONResponse:
    """The names, dates of birth and contact details of the case's people, for the staff who
    work it. Each call is recorded in the audit log as a read of personal data."""
    shown = show_people(viewer.acting, ref, "people-api")
    if isinstance(shown, Refusal):
        return refused(shown, case_reference=ref)
    return PeoplePublic(
        ref=shown.reference,
        people=[
            PersonPublic(
                relationship=person.relationship,
                full_name=person.full_name,
                date_of_birth=person.date_of_birth,
                anonymised=person.anonymised,
                contact_details=person.contact_details,
                household_relationship=person.household_relationship,
            )
            for person in shown.people
        ],
        retention=RetentionPublic(
            years=shown.policy.years,
            source=shown.policy.source,
            closed_at=shown.closed_at,
            retained_until=shown.retained_until,
        ),
    )


@router.get(
    "/cases/{ref}/people/reads",
    response_model=ReadsPublic,
    responses=error_responses(403, 404, 422),
)
def show_case_reads(viewer: ApiViewer, ref: CaseRef) -> ReadsPublic | JSONResponse:
    """Who has read the case's personal details, when, and through which view (auditors)."""
    shown = show_readers(viewer.acting, ref)
    if isinstance(shown, Refusal):
        return refused(shown, case_reference=ref)
    return ReadsPublic(
        ref=shown.reference,
        reads=[
            ReadPublic(at=r.at, username=r.username, role=r.role, view=r.view)
            for r in shown.readers
        ],
    )
