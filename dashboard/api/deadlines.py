"""``GET /api/deadlines/{rule}?start=&authority=``: when a timer rule falls due, counted as
``pathways deadline RULE --start`` counts it (``pathways.deadlines.compute_deadline``), with the
authority's configured override applied where it sets one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from dashboard.api.case_reads import NAME
from dashboard.api.problems import error_responses
from dashboard.api.schemas import DeadlinePublic, ErrorPublic, FieldErrorPublic
from dashboard.viewer import api_viewer
from infrastructure.authority_config import UnknownAuthorityError, rule_overrides_for
from pathways.deadlines import RULES, Deadline, OverrideError, UnknownRuleError, compute_deadline

router = APIRouter(tags=["deadlines"], dependencies=[Depends(api_viewer)])

START: Final = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
YEARS: Final = range(1900, 2101)
"""Dates of birth to the furthest deadline any case could have: outside, a typing error."""


def _invalid(field: str, message: str) -> JSONResponse:
    body = ErrorPublic(
        detail=f"{field}: {message}", errors=[FieldErrorPublic(field=field, message=message)]
    )
    return JSONResponse(body.model_dump(), status_code=422)


def _start(value: str) -> date | datetime | None:
    """An ISO date, or an ISO datetime when the value has a time part (naive = London)."""
    try:
        parsed: date | datetime = (
            date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        )
    except ValueError:
        return None
    return parsed if parsed.year in YEARS else None


def _public(
    deadline: Deadline, start: date | datetime, authority: str | None, overridden: bool
) -> DeadlinePublic:
    rule = deadline.rule
    return DeadlinePublic(
        rule=rule.id,
        title=rule.title,
        citation=rule.citation,
        status=rule.status,
        convention=rule.convention,
        convention_text=rule.convention_text,
        unit=rule.unit,
        amount=deadline.amount,
        default_amount=rule.default,
        authority=authority,
        override_applied=overridden,
        start=deadline.start_at.isoformat() if isinstance(start, datetime) else start.isoformat(),
        due=deadline.due_iso,
        due_date=deadline.due_date,
        due_at=deadline.due_at,
    )


@router.get(
    "/deadlines/{rule}", response_model=DeadlinePublic, responses=error_responses(404, 409, 422)
)
def deadline(
    rule: Annotated[
        str, Path(pattern=NAME, description="a rule id", json_schema_extra={"enum": sorted(RULES)})
    ],
    start: Annotated[
        str,
        Query(
            pattern=START,
            description="an ISO date, or an ISO datetime (naive = Europe/London) for hour rules",
        ),
    ],
    authority: Annotated[
        str | None, Query(pattern=NAME, description="apply this authority's override")
    ] = None,
) -> DeadlinePublic | JSONResponse:
    """When RULE falls due for a period starting at ``start``."""
    parsed = _start(start)
    if parsed is None:
        return _invalid(
            "start", f"not a valid date or datetime in the years {YEARS[0]}-{YEARS[-1]}"
        )
    try:
        overrides = rule_overrides_for(authority) if authority is not None else None
    except UnknownAuthorityError:
        return _invalid("authority", f"no authority '{authority}' is configured")
    try:
        found = compute_deadline(rule, parsed, overrides)
    except UnknownRuleError as unknown:
        return JSONResponse(ErrorPublic(detail=f"rule: {unknown}").model_dump(), status_code=404)
    except OverrideError as misconfigured:
        return JSONResponse(ErrorPublic(detail=str(misconfigured)).model_dump(), status_code=409)
    return _public(found, parsed, authority, rule in (overrides or {}))
