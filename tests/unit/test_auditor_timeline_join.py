"""How the auditor timeline joins its sources, without a database or Prefect: a recorded run and
Prefect's copy become one entry; a run Prefect forgot shows as recorded, marked so; entries
fall in order on the application's clock; and an export names the file that was altered."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

from application.auditor_timeline import (
    NO_LONGER_AVAILABLE,
    AuditorEntry,
    FlowRunFacts,
    RunHistory,
    StateChange,
    changes_of,
    join_timeline,
)
from application.case_export import csv_row, sha256, verify_export
from application.flow_run_audit import FLOW_RUN_FINISHED
from models import AuditEvent, Notification, Timer

REF = "JP-7K3Q-9D2F"
T0 = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
RUN_ID = "6dca1968-20c7-40f1-a0fb-23190bd33a4e"


def _audit(row_id: int, action: str, at: datetime, **after: object) -> AuditEvent:
    return AuditEvent(
        id=row_id,
        occurred_at=at,
        actor="ho1" if action != FLOW_RUN_FINISHED else "system",
        role="lha-housing-officer" if action != FLOW_RUN_FINISHED else "system",
        action=action,
        case_reference=REF,
        before={"state": "new"} if action == "example.open_referral" else None,
        after=dict(after),
        basis="test fixture",
        prev_hash="0" * 64,
        hash=f"{row_id:064d}",
    )


def _finished(row_id: int, at: datetime) -> AuditEvent:
    # Recorded as the flow's hook writes it; dated by the (later) moment it was written.
    return _audit(
        row_id,
        FLOW_RUN_FINISHED,
        at + timedelta(minutes=5),
        flow_run_id=RUN_ID,
        flow="pathway-example",
        run_name=f"{REF} · open_referral",
        case_event_id=1,
        state="Completed",
        state_type="COMPLETED",
        started_at=(T0 + timedelta(seconds=1)).isoformat(),
        ended_at=(T0 + timedelta(seconds=2)).isoformat(),
        ui_url=f"http://prefect.test/runs/flow-run/{RUN_ID}",
    )


def _prefect_run(
    run_id: str = RUN_ID, state: str = "Completed", started: timedelta = timedelta(seconds=1)
) -> FlowRunFacts:
    return FlowRunFacts(
        id=run_id,
        name=f"{REF} · open_referral",
        state=state,
        created_at=T0,
        started_at=T0 + started,
        ended_at=T0 + timedelta(seconds=2),
        event_id=1,
        states=(StateChange(state, state.upper(), T0 + timedelta(seconds=2)),),
    )


def _rows() -> list[AuditEvent]:
    return [
        _audit(1, "example.case.created", T0, pathway="example@1.0"),
        _audit(2, "example.open_referral", T0, state="awaiting_visit", event_id=1),
        _finished(3, T0),
    ]


def _runs(entries: list[AuditorEntry]) -> list[AuditorEntry]:
    return [entry for entry in entries if entry.run is not None]


def test_changes_name_each_field_that_differs_dotted_and_in_order() -> None:
    before = {"state": "new", "version": 1, "facts": {"a": 1, "b": 2}, "gone": "x"}
    after = {"state": "support", "version": 1, "facts": {"a": 1, "b": 3}}
    assert [(c.field, c.before, c.after) for c in changes_of(before, after)] == [
        ("state", "new", "support"),
        ("facts.b", "2", "3"),
        ("gone", "x", "—"),
    ]


def test_a_recorded_run_still_in_prefect_is_one_entry_after_the_step_it_applied() -> None:
    entries = join_timeline(REF, _rows(), [], [], {1: T0}, RunHistory((_prefect_run(),)))

    (run,) = _runs(entries)
    assert run.run is not None
    assert (run.run.recorded_state, run.run.prefect_state, run.run.prefect) == (
        "Completed",
        "Completed",
        "available",
    )
    assert run.audit_id == 3 and run.at == T0 and run.run.states
    assert [e.title for e in entries] == [
        "example.case.created",
        "example.open_referral",
        f"Flow run {REF} · open_referral: Completed",
    ]


def test_a_run_prefect_no_longer_has_shows_as_recorded_and_marked() -> None:
    (run,) = _runs(join_timeline(REF, _rows(), [], [], {1: T0}, RunHistory()))
    assert run.run is not None
    assert (run.run.flow_run_id, run.run.state, run.run.prefect_state) == (
        RUN_ID,
        "Completed",
        None,
    )
    assert run.run.availability_note == NO_LONGER_AVAILABLE
    assert run.run.ui_url == f"http://prefect.test/runs/flow-run/{RUN_ID}"

    unread = join_timeline(REF, _rows(), [], [], {1: T0}, RunHistory(problem="down"))
    assert _runs(unread)[0].run is not None
    assert _runs(unread)[0].run.prefect == "not readable now"  # type: ignore[union-attr]


def test_a_run_only_prefect_knows_is_shown_unrecorded() -> None:
    still_going = _prefect_run(
        "11111111-2222-3333-4444-555555555555", "Running", timedelta(minutes=5)
    )
    entries = join_timeline(
        REF, _rows(), [], [], {1: T0}, RunHistory((_prefect_run(), still_going))
    )

    details = [entry.run for entry in _runs(entries) if entry.run is not None]
    assert [(d.flow_run_id, d.recorded_state, d.state) for d in details] == [
        (RUN_ID, "Completed", "Completed"),
        (still_going.id, None, "Running"),
    ]
    assert details[1].availability_note == "not in our audit trail yet"


def test_timers_and_deliveries_are_dated_by_when_they_happened() -> None:
    timer = Timer(
        id=7,
        case_id=1,
        name="visit",
        rule_id="joint-visit-1617",
        citation="T01",
        owner_team="joint",
        started_at=T0,
        due_at=T0 + timedelta(hours=24),
        status="closed",
        closed_at=T0 + timedelta(hours=26),
        created_at=T0,
    )
    dead = Notification(
        id=9,
        idempotency_key="k",
        case_id=1,
        case_reference=REF,
        event_type="case_opened",
        recipient="lha",
        route="mailto://never.shown@example.org",
        status="permanent-failure",
        attempts=3,
        last_error_kind="invalid-route",
        created_at=T0,
        failed_at=T0 + timedelta(hours=1),
    )
    entries = join_timeline(REF, [], [timer], [dead], {}, RunHistory())

    assert [(e.kind, e.at - T0) for e in entries] == [
        ("timer", timedelta(0)),
        ("notification", timedelta(hours=1)),
        ("timer", timedelta(hours=26)),
    ]
    closed = entries[2].timer
    assert closed is not None and (closed.event, closed.met) == ("closed", False)
    delivery = entries[1].delivery
    assert delivery is not None
    assert (delivery.outcome, delivery.attempts, delivery.route_kind) == ("dead-lettered", 3, "lha")
    assert "never.shown" not in repr(entries)


def test_a_csv_cell_a_spreadsheet_would_run_is_quoted() -> None:
    entry = AuditorEntry(at=T0, kind="audit", title="=HYPERLINK(1)", actor="@me")
    row = csv_row(entry)
    assert (row["title"], row["actor"]) == ("'=HYPERLINK(1)", "'@me")


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_an_export_without_its_manifest_or_with_an_unlisted_file_fails() -> None:
    assert verify_export(b"not a zip").problem == "not a zip file"
    assert verify_export(_zip({"timeline.csv": b"x"})).altered == ("manifest.json",)
    manifest = b'{"files": []}'
    extra = verify_export(_zip({"manifest.json": manifest, "notes.txt": b"added later"}))
    assert (extra.ok, extra.altered) == (False, ("notes.txt",))


def test_a_file_edited_inside_the_zip_is_named() -> None:
    # Bytes changed in place, as a hex editor would: the member's own checksum no longer holds.
    listed = f'{{"files": [{{"name": "timeline.csv", "sha256": "{sha256(b"at,kind")}"}}]}}'
    intact = _zip({"manifest.json": listed.encode(), "timeline.csv": b"at,kind"})
    assert verify_export(intact).ok
    edited = verify_export(intact.replace(b"at,kind", b"at,kinf"))
    assert (edited.ok, edited.altered) == (False, ("timeline.csv",))
