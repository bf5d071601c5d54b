"""Share reason ``duty_to_refer``: a care leaver referred to another district's housing
authority (s.213B), whose staff then act on the case. Through the use case and the CLI, on
SQLite and PostgreSQL; a reason the protocol does not name is refused and nothing is written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

from sqlalchemy.engine import Engine
from sqlmodel import select
from typer.testing import CliRunner

from application.case_commands import (
    SHARE_BASES,
    SHARE_REASON_WORDS,
    ShareReason,
    record_step,
    share_case,
    start_case,
)
from cli.main import app
from infrastructure.db import session_scope
from models import AuditEvent, CaseShare
from pathways.refusal import Refusal
from tests.support.cases import acting_for, apply_now

HO = "lha-housing-officer"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
PAYLOAD = {"young_person": {"full_name": "Ottilie Sharecanary", "date_of_birth": "2008-05-01"}}
VISIT = {"visited_family": True, "visited_young_person": True}


def _opened() -> str:
    opened = start_case(
        acting=acting_for("ho.dartford", HO, "dartford"),
        pathway="example",
        authority_id="dartford",
        payload=PAYLOAD,
        runner=apply_now,
        now=T0,
    )
    assert not isinstance(opened, Refusal), opened
    return opened.case_reference


def _visit(reference: str) -> Refusal | object:
    return record_step(
        acting=acting_for("ho.thanet", HO, "thanet"),
        case_reference=reference,
        transition="record_visit",
        payload=VISIT,
        runner=apply_now,
        now=T0 + timedelta(hours=1),
    )


def test_every_share_reason_has_its_words_and_its_basis() -> None:
    assert set(get_args(ShareReason)) == set(SHARE_BASES) == set(SHARE_REASON_WORDS)
    assert "duty_to_refer" in get_args(ShareReason)
    assert "s.213B" in SHARE_BASES["duty_to_refer"]


def test_the_referred_districts_staff_act_on_the_case_once_it_is_shared(
    app_engine: Engine,
) -> None:
    reference = _opened()
    before = _visit(reference)
    assert isinstance(before, Refusal) and "belongs to dartford" in before.reason

    shared = share_case(
        acting=acting_for("ho.dartford", HO, "dartford"),
        case_reference=reference,
        authority_id="thanet",
        reason="duty_to_refer",
        now=T0 + timedelta(minutes=30),
    )
    assert shared is None
    with session_scope(app_engine) as session:
        share = session.exec(select(CaseShare)).one()
        assert (share.authority_id, share.reason, share.shared_by) == (
            "thanet",
            "duty_to_refer",
            "ho.dartford",
        )
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "case.shared")).one()
        assert event.after == {"with": "thanet", "reason": "duty_to_refer"}
        assert event.basis == SHARE_BASES["duty_to_refer"]
    after = _visit(reference)
    assert not isinstance(after, Refusal), after


def test_a_reason_the_protocol_does_not_name_is_refused_naming_the_field(
    app_engine: Engine,
) -> None:
    reference = _opened()
    refused = share_case(
        acting=acting_for("ho.dartford", HO, "dartford"),
        case_reference=reference,
        authority_id="thanet",
        reason="because",  # type: ignore[arg-type]
    )
    assert isinstance(refused, Refusal)
    assert refused.field == "reason" and "duty_to_refer" in refused.reason
    with session_scope(app_engine) as session:
        assert session.exec(select(CaseShare)).all() == []


def _share_args(reference: str, authority: str, reason: str) -> list[str]:
    return [
        *("case", "share", reference),
        *("--with", authority, "--reason", reason, "--as", "ho.dartford"),
    ]


def test_the_cli_shares_for_a_duty_to_refer_and_says_why(app_engine: Engine) -> None:
    reference = _opened()
    runner = CliRunner()
    result = runner.invoke(
        app,
        _share_args(reference, "thanet", "duty_to_refer"),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"{reference} is shared with thanet ({SHARE_REASON_WORDS['duty_to_refer']})"
    )
    wrong = runner.invoke(
        app,
        _share_args(reference, "swale", "duty-to-refer"),
    )
    assert wrong.exit_code == 2 and "--reason" in wrong.output
    assert "duty_to_refer" in wrong.output
    with session_scope(app_engine) as session:
        assert [s.authority_id for s in session.exec(select(CaseShare)).all()] == ["thanet"]
