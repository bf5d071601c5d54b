"""A case's auditor timeline as a file a third party can check: a zip of the timeline as JSON,
as CSV and as a printable HTML page (no script), and a manifest naming each file's SHA-256.

The manifest's own hash is returned to whoever made the export and written into the audit
chain (``case.exported``), so the service can later say which export it issued; the manifest
alone lets anyone holding the zip check that no file in it was altered (``verify_export``).

The export holds what the timeline shows and nothing more: staff usernames and roles, rule
ids, route kinds, Prefect run ids; never the people the case is about.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from application.auditor_timeline import AuditorEntry, AuditorTimeline, RunHistory, auditor_timeline
from application.principals import Acting
from infrastructure import audit, clock
from infrastructure.db import get_engine, session_scope
from pathways.refusal import Refusal

FORMAT: Final = "pathways-case-export/1"
MANIFEST: Final = "manifest.json"
TIMELINE_FILES: Final = ("timeline.json", "timeline.csv", "timeline.html")
EXPORTED: Final = "case.exported"
BASIS: Final = "auditor export of the case timeline (issue #15, 'Exports')"
TEMPLATE_DIR: Final = Path(__file__).parent / "document_templates"
LONDON: Final = ZoneInfo("Europe/London")
MAX_MEMBER_BYTES: Final = 256 * 1024 * 1024
"""Larger than any case's timeline: a bigger member is not one of our exports."""
CSV_COLUMNS: Final = (
    "at",
    "kind",
    "title",
    "actor",
    "role",
    "basis",
    "changes",
    "audit_id",
    "flow_run_id",
    "run_state",
    "prefect",
    "run_started_at",
    "run_ended_at",
    "run_ui_url",
    "timer",
    "timer_event",
    "due_at",
    "met",
    "route_kind",
    "template",
    "attempts",
    "outcome",
)
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell starting with one of these as a formula (CSV injection)."""


@dataclass(frozen=True)
class CaseExport:
    case_reference: str
    filename: str
    data: bytes
    manifest_sha256: str
    files: Mapping[str, str]
    """Each file's name -> its SHA-256, as the manifest lists them."""


@dataclass(frozen=True)
class ExportCheck:
    ok: bool
    altered: tuple[str, ...] = ()
    """The files whose content does not match the manifest, or that it does not list."""
    problem: str = ""
    manifest_sha256: str | None = None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def timeline_document(timeline: AuditorTimeline) -> dict[str, Any]:
    """The timeline as plain JSON values (times in ISO 8601 with their offset)."""
    return {
        "format": "pathways-case-timeline/1",
        "case": {
            "reference": timeline.reference,
            "pathway": timeline.pathway,
            "authority": timeline.authority_id,
            "status": timeline.status,
        },
        "as_of": timeline.as_of.isoformat(),
        "audit_chain": {
            "ok": timeline.chain.ok,
            "checked": timeline.chain.checked,
            "problem": timeline.chain.problem,
            "bad_row": timeline.chain.bad_row,
        },
        "prefect_problem": timeline.prefect_problem,
        "entries": [_entry_document(entry) for entry in timeline.entries],
    }


def _entry_document(entry: AuditorEntry) -> dict[str, Any]:
    document: dict[str, Any] = _jsonable(asdict(entry))
    if entry.run is not None:
        # Said in words too, so a reader of the file alone knows a run is shown as recorded.
        document["run"]["state"] = entry.run.state
        document["run"]["availability_note"] = entry.run.availability_note
    return document


def _cell(value: Any) -> str:
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_row(entry: AuditorEntry) -> dict[str, str]:
    run, timer, delivery = entry.run, entry.timer, entry.delivery
    values: dict[str, Any] = {
        "at": entry.at,
        "kind": entry.kind,
        "title": entry.title,
        "actor": entry.actor,
        "role": entry.role,
        "basis": entry.basis,
        "changes": "; ".join(f"{c.field}: {c.before} -> {c.after}" for c in entry.changes),
        "audit_id": entry.audit_id,
        "flow_run_id": run.flow_run_id if run else None,
        "run_state": run.state if run else None,
        "prefect": run.availability_note if run else None,
        "run_started_at": run.started_at if run else None,
        "run_ended_at": run.ended_at if run else None,
        "run_ui_url": run.ui_url if run else None,
        "timer": timer.name if timer else None,
        "timer_event": timer.event if timer else None,
        "due_at": timer.due_at if timer else None,
        "met": None if timer is None or timer.met is None else ("yes" if timer.met else "no"),
        "route_kind": delivery.route_kind if delivery else None,
        "template": delivery.template if delivery else None,
        "attempts": delivery.attempts if delivery else None,
        "outcome": delivery.outcome if delivery else None,
    }
    return {column: _cell(values[column]) for column in CSV_COLUMNS}


def timeline_csv(entries: Sequence[AuditorEntry]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(csv_row(entry) for entry in entries)
    return out.getvalue()


def london_time(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%a %d %b %Y %H:%M:%S %Z") if moment else "—"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["london_time"] = london_time
    return env


def timeline_html(timeline: AuditorTimeline, made_at: datetime, made_by: str) -> str:
    return (
        _environment()
        .get_template("case_timeline.html.j2")
        .render(timeline=timeline, made_at=made_at, made_by=made_by)
    )


def _zipped(files: Mapping[str, bytes], at: datetime) -> bytes:
    # Fixed member times and order: the same files always make the same zip.
    stamp = at.astimezone(LONDON).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data)
    return out.getvalue()


def build_export(timeline: AuditorTimeline, viewer: Acting, at: datetime) -> CaseExport:
    contents = {
        "timeline.json": json.dumps(timeline_document(timeline), indent=2).encode(),
        "timeline.csv": timeline_csv(timeline.entries).encode(),
        "timeline.html": timeline_html(timeline, at, viewer.username).encode(),
    }
    files = {name: sha256(data) for name, data in contents.items()}
    manifest = {
        "format": FORMAT,
        "case_reference": timeline.reference,
        "created_at": at.isoformat(),
        "created_by": viewer.username,
        "role": viewer.role,
        "algorithm": "sha256",
        "files": [
            {"name": name, "sha256": files[name], "bytes": len(contents[name])} for name in contents
        ],
    }
    manifest_bytes = json.dumps(manifest, indent=2).encode()
    stamp = at.astimezone(LONDON).strftime("%Y%m%dT%H%M")
    return CaseExport(
        case_reference=timeline.reference,
        filename=f"{timeline.reference}-timeline-{stamp}.zip",
        data=_zipped({**contents, MANIFEST: manifest_bytes}, at),
        manifest_sha256=sha256(manifest_bytes),
        files=files,
    )


def export_case(viewer: Acting, reference: str, runs: RunHistory) -> CaseExport | Refusal:
    """The viewer's export of a case they may see, audited with the manifest's hash."""
    engine = get_engine()
    with session_scope(engine) as session:
        now = clock.now(engine)
        timeline = auditor_timeline(session, viewer, reference, now, runs=runs)
        if isinstance(timeline, Refusal):
            return timeline
        export = build_export(timeline, viewer, now)
        audit.record(
            session,
            actor=viewer.username,
            role=viewer.role,
            action=EXPORTED,
            case_reference=timeline.reference,
            after={
                "manifest_sha256": export.manifest_sha256,
                "files": dict(export.files),
                "entries": len(timeline.entries),
            },
            basis=BASIS,
            at=now,
        )
    return export


def _listed(manifest: Any) -> dict[str, str] | None:
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list):
        return None
    listed: dict[str, str] = {}
    for item in files:
        if not (isinstance(item, dict) and isinstance(item.get("name"), str)):
            return None
        listed[item["name"]] = str(item.get("sha256", ""))
    return listed


def _member_hash(archive: zipfile.ZipFile, name: str) -> str | None:
    """The member's SHA-256, or None for one whose bytes were edited inside the zip (its
    checksum no longer matches) or cannot be read."""
    try:
        return sha256(archive.read(name))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError):
        return None


def verify_export(data: bytes, expected_manifest_sha256: str | None = None) -> ExportCheck:
    """Checks every file against the manifest, and the manifest against the hash printed when
    the export was made, when given. Names each altered, missing or unlisted file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ExportCheck(False, problem="not a zip file")
    with archive:
        members = {info.filename: info for info in archive.infolist()}
        if MANIFEST not in members:
            return ExportCheck(False, (MANIFEST,), f"{MANIFEST} is missing")
        if any(info.file_size > MAX_MEMBER_BYTES for info in members.values()):
            return ExportCheck(False, problem="a file is larger than any export of ours")
        manifest_hash = _member_hash(archive, MANIFEST)
        if manifest_hash is None:
            return ExportCheck(False, (MANIFEST,), f"{MANIFEST} cannot be read")
        if expected_manifest_sha256 and manifest_hash != expected_manifest_sha256.lower():
            return ExportCheck(
                False, (MANIFEST,), f"{MANIFEST} is not the one issued", manifest_hash
            )
        try:
            listed = _listed(json.loads(archive.read(MANIFEST)))
        except (json.JSONDecodeError, UnicodeDecodeError):
            listed = None
        if listed is None:
            return ExportCheck(False, (MANIFEST,), f"{MANIFEST} cannot be read", manifest_hash)
        actual = {name: _member_hash(archive, name) for name in members if name != MANIFEST}
    altered = [
        name
        for name in sorted({*listed, *actual})
        if name not in actual or name not in listed or actual[name] != listed[name]
    ]
    if altered:
        return ExportCheck(
            False,
            tuple(altered),
            "altered, missing or unlisted: " + ", ".join(altered),
            manifest_hash,
        )
    return ExportCheck(True, manifest_sha256=manifest_hash)
