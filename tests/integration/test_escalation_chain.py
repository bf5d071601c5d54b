"""The sweep walks the escalation chain ``pathways directory show`` prints (spec §7).

Both read ``pathways.escalation.chain_levels``. The old sweep appended a ``<chain>_top`` level
to every chain, so a stray ``ics_top`` or ``ifd_top`` in an authority's stored chains made it
escalate one level past the Assistant Director the directory showed as the top.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner

from application.directory import escalation_chain, get_authority, import_directory
from application.sweep import sweep
from cli.main import app
from flows.dispatch import run_pathway_event
from flows.timer_sweep import timer_sweep
from infrastructure import clock
from infrastructure.authority_config import authority_config
from infrastructure.db import session_scope
from models import AuditEvent, Case, Notification, Timer
from pathways.vocabulary import ChainName
from tests.support.cases import start_case

pytestmark = pytest.mark.usefixtures("prefect_server")

AUTHORITY = "canterbury"
LHA_TOP = "housing-director"
T0 = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


def _configure_chains(engine: Engine) -> None:
    """Canterbury names its LHA top level; its stored chains also carry stray ICS/IFD tops."""
    config = authority_config().model_copy(deep=True)
    config.authorities[AUTHORITY].escalation_lha_top = LHA_TOP
    with session_scope(engine) as session:
        import_directory(session, config=config)
        row = get_authority(session, AUTHORITY)
        row.escalation_chains = {
            **row.escalation_chains,
            "ics_top": "lha-service-manager",
            "ifd_top": "lha-service-manager",
        }
        session.add(row)


def _shown_chain(chain: str) -> list[str]:
    result = CliRunner().invoke(app, ["directory", "show", AUTHORITY, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    levels: list[str] = json.loads(result.stdout)["escalation"][chain]
    return levels


def _visit_timer(engine: Engine, reference: str) -> Timer:
    with session_scope(engine) as session:
        return session.exec(
            select(Timer)
            .join(Case, col(Case.id) == col(Timer.case_id))
            .where(Case.reference == reference, Timer.name == "visit")
        ).one()


def _open_case_on_chain(engine: Engine, chain: str) -> str:
    opened = start_case(
        pathway="example",
        authority_id=AUTHORITY,
        payload={"young_person": {"full_name": "Chain Person"}},
        actor="ho1",
        role="lha-housing-officer",
        now=T0,
    )
    if chain != "lha":
        # The example pathway's visit timer walks the LHA chain; point this one at another.
        with session_scope(engine) as session:
            timer = session.get(Timer, _visit_timer(engine, opened.case_reference).id)
            assert timer is not None
            timer.escalation_chain = chain
            session.add(timer)
    return opened.case_reference


@pytest.mark.parametrize("chain", ["lha", "ics", "ifd"])
def test_the_sweep_notifies_each_level_the_directory_shows(
    app_engine: Engine, chain: ChainName
) -> None:
    _configure_chains(app_engine)
    shown = _shown_chain(chain)
    with session_scope(app_engine) as session:
        assert shown == escalation_chain(get_authority(session, AUTHORITY), chain)
    # Seed 002: ICS and IFD end at the Assistant Director; the LHA at its configured top.
    assert shown[-1] == (LHA_TOP if chain == "lha" else "ics-assistant-director")
    reference = _open_case_on_chain(app_engine, chain)

    breached = sweep(app_engine, T0 + timedelta(hours=24, minutes=1), run_pathway_event)
    assert breached.by_kind == {"breach": 1}
    for level in range(1, len(shown) + 1):
        due = _visit_timer(app_engine, reference).next_fire_at
        assert due is not None, f"the sweep stopped before level {level}"
        if level < len(shown):
            assert sweep(app_engine, due, run_pathway_event).by_kind == {"escalation": 1}
        else:
            # The deployed flow runs the same loop: the top level goes through it.
            with session_scope(app_engine) as session:
                clock.set_virtual_time(session, due, frozen=True)
            assert timer_sweep()["fired"] == {"escalation": 1}

    timer = _visit_timer(app_engine, reference)
    assert (timer.status, timer.escalation_level, timer.next_fire_at) == (
        "breached",
        len(shown),
        None,
    )
    assert sweep(app_engine, T0 + timedelta(days=365), run_pathway_event).fired == 0

    with session_scope(app_engine) as session:
        audited = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "timer.escalation", AuditEvent.case_reference == reference)
            .order_by(col(AuditEvent.id))
        ).all()
        queued = session.exec(
            select(Notification.idempotency_key, Notification.recipient).where(
                Notification.case_reference == reference,
                Notification.event_type == "timer_escalation",
            )
        ).all()
    roles = [f"role:{role}" for role in shown]
    assert [(event.after or {}).get("level") for event in audited] == list(range(1, len(shown) + 1))
    assert [(event.after or {}).get("recipients") for event in audited] == [[r] for r in roles]
    # Keys are "timer:<id>:escalation:<level>:...": one level's messages go to its role only.
    by_level: dict[int, set[str]] = {}
    for key, recipient in queued:
        by_level.setdefault(int(key.split(":")[3]), set()).add(recipient)
    assert [by_level[level] for level in sorted(by_level)] == [{role} for role in roles]
