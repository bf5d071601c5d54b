"""Importing seed 002 into the directory, on SQLite and PostgreSQL (``database_url`` fixture)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from application.directory import (
    LHA_TOP_GAP,
    DirectoryConfigMismatchError,
    DirectoryRouteError,
    ImportResult,
    UnknownAuthorityError,
    check_seed_matches_config,
    escalation_chain,
    get_authority,
    import_directory,
    list_authorities,
    load_seed,
)
from infrastructure.audit import verify_chain
from infrastructure.authority_config import AuthorityConfig, authority_config
from infrastructure.db import session_scope
from models.audit import AuditEvent
from models.directory import Authority

DISTRICTS = {
    "ashford",
    "canterbury",
    "dartford",
    "dover",
    "folkestone-hythe",
    "gravesham",
    "maidstone",
    "swale",
    "sevenoaks",
    "thanet",
    "tonbridge-malling",
    "tunbridge-wells",
}


def _audit_events(session: Session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))


def _audit_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuditEvent)).one()


def _import(engine: Engine, config: AuthorityConfig | None = None) -> ImportResult:
    with session_scope(engine) as session:
        return import_directory(session, config=config)


def test_import_creates_thirteen_authorities(db_engine: Engine) -> None:
    result = _import(db_engine)
    assert result == ImportResult(13, 0, 0, result.changed_ids)
    assert len(result.changed_ids) == 13

    with session_scope(db_engine) as session:
        rows = list_authorities(session)
        assert len(rows) == 13
        assert [row.name for row in rows] == sorted(row.name for row in rows)
        by_id = {row.id: row for row in rows}
        assert set(by_id) == DISTRICTS | {"medway"}

        for authority_id in DISTRICTS:
            assert by_id[authority_id].children_services_authority == "kcc"
            assert by_id[authority_id].kind == "district"
        assert by_id["medway"].children_services_authority == "medway"
        assert by_id["medway"].kind == "unitary"

        for row in rows:
            assert row.ooh_verified is False
            assert row.last_verified is None
            assert LHA_TOP_GAP in row.data_gaps
            assert any("last verified" in gap for gap in row.data_gaps)
            assert row.escalation_chains["lha_top"] is None
            if row.email is not None:
                assert row.routes == [f"email:{row.email}"]
            for route in row.ics_routes + row.ooh_routes:
                assert route.startswith("email:")

        assert by_id["maidstone"].routes == []
        assert by_id["maidstone"].extra_contacts[0]["phone"] == "+441622602440"
        assert by_id["dartford"].ics_routes == ["email:ics-duty@kent.example.invalid"]
        assert by_id["medway"].ics_routes == ["email:childrens-duty@medway.example.invalid"]
        assert by_id["medway"].ooh_routes == ["email:ooh-social-care@medway.example.invalid"]

        events = _audit_events(session)
        assert len(events) == 13
        assert {event.action for event in events} == {"directory.authority.created"}
        assert all(event.basis == "seed 002 §contacts; spec §9" for event in events)
        assert {event.after["id"] for event in events if event.after} == set(by_id)
        assert verify_chain(session).ok


def test_reimport_writes_nothing(db_engine: Engine) -> None:
    _import(db_engine)
    with session_scope(db_engine) as session:
        before = _audit_count(session)

    result = _import(db_engine)
    assert result == ImportResult(0, 0, 13)

    with session_scope(db_engine) as session:
        assert _audit_count(session) == before == 13
        report = verify_chain(session)
        assert report.ok, report.problem
        assert report.checked == 13


def test_a_changed_row_is_updated_with_one_audit_event(db_engine: Engine) -> None:
    _import(db_engine)
    with session_scope(db_engine) as session:
        row = get_authority(session, "dover")
        row.email = "old@dover.example"
        row.routes = []
        session.add(row)

    result = _import(db_engine)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 12)
    assert result.changed_ids == ("dover",)

    with session_scope(db_engine) as session:
        assert get_authority(session, "dover").email == "housing.options@dover.gov.uk"
        events = _audit_events(session)
        assert len(events) == 14
        last = events[-1]
        assert last.action == "directory.authority.updated"
        assert last.before == {"id": "dover", "email": "old@dover.example", "routes": []}
        assert last.after is not None
        assert set(last.after) == {"id", "email", "routes"}
        assert last.after["email"] == "housing.options@dover.gov.uk"
        assert verify_chain(session).ok


def test_human_verification_survives_a_reimport(db_engine: Engine) -> None:
    _import(db_engine)
    with session_scope(db_engine) as session:
        row = get_authority(session, "ashford")
        row.ooh_verified = True
        row.last_verified = date(2026, 5, 1)
        session.add(row)

    assert _import(db_engine).updated == 1  # only the now-resolved gaps change
    assert _import(db_engine) == ImportResult(0, 0, 13)

    with session_scope(db_engine) as session:
        row = get_authority(session, "ashford")
        assert row.ooh_verified is True
        assert row.last_verified == date(2026, 5, 1)
        assert not any("unverified" in gap for gap in row.data_gaps)
        assert LHA_TOP_GAP in row.data_gaps
        assert verify_chain(session).ok


def test_configured_lha_top_completes_the_chain(db_engine: Engine) -> None:
    config = authority_config().model_copy(deep=True)
    config.authorities["canterbury"].escalation_lha_top = "head-of-housing"
    _import(db_engine, config=config)

    with session_scope(db_engine) as session:
        canterbury = get_authority(session, "canterbury")
        assert escalation_chain(canterbury, "lha") == [
            "lha-senior-officer",
            "lha-service-manager",
            "head-of-housing",
        ]
        assert LHA_TOP_GAP not in canterbury.data_gaps
        dover = get_authority(session, "dover")
        assert escalation_chain(dover, "lha") == ["lha-senior-officer", "lha-service-manager"]
        assert escalation_chain(dover, "ics") == [
            "ics-team-manager",
            "ics-service-manager",
            "ics-assistant-director",
        ]
        assert escalation_chain(dover, "ifd")[0] == "ifd-team-manager"


def test_unknown_authority_names_the_id_and_the_known_ids(db_engine: Engine) -> None:
    _import(db_engine)
    with session_scope(db_engine) as session:
        with pytest.raises(LookupError) as info:
            get_authority(session, "nowhere")
        assert isinstance(info.value, UnknownAuthorityError)
        message = str(info.value)
        assert "'nowhere'" in message
        assert "dartford" in message
        assert "tunbridge-wells" in message


def test_a_config_mismatch_writes_nothing(db_engine: Engine) -> None:
    config = authority_config().model_copy(deep=True)
    del config.authorities["swale"]
    with pytest.raises(DirectoryConfigMismatchError), session_scope(db_engine) as session:
        import_directory(session, config=config)
    with session_scope(db_engine) as session:
        assert list_authorities(session) == []
        assert _audit_count(session) == 0


def test_seed_and_config_must_list_the_same_ids() -> None:
    seed = load_seed()
    config: AuthorityConfig = authority_config()
    check_seed_matches_config(seed, config)

    smaller = config.model_copy(deep=True)
    del smaller.authorities["swale"]
    with pytest.raises(DirectoryConfigMismatchError, match=r"not in config.*: swale"):
        check_seed_matches_config(seed, smaller)
    with pytest.raises(DirectoryConfigMismatchError, match=r"not in seed 002: medway"):
        check_seed_matches_config([entry for entry in seed if entry.id != "medway"], config)


def test_escalation_chain_rejects_an_unknown_team() -> None:
    row = Authority(id="x", name="x", kind="district", children_services_authority="kcc")
    known = r"\(known: lha, ics, ifd\)"
    with pytest.raises(ValueError, match=rf"unknown escalation chain 'board' {known}"):
        escalation_chain(row, "board")  # type: ignore[arg-type]


def test_concurrent_imports_create_each_authority_once(db_engine: Engine) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: _import(db_engine), range(3)))

    assert sum(result.created for result in results) == 13
    assert sum(result.unchanged for result in results) == 26
    with session_scope(db_engine) as session:
        assert _audit_count(session) == 13
        assert verify_chain(session).ok


def test_verification_resets_when_the_ooh_number_changes(db_engine: Engine) -> None:
    _import(db_engine)
    with session_scope(db_engine) as session:
        row = get_authority(session, "thanet")
        row.ooh_verified = True
        row.ooh_phone = "+441843000000"
        session.add(row)

    assert _import(db_engine).changed_ids == ("thanet",)

    with session_scope(db_engine) as session:
        row = get_authority(session, "thanet")
        assert row.ooh_phone == "+441843577000"
        assert row.ooh_verified is False
        assert "OOH number equals daytime number: unverified" in row.data_gaps
        last = _audit_events(session)[-1]
        assert last.before is not None
        assert last.after is not None
        assert last.before["ooh_verified"] is True
        assert last.after["ooh_verified"] is False
        assert last.after["ooh_phone"] == "+441843577000"
        assert verify_chain(session).ok


@pytest.mark.parametrize(
    ("where", "value", "field"),
    [
        ("ics", "msteams://Tk7canaryToken1234/abc", "children_services.kcc.ics_routes[0]"),
        ("extra", "mailtos://ops:Tk7canaryToken1234@relay.example.org", "extra_routes[1]"),
        ("extra", "not an address Tk7canaryToken1234", "authorities.dartford.extra_routes[1]"),
    ],
)
def test_a_route_that_is_not_an_address_or_a_name_refuses_the_import(
    db_engine: Engine, where: str, value: str, field: str
) -> None:
    config = authority_config().model_copy(deep=True)
    if where == "ics":
        config.children_services["kcc"].ics_routes = [value]
    else:
        config.authorities["dartford"].extra_routes = ["route:teams", value]
    with pytest.raises(DirectoryRouteError) as refused, session_scope(db_engine) as session:
        import_directory(session, config=config)
    assert field in str(refused.value)
    assert "Tk7canaryToken1234" not in str(refused.value)
    with session_scope(db_engine) as session:
        assert list_authorities(session) == []
        assert _audit_count(session) == 0


def test_configured_route_names_are_stored_as_references(db_engine: Engine) -> None:
    config = authority_config().model_copy(deep=True)
    config.authorities["dartford"].extra_routes = ["route:teams", " duty@dartford.example "]
    _import(db_engine, config=config)
    with session_scope(db_engine) as session:
        assert get_authority(session, "dartford").routes == [
            "email:housingoptions@dartford.gov.uk",
            "route:teams",
            "email:duty@dartford.example",
        ]
        created = {
            event.after["id"]: event.after for event in _audit_events(session) if event.after
        }
        assert created["dartford"]["routes"] == get_authority(session, "dartford").routes
        assert all("mailto" not in json.dumps(after) for after in created.values())
