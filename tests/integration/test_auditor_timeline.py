"""The auditor's case timeline on a real Prefect server: a case run through its steps, with a
timer that warns, breaches and closes late, and alerts delivered to the SMTP sink. The timeline
holds every Prefect flow run of the case, every audit event and every delivery, in order; with
Prefect's history wiped it still shows every run as recorded, marked "no longer available"; the
export verifies, and a tampered one fails, naming the file."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.client.schemas.objects import FlowRun
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner

from application.accounts import SignedIn, add_account, issue_api_token, sign_in
from application.auditor_timeline import (
    NO_LONGER_AVAILABLE,
    AuditorTimeline,
    read_auditor_timeline,
)
from application.case_export import MANIFEST, export_case, verify_export
from application.principals import Acting
from application.sweep import sweep
from cli.main import app as cli_app
from dashboard.app import create_app
from dashboard.security import SESSION_COOKIE
from flows.deliver_notifications import deliver_notifications
from flows.dispatch import run_pathway_event
from flows.run_history import case_run_history
from infrastructure import clock
from infrastructure.db import session_scope
from models import AuditEvent, Case, CaseEvent, CaseStep, Notification
from pathways.refusal import Refusal
from simulation.smtp import SmtpSink
from tests.support.cases import acting_for, record_step, start_case

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]

HO = "lha-housing-officer"
AUDITOR = "auditor.dartford"
T0 = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
PAYLOAD = {"young_person": {"full_name": "Tamsin Timelinecanary", "date_of_birth": "2009-05-01"}}
VISIT = {"visited_family": True, "visited_young_person": True}


def _at(engine: Engine, moment: datetime) -> None:
    """The shared clock, frozen: every run, sweep and delivery dates itself by it."""
    with session_scope(engine) as session:
        clock.set_virtual_time(session, moment, frozen=True)


@dataclass(frozen=True)
class Story:
    reference: str
    auditor: Acting


@pytest.fixture
def story(app_engine: Engine, smtp_sink: SmtpSink) -> Story:
    """Opened, alerts delivered, the visit timer warned and breached (escalation alerts
    delivered), the visit recorded late, then a weekly review in time."""
    _at(app_engine, T0)
    reference = start_case(
        pathway="example", authority_id="dartford", payload=PAYLOAD, actor="ho1", role=HO
    ).case_reference
    _at(app_engine, T0 + timedelta(minutes=1))
    assert deliver_notifications()["sent"] == 2
    warned = T0 + timedelta(hours=18, minutes=30)
    assert sweep(app_engine, warned, run_pathway_event).by_kind == {"warning": 1}
    breached = T0 + timedelta(hours=25)
    assert sweep(app_engine, breached, run_pathway_event).by_kind == {"breach": 1}
    _at(app_engine, breached + timedelta(minutes=1))
    assert deliver_notifications()["sent"] >= 2
    _at(app_engine, T0 + timedelta(hours=26))
    record_step(
        case_reference=reference, transition="record_visit", payload=VISIT, actor="ho1", role=HO
    )
    _at(app_engine, T0 + timedelta(hours=27))
    record_step(
        case_reference=reference,
        transition="record_review",
        payload={"progress": "settled"},
        actor="ho1",
        role=HO,
    )
    assert len(smtp_sink.received) >= 4
    return Story(reference, acting_for(AUDITOR, "auditor", "dartford"))


def _prefect_runs(reference: str) -> list[FlowRun]:
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"case:{reference}"]))
        )


def _timeline(story: Story) -> AuditorTimeline:
    shown = read_auditor_timeline(story.auditor, story.reference, case_run_history(story.reference))
    assert not isinstance(shown, Refusal), shown
    return shown


def _audit_ids(engine: Engine, reference: str) -> list[int]:
    with session_scope(engine) as session:
        return [
            row or 0
            for row in session.exec(
                select(AuditEvent.id)
                .where(AuditEvent.case_reference == reference)
                .order_by(col(AuditEvent.id))
            )
        ]


def test_the_timeline_holds_every_run_event_and_delivery_in_order_and_outlives_prefect(
    app_engine: Engine, story: Story
) -> None:
    timeline = _timeline(story)
    entries = timeline.entries

    in_prefect = _prefect_runs(story.reference)
    assert len(in_prefect) == 3
    assert {run.flow_run_id for run in timeline.runs} == {str(found.id) for found in in_prefect}
    for run in timeline.runs:
        assert (run.recorded_state, run.prefect_state, run.prefect) == (
            "Completed",
            "Completed",
            "available",
        )
        assert [task.name.split("-")[0:2] for task in run.task_runs] == [["apply", "transition"]]
        assert [state.type for state in run.states][-1] == "COMPLETED"
        assert run.artifacts and run.artifacts[0].rows[0]["what"] == "transition"
        assert run.ui_url and run.flow_run_id in run.ui_url
    shown_audit = sorted(entry.audit_id for entry in entries if entry.audit_id is not None)
    assert shown_audit == _audit_ids(app_engine, story.reference)
    with session_scope(app_engine) as session:
        case_id = session.exec(select(Case.id).where(Case.reference == story.reference)).one()
        sent = session.exec(select(Notification.id).where(Notification.case_id == case_id)).all()
    deliveries = [entry.delivery for entry in entries if entry.delivery is not None]
    assert sorted(d.notification_id for d in deliveries) == sorted(i or 0 for i in sent)
    assert {(d.outcome, d.attempts) for d in deliveries} == {("delivered", 1)}
    assert {d.route_kind for d in deliveries} == {
        "lha",
        "ics",
        "case_staff",
        "role:lha-senior-officer",
        "role:ics-team-manager",
    }

    # In order on the application's clock, and each run right after the step it applied.
    assert [entry.at for entry in entries] == sorted(entry.at for entry in entries)
    titles = [entry.title for entry in entries]
    for transition in ("open_referral", "record_visit", "record_review"):
        step = titles.index(f"example.{transition}")
        ran = next(i for i, t in enumerate(titles) if t.endswith(f"· {transition}: Completed"))
        assert step < ran, titles
    visit = [
        (entry.timer.event, entry.timer.met)
        for entry in entries
        if entry.timer is not None and entry.timer.name == "visit"
    ]
    assert visit == [("opened", None), ("warned", None), ("breached", False), ("closed", False)]
    review = [e.timer for e in entries if e.timer is not None and e.timer.name == "weekly_review"]
    assert [(t.event, t.met, t.occurrence) for t in review] == [
        ("opened", None, 1),
        ("closed", True, 1),
        ("opened", None, 2),
    ]
    assert "Timelinecanary" not in repr(timeline)

    # Years later: Prefect's history is gone, and every run still shows as recorded.
    before = {run.flow_run_id: run for run in timeline.runs}
    with get_client(sync_client=True) as client:
        for found in _prefect_runs(story.reference):
            client.delete_flow_run(found.id)
    assert _prefect_runs(story.reference) == []

    after = _timeline(story)

    assert {run.flow_run_id for run in after.runs} == set(before) and len(before) == 3
    for run in after.runs:
        assert run.prefect == "no longer available"
        assert run.availability_note == NO_LONGER_AVAILABLE
        assert (run.state, run.prefect_state, run.task_runs) == ("Completed", None, ())
        kept = before[run.flow_run_id]
        assert (run.started_at, run.ended_at, run.ui_url) == (
            kept.started_at,
            kept.ended_at,
            kept.ui_url,
        )
    assert sorted(e.audit_id for e in after.entries if e.audit_id) == _audit_ids(
        app_engine, story.reference
    )


def _tampered(data: bytes, name: str, old: bytes = b"Completed", new: bytes = b"Failed") -> bytes:
    """The zip with one file's content edited, the rest (the manifest included) as it was."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as copy:
        for info in source.infolist():
            content = source.read(info.filename)
            assert info.filename != name or old in content, name
            copy.writestr(info, content.replace(old, new) if info.filename == name else content)
    return out.getvalue()


def _opened() -> Story:
    """A case with one run: what the export tests need."""
    reference = start_case(
        pathway="example", authority_id="dartford", payload=PAYLOAD, actor="ho1", role=HO
    ).case_reference
    return Story(reference, acting_for(AUDITOR, "auditor", "dartford"))


def test_the_export_verifies_and_a_tampered_one_fails_naming_the_file(
    app_engine: Engine, tmp_path: Path
) -> None:
    story = _opened()
    shown = len(_timeline(story).entries)
    made = export_case(story.auditor, story.reference, case_run_history(story.reference))
    assert not isinstance(made, Refusal), made

    with zipfile.ZipFile(io.BytesIO(made.data)) as archive:
        assert sorted(archive.namelist()) == sorted(
            ["timeline.json", "timeline.csv", "timeline.html", "manifest.json"]
        )
        document = json.loads(archive.read("timeline.json"))
        html = archive.read("timeline.html").decode()
    assert len(document["entries"]) == shown and document["audit_chain"]["ok"] is True
    (run,) = [entry["run"] for entry in document["entries"] if entry["run"]]
    assert (run["state"], run["availability_note"]) == ("Completed", "in Prefect's history")
    assert "<script" not in html and "Timelinecanary" not in made.data.decode("latin-1")
    check = verify_export(made.data, made.manifest_sha256)
    assert check.ok and check.manifest_sha256 == made.manifest_sha256
    with session_scope(app_engine) as session:
        exported = session.exec(
            select(AuditEvent).where(AuditEvent.action == "case.exported")
        ).one()
    assert exported.actor == AUDITOR and exported.case_reference == story.reference
    assert exported.after is not None
    assert exported.after["manifest_sha256"] == made.manifest_sha256

    for name in ("timeline.csv", "timeline.json", "timeline.html"):
        failed = verify_export(_tampered(made.data, name))
        assert (failed.ok, failed.altered) == (False, (name,)), name
    # A manifest rewritten to match is caught by the hash printed when the export was made.
    rewritten = _tampered(made.data, MANIFEST, b'"algorithm"', b'"algorithm" ')
    assert verify_export(rewritten).ok
    assert verify_export(rewritten, made.manifest_sha256).altered == (MANIFEST,)

    # The same from the command line: made, verified, and refused once tampered with.
    runner = CliRunner()
    out = tmp_path / "export.zip"
    made_cli = runner.invoke(
        cli_app, ["case", "export", story.reference, "--as", AUDITOR, "--out", str(out)]
    )
    assert made_cli.exit_code == 0, made_cli.output
    manifest_hash = made_cli.stdout.split("manifest: ")[1].split()[0]
    intact = runner.invoke(
        cli_app, ["export", "verify", str(out), "--manifest-sha256", manifest_hash]
    )
    assert intact.exit_code == 0, intact.output
    out.write_bytes(_tampered(out.read_bytes(), "timeline.csv"))
    broken = runner.invoke(cli_app, ["export", "verify", str(out)])
    assert broken.exit_code == 1 and "timeline.csv" in broken.output
    printed = runner.invoke(
        cli_app, ["case", "timeline", story.reference, "--as", AUDITOR, "--json"]
    )
    assert printed.exit_code == 0, printed.output
    runs = [e["run"] for e in json.loads(printed.stdout)["entries"] if e["run"]]
    assert [run["prefect"] for run in runs] == ["available"]
    table = runner.invoke(
        cli_app, ["case", "timeline", story.reference, "--as", AUDITOR], env={"COLUMNS": "80"}
    )
    assert table.exit_code == 0, table.output
    assert "audit chain verified" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80, table.stdout


PASSWORD = "a long auditing passphrase"


@dataclass(frozen=True)
class SignedInAuditor:
    page: TestClient
    api: TestClient


def _signed_in(engine: Engine, username: str, authority: str) -> SignedInAuditor:
    acting_for(username, "auditor", authority)
    with session_scope(engine) as session:
        add_account(session, username, PASSWORD, by="test")
        token = issue_api_token(session, username, by="test")
    with session_scope(engine) as session:
        signed_in = sign_in(session, username, PASSWORD)
    assert isinstance(signed_in, SignedIn), signed_in
    page = TestClient(create_app(), base_url="https://testserver")
    page.cookies.set(SESSION_COOKIE, signed_in.session_token)
    api = TestClient(create_app(), base_url="https://testserver")
    api.headers["Authorization"] = f"Bearer {token}"
    return SignedInAuditor(page, api)


def _events(engine: Engine, reference: str) -> tuple[int, str, int]:
    """(events recorded on the case, its step, its version)."""
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        events = session.exec(select(CaseEvent.id).where(CaseEvent.case_id == case.id)).all()
        return len(events), case.state, case.version


def test_an_auditor_reads_the_page_the_api_and_the_exports_and_changes_nothing(
    app_engine: Engine,
) -> None:
    reference = _opened().reference
    (run,) = _prefect_runs(reference)
    auditor = _signed_in(app_engine, AUDITOR, "dartford")

    page = auditor.page.get(f"/cases/{reference}/timeline")
    assert page.status_code == 200, page.text
    assert str(run.id) in page.text and "The audit chain of this case verifies" in page.text
    assert f'href="/cases/{reference}/export"' in page.text
    assert f'href="/cases/{reference}/timeline"' in auditor.page.get(f"/cases/{reference}").text
    api = auditor.api.get(f"/api/cases/{reference}/timeline")
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["entries"] and body["auditor"]["audit_chain"]["ok"] is True
    runs = [entry["run"] for entry in body["auditor"]["entries"] if entry["kind"] == "flow_run"]
    assert [(r["flow_run_id"], r["state"], r["prefect"]) for r in runs] == [
        (str(run.id), "Completed", "available")
    ]
    for client, path in ((auditor.page, "/cases"), (auditor.api, "/api/cases")):
        download = client.get(f"{path}/{reference}/export")
        assert download.status_code == 200, download.text
        assert download.headers["content-type"] == "application/zip"
        issued = download.headers["x-manifest-sha256"]
        assert verify_export(download.content, issued).ok
    assert "Timelinecanary" not in page.text + api.text

    # Reads only: every write is refused, and nothing about the case changes.
    before = _events(app_engine, reference)
    form = auditor.page.get(f"/cases/{reference}")
    csrf = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    posted = auditor.page.post(
        f"/cases/{reference}/steps/record_visit",
        data={"csrf_token": csrf, "visited_family": "true", "visited_young_person": "true"},
        follow_redirects=False,
    )
    assert posted.status_code == 403, posted.text
    recorded = auditor.api.post(
        f"/api/cases/{reference}/events", json={"step": "record_visit", "input": VISIT}
    )
    assert recorded.status_code == 403, recorded.text
    for client, path in ((auditor.page, "/cases"), (auditor.api, "/api/cases")):
        for view in ("timeline", "export"):
            assert client.post(f"{path}/{reference}/{view}").status_code in (403, 405)
    assert _events(app_engine, reference) == before

    # Another authority's auditor finds no such case, on the page and in the API.
    other = _signed_in(app_engine, "auditor.medway", "medway")
    assert other.page.get(f"/cases/{reference}/timeline").status_code == 404
    assert other.page.get(f"/cases/{reference}/export").status_code == 404
    assert other.api.get(f"/api/cases/{reference}/timeline").status_code == 404
    assert other.api.get(f"/api/cases/{reference}/export").status_code == 404


def test_a_tampered_record_turns_the_timeline_red_and_names_the_row(app_engine: Engine) -> None:
    reference = _opened().reference
    auditor = _signed_in(app_engine, AUDITOR, "dartford")
    with session_scope(app_engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        step = session.exec(select(CaseStep).where(CaseStep.case_id == case.id)).first()
        assert step is not None
        # A forged actor on a step the case page shows.
        step.completed_by = "someone.else"
        session.add(step)
    page = auditor.page.get(f"/cases/{reference}/timeline")
    assert page.status_code == 200, page.text
    assert "The audit chain of this case verifies" not in page.text
    assert f"casestep {step.id}" in page.text
    api = auditor.api.get(f"/api/cases/{reference}/timeline").json()
    assert api["auditor"]["audit_chain"]["ok"] is False
