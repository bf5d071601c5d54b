"""Bad input through the real use cases, on SQLite and PostgreSQL (issue 10, point 5).

A NUL in a name once crashed PostgreSQL's driver with a traceback that printed both people's
names and dates of birth; now it is a refusal and nothing is written. A time in the future is
refused against the application clock. Then hypothesis throws start forms at ``start_case``:
a refused one leaves every table's row count unchanged, an accepted one opens a case, and
nothing else comes back.

An accepted case's opening event is applied by ``apply_now``, the ``EventRunner`` a flow runs
(``apply_event`` in one transaction) without the Prefect server: what is tested here is what
the use case writes, not how the flow is scheduled.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import select

from application.case_commands import start_case
from application.cases import Applied
from application.principals import Acting
from infrastructure.db import session_scope
from models import Person
from pathways.refusal import Refusal
from tests.support.cases import EventRefusedError, acting_for, apply_now
from tests.support.cases import start_case as start_case_as
from tests.support.intake_form import intake_form

PATHWAY = "youth-1617-intake"
HO = "lha-housing-officer"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAME, DOB = "Zanzibar Quokkaflint", "2009-02-17"


def intake(**changes: Any) -> dict[str, Any]:
    return intake_form(
        {
            "young_person": {"full_name": NAME, "date_of_birth": DOB},
            "parent_or_pr_holder": {
                "full_name": "Parent Quokkaflint",
                "date_of_birth": "1980-06-01",
            },
        },
        **changes,
    )


def row_counts(engine: Engine) -> dict[str, int]:
    tables = inspect(engine).get_table_names()
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for table in tables
        }


def refused_and_nothing_written(engine: Engine, payload: Mapping[str, Any]) -> Refusal:
    before = row_counts(engine)
    with pytest.raises(EventRefusedError) as raised:
        start_case_as(
            pathway=PATHWAY, authority_id="dartford", payload=payload, actor="ho1", role=HO, now=T0
        )
    assert row_counts(engine) == before
    refusal = raised.value.refusal
    for needle in ("Zanzibar", "Quokkaflint", DOB):
        assert needle not in refusal.reason
    return refusal


@pytest.fixture
def ho(app_engine: Engine) -> Acting:
    return acting_for("ho1", HO, "dartford")


BAD_NAMES = {
    "a NUL in the young person's name": (
        "young_person",
        "Zanzibar\x00Quokkaflint",
        "must not contain control characters (such as NUL)",
    ),
    "a NUL in the parent's name": (
        "parent_or_pr_holder",
        "Parent\x00Quokkaflint",
        "must not contain control characters (such as NUL)",
    ),
    "a right-to-left override": ("young_person", "Zanzibar \u202eQuokkaflint", "bidirectional"),
    "an unpaired surrogate": ("young_person", "Zanzibar \ud800Quokkaflint", "valid string"),
    "only spaces": ("young_person", "   ", "must not be blank"),
}


def test_bad_names_and_future_times_are_refused_cleanly_and_write_nothing(
    app_engine: Engine, ho: Acting
) -> None:
    for what, (who, name, rule) in BAD_NAMES.items():
        payload = intake()
        payload[who] = {**payload[who], "full_name": name}
        refusal = refused_and_nothing_written(app_engine, payload)
        assert (refusal.code, refusal.field) == ("invalid_input", f"{who}.full_name"), what
        assert rule in refusal.reason, (what, refusal.reason)

    ahead = intake(enquiry_received_at=(T0 + timedelta(days=23)).isoformat())
    assert refused_and_nothing_written(app_engine, ahead).field == "enquiry_received_at"
    young_parent = intake(
        parent_or_pr_holder={"full_name": "Parent Quokkaflint", "date_of_birth": "2000-01-01"}
    )
    refusal = refused_and_nothing_written(app_engine, young_parent)
    assert refusal.field == "parent_or_pr_holder.date_of_birth"

    # Within the clock skew, and with the name to be normalised: opened, stored as NFC.
    within = intake(
        enquiry_received_at=(T0 + timedelta(minutes=4)).isoformat(),
        young_person={"full_name": " Zoe\u0301 Quokkaflint ", "date_of_birth": DOB},
    )
    opened = start_case(
        acting=ho,
        pathway=PATHWAY,
        authority_id="dartford",
        payload=within,
        runner=apply_now,
        now=T0,
    )
    assert isinstance(opened, Applied) and opened.status == "applied", opened
    with session_scope(app_engine) as session:
        stored = {p.relationship_to_case: p.full_name for p in session.exec(select(Person))}
    assert stored["young_person"] == "Zo\u00e9 Quokkaflint"


NASTY: st.SearchStrategy[Any] = st.sampled_from(
    ["", " ", "\x00", "a\x00b", "\u202e", "\ud800", "yes", "off", 1, 0, None, [], {}, "2030-01-01"]
)
VALUES: st.SearchStrategy[Any] = NASTY | st.text(max_size=10) | st.booleans() | st.integers()
FIELDS = (
    ("young_person", "full_name"),
    ("young_person", "date_of_birth"),
    ("parent_or_pr_holder", "full_name"),
    ("parent_or_pr_holder", "date_of_birth"),
    ("safe_tonight",),
    ("known_to_ics",),
    ("enquiry_received_at",),
    ("parent_consent", "given"),
    ("young_person_consent", "scope"),
    ("ics_case_reference",),
    ("referrer_email",),
)


@st.composite
def start_forms(draw: st.DrawFn) -> dict[str, Any]:
    """A valid start form with up to two fields given other values (or the same ones)."""
    form = copy.deepcopy(intake())
    for path in draw(st.lists(st.sampled_from(FIELDS), max_size=2, unique=True)):
        holder = form
        for part in path[:-1]:
            holder = holder[part]
        holder[path[-1]] = draw(VALUES | st.just(holder.get(path[-1])))
    return form


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(form=start_forms())
@example(form=intake())  # the accepted side, every run
@example(form=intake(safe_tonight="yes"))
def test_start_case_accepts_or_cleanly_refuses_and_a_refusal_writes_nothing(
    app_engine: Engine, ho: Acting, form: dict[str, Any]
) -> None:
    before = row_counts(app_engine)
    outcome = start_case(
        acting=ho, pathway=PATHWAY, authority_id="dartford", payload=form, runner=apply_now, now=T0
    )
    after = row_counts(app_engine)
    event("refused" if isinstance(outcome, Refusal) else "accepted")
    if isinstance(outcome, Refusal):
        assert outcome.code in ("invalid_input", "refused"), outcome
        assert outcome.reason.isprintable() and "Quokkaflint" not in outcome.reason
        assert after == before
        return
    assert isinstance(outcome, Applied) and outcome.status == "applied", outcome
    assert after["case"] == before["case"] + 1
    assert after["person"] == before["person"] + 2
