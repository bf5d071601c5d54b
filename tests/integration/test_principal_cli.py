"""Who acts is taken from the staff directory, never from what the caller types.

Each attempt below is refused with exit 2 and one line naming the field and the rule; it
writes nothing but the audit event that records who tried what and which rule said no.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select
from typer.testing import CliRunner, Result

from application.staff import add_staff, disable_staff
from cli.main import app
from infrastructure import clock
from infrastructure.db import session_scope
from models import AuditEvent, Case, CaseEvent, CaseShare, Person, Timer

PATHWAY = "youth-1617-intake"
HO = "lha-housing-officer"
T0 = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)


def intake() -> dict[str, Any]:
    return {
        "young_person": {"full_name": "Principal Madeup", "date_of_birth": "2010-02-03"},
        "parent_or_pr_holder": {"full_name": "Parent Madeup"},
        "slept_last_night": "family_home",
        "safe_tonight": True,
        "known_to_ics": False,
        "young_person_consent": {"purpose": "joint LHA and ICS working", "given": True},
        "parent_consent": {"purpose": "joint LHA and ICS working", "given": True},
        "approached": "housing_options",
    }


def _add(engine: Engine, username: str, roles: list[str], authority: str, team: str) -> None:
    with session_scope(engine) as session:
        add_staff(
            session,
            username=username,
            display_name=username,
            email=f"{username}@{authority}.example",
            roles=roles,
            team=team,
            authority_id=authority,
            actor="test",
            actor_role="system",
            basis="test staff",
        )


@pytest.fixture
def directory(app_engine: Engine, prefect_server: None) -> Engine:
    _add(app_engine, "ho.dartford", [HO], "dartford", "lha")
    _add(app_engine, "ho.swale", [HO], "swale", "lha")
    _add(app_engine, "gone.dartford", [HO], "dartford", "lha")
    # A senior officer who is also the authority's safeguarding lead: two roles, one person.
    _add(
        app_engine,
        "so.dartford",
        ["lha-senior-officer", "lha-safeguarding-lead"],
        "dartford",
        "lha",
    )
    with session_scope(app_engine) as session:
        disable_staff(
            session, "gone.dartford", actor="test", actor_role="system", basis="left the team"
        )
        clock.set_virtual_time(session, T0, frozen=True)
    return app_engine


def _counts(engine: Engine) -> tuple[int, ...]:
    with session_scope(engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Case, Person, CaseEvent, Timer, CaseShare)
        )


def _audited(engine: Engine) -> list[tuple[str, str, str | None]]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.case_reference)
            .where(col(AuditEvent.action).startswith("principal.refused"))
            .order_by(col(AuditEvent.id))
        ).all()
    return [(action, actor, reference) for action, actor, reference in rows]


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _open(*who: str) -> Result:
    return _run(
        "case", "open", PATHWAY, "--authority", "dartford", *who,
        "--input-json", json.dumps(intake()),
    )  # fmt: skip


def _refused_once(result: Result, starts: str) -> str:
    assert result.exit_code == 2, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(starts), result.stderr
    assert "Madeup" not in result.output and "2010-02-03" not in result.output
    return lines[0]


REFUSED = {
    "unknown_user": (("--as", "nobody.dartford"), "(401): as: no member of staff"),
    "disabled_user": (("--as", "gone.dartford"), "(401): as: 'gone.dartford' is disabled"),
    "role_not_held": (
        ("--as", "ho.dartford", "--role", "ics-social-worker"),
        "(403): role: 'ho.dartford' does not hold the role 'ics-social-worker'",
    ),
    "reserved_principal": (("--as", "system"), "(403): as: 'system' is the timer sweep"),
    "role_ambiguous": (("--as", "so.dartford"), "(422): role: 'so.dartford' holds several roles"),
    "other_authority": (("--as", "ho.swale"), "(403): case: the case belongs to dartford"),
}


@pytest.mark.parametrize("code", sorted(REFUSED))
def test_an_unacceptable_principal_is_refused_writes_nothing_and_is_audited(
    directory: Engine, code: str
) -> None:
    who, says = REFUSED[code]
    before = _counts(directory)
    _refused_once(_open(*who), f"error: refused {says}")
    assert _counts(directory) == before
    audited = _audited(directory)
    assert [action for action, _, _ in audited] == [f"principal.refused.{code}"]


def test_a_person_with_two_roles_acts_once_they_say_which(directory: Engine) -> None:
    opened = _open("--as", "so.dartford", "--role", "lha-senior-officer")
    # The senior officer may not open an intake (spec §0.3), and the refusal names the role
    # they chose, not one they typed for somebody else.
    assert opened.exit_code == 3, opened.output
    assert "role 'lha-senior-officer' may not record" in opened.stderr
    with session_scope(directory) as session:
        forbidden = session.exec(
            select(AuditEvent.actor, AuditEvent.role).where(
                col(AuditEvent.action).endswith(".forbidden")
            )
        ).one()
    assert tuple(forbidden) == ("so.dartford", "lha-senior-officer")


def test_staff_of_another_district_cannot_touch_a_case_until_it_is_shared(
    directory: Engine,
) -> None:
    opened = _open("--as", "ho.dartford")
    assert opened.exit_code == 0, opened.output
    reference = opened.stdout.split()[1].rstrip(":")

    for args in (
        ("case", "show", reference, "--as", "ho.swale"),
        ("case", "steps", reference, "--as", "ho.swale"),
        ("case", "record", reference, "triage_safe_tonight", "--as", "ho.swale"),
    ):
        _refused_once(_run(*args), "error: refused (403): case: the case belongs to dartford")
    listed = _run("case", "list", "--as", "ho.swale", "--json")
    assert json.loads(listed.stdout) == []
    # Every attempt is on the record: the look, the steps, and the step tried.
    assert [row[:2] for row in _audited(directory)] == [
        ("principal.refused.other_authority", "ho.swale")
    ] * 3

    # Only the owning authority shares a case; Swale cannot let itself in.
    _refused_once(
        _run("case", "share", reference, "--with", "swale", "--reason", "placement",
             "--as", "ho.swale"),
        "error: refused (403): case: the case belongs to dartford",
    )  # fmt: skip
    # Placed in Swale under the protocol: Dartford shares it, and Swale's officer may act on it.
    shared = _run(
        "case", "share", reference, "--with", "swale", "--reason", "placement",
        "--as", "ho.dartford",
    )  # fmt: skip
    assert shared.exit_code == 0, shared.output
    with session_scope(directory) as session:
        share = session.exec(select(CaseShare)).one()
        assert (share.authority_id, share.reason, share.shared_by) == (
            "swale",
            "placement",
            "ho.dartford",
        )
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "case.shared")).one()
    recorded = _run("case", "record", reference, "triage_safe_tonight", "--as", "ho.swale")
    assert recorded.exit_code == 0, recorded.output
    listed = _run("case", "list", "--as", "ho.swale", "--json")
    assert [row["reference"] for row in json.loads(listed.stdout)] == [reference]
