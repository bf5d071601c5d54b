"""Schemathesis against ``/openapi.json``: over a thousand generated requests, with a real
bearer token, on a real database with a real case in it, and not one 5xx, undeclared status or
answer that breaks its declared schema.

Every operation is fuzzed with data that fits its schema and with data that does not (the
negative mode), and each operation that takes a case reference is tried on references that
match the pattern (unknown cases) and on the real case, so the 200 answers are checked too.
Generation is derandomised, so a run sends the same requests every time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine

from application.accounts import add_account, issue_api_token
from dashboard.app import create_app
from infrastructure.db import session_scope
from tests.support.cases import ensure_staff
from tests.support.cases import start_case as open_case
from tests.support.intake_form import intake_form

pytestmark = [
    pytest.mark.prefect,
    pytest.mark.usefixtures("prefect_server"),
    # Schemathesis's own strategies draw from `random`, which Hypothesis seeds for each example.
    pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies"),
]

EXAMPLES_PER_STRATEGY: Final = 60
MIN_REQUESTS: Final = 1000
CHECKS: Final = [not_a_server_error, status_code_conformance, response_schema_conformance]
USER = "ho.fuzz"
ROLE = "lha-housing-officer"


@dataclass(frozen=True)
class Target:
    app: FastAPI
    token: str
    case_reference: str


@pytest.fixture
def target(app_engine: Engine) -> Target:
    ensure_staff(USER, ROLE, "dartford")
    with session_scope(app_engine) as session:
        add_account(session, USER, "a long fuzzing passphrase", by="test")
        token = issue_api_token(session, USER, by="test")
    born = datetime.now(UTC).date() - timedelta(days=round(16.5 * 365.25))
    opened = open_case(
        pathway="youth-1617-intake",
        authority_id="dartford",
        payload=intake_form(
            {
                "young_person": {"full_name": "Fuzz Example", "date_of_birth": born.isoformat()},
                "parent_or_pr_holder": {"full_name": "Parent Example"},
            }
        ),
        actor=USER,
        role=ROLE,
    )
    return Target(create_app(), token, opened.case_reference)


def _fuzz(
    strategy: st.SearchStrategy[Case[Any]], headers: dict[str, str], sent: Counter[tuple[str, int]]
) -> None:
    @settings(
        max_examples=EXAMPLES_PER_STRATEGY,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Case[Any]) -> None:
        response = case.call(headers=headers)
        sent[(f"{case.method} {case.path}", response.status_code)] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def test_schemathesis_finds_no_server_error_and_no_schema_break(target: Target) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", target.app)
    headers = {"Authorization": f"Bearer {target.token}"}
    sent: Counter[tuple[str, int]] = Counter()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operation = result.ok()
        takes_ref = "{ref}" in operation.path
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies: list[dict[str, Any]] = [{}]
            if takes_ref:
                strategies.append({"path_parameters": {"ref": target.case_reference}})
            for fixed in strategies:
                _fuzz(operation.as_strategy(mode, **fixed), headers, sent)
    assert sum(sent.values()) >= MIN_REQUESTS, sent
    # The real case was reached, so its answers were checked against their schemas too.
    for path in ("/api/cases/{ref}", "/api/cases/{ref}/timeline", "/api/cases"):
        assert sent[(f"GET {path}", 200)] > 0, sent
    assert sent[("POST /api/cases/{ref}/events", 422)] > 0, sent
