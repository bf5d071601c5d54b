"""A canary person's name, date of birth and contact details must never leave the application
database.

Cases carrying the canary go through transitions, a refused and a forbidden move, timer
warnings, breaches and escalations (the real sweep flow under the virtual clock) and delivery
to the SMTP sink; one of them is an intentional-homelessness case whose applicant is the
canary, taken to the joint senior sign-off and its timers' warning; one is a Request for Support
whose household is the canary and a parent, with their contact details, the referrer's e-mail
address and free text naming the canary, taken through the triage warning to the feedback; one
is a care leaver's case (Pathway B) whose young person is the canary, with free text naming them
at every step that takes some.
Then every place personal data must not reach is searched: the mail received, the Prefect
server's runs, logs and artifacts (through its API and in its raw database), and the
application's log file and root logger at DEBUG. Each search first proves it read real data
by finding the case references there, and every pathway run of the cases must have published
its artifact, so the artifact search cannot pass by finding none.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import NoReturn, TypeVar
from urllib.parse import quote

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterTags,
)
from prefect.logging.handlers import APILogWorker
from prefect.settings import get_current_settings
from sqlalchemy import inspect
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import col, select
from typer.testing import CliRunner, Result

import application.cases
import tasks.transitions
from cli.main import app as cli_app
from flows.deliver_notifications import deliver_notifications
from flows.timer_sweep import timer_sweep
from infrastructure import clock
from infrastructure.db import session_scope
from infrastructure.logging_setup import AppLogFileHandler, configure_logging
from models import Case, Person, Timer
from simulation.smtp import SmtpSink
from tests.support.cases import EventRefusedError, ensure_staff, record_step, start_case

pytestmark = pytest.mark.usefixtures("prefect_server")

CANARY_NAME = "Zanzibar Quokkaflint"
CANARY_DOB = "2009-02-17"
NEEDLES = (
    "Zanzibar",
    "Quokkaflint",
    "2009-02-17",
    "17/02/2009",
    "17-02-2009",
    "17.02.2009",
    "17 Feb 2009",
    "17 February 2009",
    "2009/02/17",
    "02/17/2009",
    # The Request for Support's contact details, and the referrer's address: it may be the
    # route of the referrer's own mail (its envelope and To header), and nowhere else.
    "07700 900876",
    "duty.referrer.k9q",
)
RFS_PARENT = ("Parent Quokkaflint", "1980-05-05")
RFS_CONTACT = "07700 900876, the family's mobile"
RFS_REFERRER = "duty.referrer.k9q@referrer.example"
HO = "lha-housing-officer"
SW = "ics-social-worker"
PA = "personal-adviser"
CANARY_TEXT = f"{CANARY_NAME}, born {CANARY_DOB}"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAGE = 200
T = TypeVar("T")


@dataclass
class Search:
    """Where the canary was found, and which case references each source was seen to hold."""

    references: frozenset[str]
    leaks: list[str] = field(default_factory=list)
    seen: dict[str, set[str]] = field(default_factory=dict)

    def scan(self, source: str, where: str, text: str) -> None:
        folded = text.casefold()
        for needle in NEEDLES:
            at = folded.find(needle.casefold())
            if at >= 0:
                excerpt = text[max(at - 60, 0) : at + len(needle) + 60].replace("\n", " ")
                self.leaks.append(f"{source} / {where}: {needle!r} in ...{excerpt}...")
        found = self.seen.setdefault(source, set())
        found.update(reference for reference in self.references if reference in text)

    def assert_read_real_data(self, source: str) -> None:
        missing = self.references - self.seen.get(source, set())
        assert not missing, f"{source} holds none of {sorted(missing)}: searched the wrong data?"


@pytest.fixture
def app_log(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> Iterator[Path]:
    """The production log file setup, in tmp_path, with the root logger captured at DEBUG."""
    caplog.set_level(logging.DEBUG)
    path = configure_logging(tmp_path / "logs")
    try:
        yield path
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if isinstance(h, AppLogFileHandler)]:
            root.removeHandler(handler)
            handler.close()


def _set_clock(engine: Engine, moment: datetime) -> None:
    with session_scope(engine) as session:
        clock.set_virtual_time(session, moment, frozen=True)


def _open(referrer: str | None = None) -> str:
    payload: dict[str, object] = {
        "young_person": {"full_name": CANARY_NAME, "date_of_birth": CANARY_DOB}
    }
    if referrer is not None:
        payload["referrer_email"] = referrer
    applied = start_case(
        pathway="example", authority_id="dartford", payload=payload, actor="ho1", role=HO, now=T0
    )
    assert applied.status == "applied"
    return applied.case_reference


def _step(reference: str, transition: str, at: timedelta, payload: Mapping[str, object]) -> None:
    role = "ics-team-manager" if transition == "agree_closure" else SW
    applied = record_step(
        case_reference=reference,
        transition=transition,
        payload=payload,
        actor="sw1",
        role=role,
        now=T0 + at,
    )
    assert applied.status == "applied", applied.reason


def _sweep_and_deliver(engine: Engine, moment: datetime) -> dict[str, int]:
    _set_clock(engine, moment)
    fired: dict[str, int] = timer_sweep()["fired"]
    deliver_notifications()
    return fired


def _timer(engine: Engine, reference: str, name: str) -> Timer:
    with session_scope(engine) as session:
        return session.exec(
            select(Timer)
            .join(Case, col(Case.id) == col(Timer.case_id))
            .where(Case.reference == reference, Timer.name == name)
        ).one()


def _intentionality_case(engine: Engine, at: datetime) -> str:
    """The canary as the applicant of a family's intentionality case, up to the sign-off
    requests and their warning: the pathway's own alerts, to directors and to children's
    services under s.213A consent, are searched too."""
    _set_clock(engine, at)
    referral = {
        "applicant": {"full_name": CANARY_NAME, "date_of_birth": CANARY_DOB},
        "trigger": "minded_to_find_intentional",
        "application_made_on": at.date().isoformat(),
        "household_has_children": True,
        "care_leaver": False,
        "s213a_consent_invited": True,
        "s213a_consent_given": True,
    }
    opened = start_case(
        pathway="intentional-homelessness",
        authority_id="dartford",
        payload=referral,
        actor="ho1",
        role=HO,
        now=at,
    )
    reference = opened.case_reference
    review = {
        "steps_and_support_in_place": "Family support worker; arrears advice.",
        "interventions_to_avoid_finding": "Repayment plan offered to the landlord.",
        "accommodation_plan_if_found": "Temporary accommodation for a reasonable period.",
        "joint_plan_for_future_needs": "Joint visit with children's services.",
    }
    for transition, payload, later in (
        ("record_joint_review", review, timedelta(hours=1)),
        ("request_sign_off", {}, timedelta(hours=2)),
    ):
        applied = record_step(
            case_reference=reference,
            transition=transition,
            payload=payload,
            actor="ho1",
            role=HO,
            now=at + later,
        )
        assert applied.status == "applied", applied.reason
    warns = _timer(engine, reference, "housing_signoff").next_fire_at
    assert warns is not None, "the sign-off timer has no warning scheduled"
    fired = _sweep_and_deliver(engine, warns + timedelta(seconds=1))
    assert fired == {"warning": 2}, fired  # the housing and the children's services sign-offs
    return reference


def _rfs_content() -> dict[str, object]:
    members = [
        {"full_name": CANARY_NAME, "date_of_birth": CANARY_DOB, "relationship": "child"},
        {"full_name": RFS_PARENT[0], "date_of_birth": RFS_PARENT[1], "relationship": "parent"},
    ]
    return {
        "household_members": [{**member, "contact_details": RFS_CONTACT} for member in members],
        "synopsis": "Asked to leave by a relative; sofa surfing.",
        "complicating_factors": "The parent's poor health.",
        "duty_owed": "relief",
        "duty_ends_on": "2026-06-08",
        "lha_next_steps": "A private rented search.",
        "interventions_tried": "Deposit scheme.",
        "impact_of_interventions": "No offer yet.",
        "agencies_involved": "The school.",
        "referrer_name": "Duty Referrer",
        "referrer_email": RFS_REFERRER,
        "referrer_phone": "01632 960000",
        "s184_letter_reference": "S184-CANARY",
        "assessment_reference": "HA-CANARY",
        "php_reference": "PHP-CANARY",
        "family_consent": {"given": True, "scope": "Intensive Early Help"},
    }


def _record_all(
    reference: str, actor: str, role: str, moves: list[tuple[str, Mapping[str, object], datetime]]
) -> None:
    for transition, payload, at in moves:
        applied = record_step(
            case_reference=reference,
            transition=transition,
            payload=payload,
            actor=actor,
            role=role,
            now=at,
        )
        assert applied.status == "applied", applied.reason


def _rfs_case(engine: Engine, at: datetime) -> str:
    """A Request for Support whose household is the canary and a parent, with their contact
    details and the referrer's address, through the triage warning, further enquiries whose
    note names the canary, and the triage decision: the IFD's alerts and the referrer's
    feedback are searched too."""
    _set_clock(engine, at)
    threshold = {
        "support_level": 3,
        "safeguarding_concern": False,
        "nrpf_family_with_children": False,
        "spoke_to_parents": False,
        "why_not_spoken_to_parents": f"{CANARY_NAME} asked us not to, born {CANARY_DOB}.",
        "consulted_safeguarding_lead": False,
    }
    opened = start_case(
        pathway="request-for-support",
        authority_id="dartford",
        payload=threshold,
        actor="ho1",
        role=HO,
        now=at,
    )
    reference = opened.case_reference
    _record_all(
        reference,
        "ho1",
        HO,
        [
            ("start_rfs", {}, at + timedelta(minutes=10)),
            ("submit_rfs", _rfs_content(), at + timedelta(hours=1)),
        ],
    )
    warns = _timer(engine, reference, "ifd_triage").next_fire_at
    assert warns is not None, "the triage timer has no warning scheduled"
    assert _sweep_and_deliver(engine, warns + timedelta(seconds=1)).get("warning")
    decided = warns + timedelta(minutes=5)
    enquiries = {
        "contacted": ["parent"],
        "contacted_at": warns.isoformat(),
        "note": f"Called {RFS_PARENT[0]} on {RFS_CONTACT} about {CANARY_NAME}.",
    }
    _record_all(
        reference,
        "ifd1",
        "ifd-triage-worker",
        [
            ("record_further_enquiries", enquiries, decided),
            ("accept_intensive_early_help", {}, decided),
        ],
    )
    _set_clock(engine, decided)
    deliver_notifications()
    return reference


def _care_leaver_case(engine: Engine, at: datetime) -> str:
    """The canary as a care leaver of 17, from the opening (its needs assessment overdue at
    once, so the sweep breaches it) to an ending at their request, through every step whose
    free text a worker may fill with their name: the B&B exceptional reason, a short-notice
    move's detail, another housing authority's name and the young person's rationale."""
    ensure_staff("pa.canary", PA, "dartford")
    ensure_staff("tm.canary", "ics-team-manager", "dartford")
    _set_clock(engine, at)
    today = at.date()
    opened = start_case(
        pathway="care-leaver-transition",
        authority_id="dartford",
        payload={
            "young_person": {"full_name": CANARY_NAME, "date_of_birth": CANARY_DOB},
            "legal_status": "relevant_child",
            "legal_basis": "left_care",
            "cohort": {"personal_adviser": "pa.canary", "consent_to_share_with_lha": True},
        },
        actor="sw1",
        role=SW,
        now=at,
    )
    reference = opened.case_reference
    fired = _sweep_and_deliver(engine, at + timedelta(minutes=1))
    assert fired.get("breach"), fired  # "already overdue when the case opened"
    assert _timer(engine, reference, "needs_assessment").status == "breached"
    day = today.isoformat()
    _record_all(
        reference,
        "sw1",
        SW,
        [
            ("record_needs_assessment", {"completed_on": day}, at + timedelta(minutes=10)),
            (
                "record_pathway_plan",
                {"agreed_on": day, "personal_adviser": "pa.canary"},
                at + timedelta(minutes=20),
            ),
        ],
    )
    panel = {
        "held_on": day,
        "attendees": ["housing", "childrens_services"],
        "option": "bed_and_breakfast",
        "bed_and_breakfast_exceptional_reason": f"No other bed tonight for {CANARY_TEXT}.",
    }
    move = {
        "planned_move_on": (today + timedelta(days=10)).isoformat(),
        "plan_agreed_on": day,
        "short_notice_reason": "placement_breakdown",
        "short_notice_detail": f"{CANARY_TEXT} must leave the placement this week.",
    }
    referral = {
        "situation": "threatened_within_56_days",
        "consent_to_refer": True,
        "consent_to_share_contact_details": True,
        "other_authority": f"Leeds City Council, near {CANARY_NAME}'s sister",
        "referred_on": day,
    }
    ending = {"asked_on": day, "rationale": f"{CANARY_TEXT} asked to end support."}
    arrears = {"trigger": "rent_arrears", "on": day}
    _record_all(
        reference,
        "pa.canary",
        PA,
        [
            ("record_pre18_panel", panel, at + timedelta(hours=1)),
            ("record_planned_move", move, at + timedelta(hours=2)),
            ("record_risk_trigger", arrears, at + timedelta(hours=3)),
            ("refer_to_housing", referral, at + timedelta(hours=4)),
            ("close_at_young_persons_request", ending, at + timedelta(hours=5)),
        ],
    )
    _set_clock(engine, at + timedelta(hours=5))
    deliver_notifications()
    return reference


def _run_cases(engine: Engine) -> list[str]:
    closed = _open(referrer="referrals@school.example.com")
    overdue = _open()
    withdrawn = _open()
    visit = {"visited_family": True, "visited_young_person": True}
    _step(closed, "record_visit", timedelta(hours=2), visit)
    _step(withdrawn, "withdraw", timedelta(hours=3), {})

    with pytest.raises(EventRefusedError, match="cannot be recorded at step"):
        record_step(
            case_reference=overdue,
            transition="record_review",
            payload={"progress": "not yet"},
            actor="ho1",
            role=HO,
            now=T0 + timedelta(hours=4),
        )
    with pytest.raises(EventRefusedError) as forbidden:
        record_step(
            case_reference=overdue,
            transition="record_visit",
            payload=visit,
            actor="pa1",
            role="personal-adviser",
            now=T0 + timedelta(hours=5),
        )
    assert forbidden.value.refusal.code == "forbidden"
    with pytest.raises(EventRefusedError, match="date_of_birth"):
        start_case(
            pathway="example",
            authority_id="dartford",
            payload={"young_person": {"full_name": CANARY_NAME, "date_of_birth": "17/02/2009"}},
            actor="ho1",
            role=HO,
            now=T0,
        )

    assert _sweep_and_deliver(engine, T0 + timedelta(hours=18, minutes=1)) == {"warning": 1}
    assert _sweep_and_deliver(engine, T0 + timedelta(hours=24, minutes=1)) == {"breach": 1}
    _step(closed, "record_review", timedelta(days=3), {"progress": "settled"})
    _step(closed, "agree_closure", timedelta(days=4), {})
    _step(closed, "close", timedelta(days=4, hours=1), {})
    for level in (1, 2):
        due = _timer(engine, overdue, "visit").next_fire_at
        assert due is not None, f"no escalation level {level} scheduled"
        assert _sweep_and_deliver(engine, due + timedelta(seconds=1)) == {"escalation": 1}
    last = _timer(engine, overdue, "visit")
    assert last.next_fire_at is None, "the visit timer would fire in the next case's sweep"
    intentionality = _intentionality_case(engine, T0 + timedelta(weeks=4))
    request = _rfs_case(engine, T0 + timedelta(weeks=6))
    care_leaver = _care_leaver_case(engine, T0 + timedelta(weeks=8))
    return [closed, overdue, withdrawn, care_leaver, intentionality, request]


def _search_mail(search: Search, sink: SmtpSink) -> None:
    for number, mail in enumerate(sink.received):
        where = f"message {number} ({mail.subject})"
        headers = "\n".join(
            f"{name}: {make_header(decode_header(str(value)))}"
            for name, value in mail.message.items()
        )
        envelope = f"{mail.sender} -> {', '.join(mail.recipients)}"
        raw = mail.message.as_string()
        if mail.recipients == [RFS_REFERRER]:
            # The referrer's feedback is sent to the address they gave: only there may it be.
            envelope = envelope.replace(RFS_REFERRER, "<the referrer>")
            headers = headers.replace(f"To: {RFS_REFERRER}", "To: <the referrer>")
            raw = raw.replace(f"To: {RFS_REFERRER}", "To: <the referrer>")
        for text in (envelope, headers, mail.text(), raw):
            search.scan("smtp", where, text)


def _search_prefect_api(search: Search) -> None:
    with get_client(sync_client=True) as client:
        flow_runs = _all_pages(lambda offset: client.read_flow_runs(limit=PAGE, offset=offset))
        for run in flow_runs:
            where = f"flow run {run.name!r} ({run.id})"
            search.scan("prefect flow runs", f"{where} name", run.name)
            search.scan("prefect flow runs", f"{where} parameters", repr(run.parameters))
            search.scan("prefect flow runs", f"{where} tags", " ".join(run.tags))
            search.scan("prefect flow runs", f"{where} record", run.model_dump_json())
        for task_run in _all_pages(lambda offset: client.read_task_runs(limit=PAGE, offset=offset)):
            where = f"task run {task_run.name!r} ({task_run.id})"
            search.scan("prefect task runs", where, task_run.model_dump_json())
        for log in _all_pages(lambda offset: client.read_logs(limit=PAGE, offset=offset)):
            search.scan("prefect logs", f"log of flow run {log.flow_run_id}", log.message)
    assert flow_runs, "the Prefect server recorded no flow runs"


def _search_prefect_artifacts(search: Search) -> None:
    with get_client(sync_client=True) as client:
        case_tags = FlowRunFilterTags(any_=[f"case:{ref}" for ref in sorted(search.references)])
        runs = _all_pages(
            lambda offset: client.read_flow_runs(
                flow_run_filter=FlowRunFilter(tags=case_tags), limit=PAGE, offset=offset
            )
        )
        by_run = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id for run in runs]))
        artifacts = _all_pages(
            lambda offset: client.read_artifacts(artifact_filter=by_run, limit=PAGE, offset=offset)
        )
    for artifact in artifacts:
        where = f"artifact {artifact.key!r} of flow run {artifact.flow_run_id}"
        search.scan("prefect artifacts", where, artifact.model_dump_json())
    published = {artifact.flow_run_id for artifact in artifacts}
    unpublished = sorted(run.name for run in runs if run.id not in published)
    assert runs, "the cases have no flow runs"
    assert not unpublished, f"pathway runs without an artifact: {unpublished}"


def _all_pages(read: Callable[[int], list[T]]) -> list[T]:
    items: list[T] = []
    while page := read(len(items)):
        items.extend(page)
    return items


def _search_prefect_database(search: Search) -> None:
    url = get_current_settings().server.database.connection_url
    assert url is not None, "the Prefect test server has no database URL"
    database = make_url(url.get_secret_value()).database
    assert database and Path(database).exists(), f"no Prefect database at {database}"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            cursor = connection.execute(f'SELECT rowid, * FROM "{table}"')
            columns = [d[0] for d in cursor.description][1:]
            for rowid, *values in cursor:
                for column, value in zip(columns, values, strict=True):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if isinstance(value, str):
                        search.scan("prefect database", f"{table}.{column} rowid {rowid}", value)
    assert {"flow_run", "log", "artifact"} <= set(tables), f"not a Prefect database: {tables}"


# The referrer's address is the route of their feedback: the mail transport (Apprise sending,
# the test's SMTP server receiving) names it at INFO and DEBUG, which only reach a handler here
# because the test lowers the root logger to DEBUG. Anywhere else it is a leak.
MAIL_TRANSPORT = ("apprise", "mail.log")


def _route_only(logger: str, text: str) -> str:
    if any(logger == name or logger.startswith(f"{name}.") for name in MAIL_TRANSPORT):
        for written in (RFS_REFERRER, quote(RFS_REFERRER)):
            text = text.replace(written, "<the referrer>")
    return text


def _logger_of(line: str) -> str:
    """The logger of a line of the log file (LOG_FORMAT: date, time, level, process, logger:),
    or "" for a line that continues a record."""
    fields = line.split(" ", 5)
    return fields[4].removesuffix(":") if len(fields) == 6 else ""


def _search_application_logs(
    search: Search, log_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lines = log_file.read_text(encoding="utf-8").splitlines()
    logged = [_route_only(_logger_of(line), line) for line in lines]
    search.scan("application log file", str(log_file), "\n".join(logged))
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        where = f"{record.name}:{record.lineno}"
        search.scan(
            "root logger at DEBUG", where, _route_only(record.name, formatter.format(record))
        )


# The surfaces searched do not depend on the application database's backend.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_personal_data_stays_in_the_application_database(
    app_engine: Engine,
    smtp_sink: SmtpSink,
    app_log: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    references = _run_cases(app_engine)
    APILogWorker.drain_all(timeout=30)

    with session_scope(app_engine) as session:
        people = session.exec(select(Person)).all()
        assert {(p.full_name, str(p.date_of_birth)) for p in people} == {
            (CANARY_NAME, CANARY_DOB),
            RFS_PARENT,
        }
        # One canary a case, and the Request for Support's household of two.
        assert len(people) == len(references) + 1
        assert {p.contact_details for p in people} == {None, RFS_CONTACT}
    # The referrer's feedback reached the address they gave, so the search below reads it.
    assert any(m.recipients == [RFS_REFERRER] for m in smtp_sink.received)
    # The sign-off warnings were sent, so the search below reads them.
    intentionality = references[-1]
    assert any(
        intentionality in m.subject and "Due soon" in m.subject for m in smtp_sink.received
    ), [m.subject for m in smtp_sink.received]

    search = Search(frozenset(references))
    _search_mail(search, smtp_sink)
    _search_prefect_api(search)
    _search_prefect_artifacts(search)
    _search_prefect_database(search)
    _search_application_logs(search, app_log, caplog)

    assert not search.leaks, "personal data leaked:\n" + "\n".join(search.leaks)
    for source in (
        "smtp",
        "prefect flow runs",
        "prefect logs",
        "prefect artifacts",
        "prefect database",
        "application log file",
        "root logger at DEBUG",
    ):
        search.assert_read_real_data(source)


# An unexpected error: the terminal and the log see a reference, never the input.

CLI_INTAKE = {
    "young_person": {"full_name": CANARY_NAME, "date_of_birth": CANARY_DOB},
    "parent_or_pr_holder": {"full_name": f"Parent {CANARY_NAME}", "date_of_birth": "1980-05-05"},
    "slept_last_night": "sofa_surfing",
    "safe_tonight": True,
    "known_to_ics": False,
    "young_person_consent": {"purpose": "joint working", "given": True},
    "parent_consent": {"purpose": "joint working", "given": True},
    "approached": "co_located_team",
}


def _row_counts(engine: Engine) -> dict[str, int]:
    tables = inspect(engine).get_table_names()
    with engine.connect() as connection:
        return {
            table: connection.execute(sql_text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for table in tables
        }


def _open_by_cli(payload: Mapping[str, object], tmp_path: Path) -> Result:
    # A file, as the CLI's help advises for personal details: nothing in the arguments.
    source = tmp_path / "intake.json"
    source.write_text(json.dumps(payload), encoding="utf-8")
    command = ["case", "open", "youth-1617-intake", "--authority", "dartford", "--as", "ho.canary"]
    return CliRunner().invoke(cli_app, [*command, "--input", str(source)])


def _scan_everything(
    search: Search, result: Result, log_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    search.scan("terminal", "stdout", result.stdout)
    search.scan("terminal", "stderr", result.stderr)
    search.scan("application log file", str(log_file), log_file.read_text(encoding="utf-8"))
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        search.scan(
            "root logger at DEBUG", f"{record.name}:{record.lineno}", formatter.format(record)
        )


def test_an_unexpected_error_prints_and_logs_a_reference_and_no_personal_data(
    app_engine: Engine,
    app_log: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The driver's error that once printed both people's details: raised from inside the use
    case with the people in its message and in the frames' locals."""
    ensure_staff("ho.canary", HO, "dartford")
    _set_clock(app_engine, T0)

    def crash(*_args: object, people: Mapping[str, object], **_kwargs: object) -> NoReturn:
        details = {name: repr(person) for name, person in people.items()}
        raise ValueError(f"A string literal cannot contain NUL (0x00) characters: {details}")

    monkeypatch.setattr(application.cases, "_write_new_case", crash)
    before = _row_counts(app_engine)
    result = _open_by_cli(CLI_INTAKE, tmp_path)
    assert result.exit_code == 1, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unexpected error, reference ERR-"), lines
    reference = lines[0].split("reference ", 1)[1].split(" ", 1)[0]
    assert "Traceback" not in result.output
    assert _row_counts(app_engine) == before  # the transaction was rolled back

    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = app_log.read_text(encoding="utf-8")
    assert f"unexpected error {reference}: ValueError at " in logged
    assert "tests/integration/test_pii_canary.py:" in logged and " in crash" in logged
    search = Search(frozenset({reference}))
    _scan_everything(search, result, app_log, caplog)
    assert not search.leaks, "personal data leaked:\n" + "\n".join(search.leaks)
    for source in ("terminal", "application log file", "root logger at DEBUG"):
        search.assert_read_real_data(source)


def test_a_nul_in_a_name_is_a_one_line_refusal_that_writes_nothing(
    app_engine: Engine, app_log: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """On PostgreSQL this crashed in the driver, printing both names and dates of birth."""
    ensure_staff("ho.canary", HO, "dartford")
    _set_clock(app_engine, T0)
    before = _row_counts(app_engine)
    payload = {
        **CLI_INTAKE,
        "young_person": {"full_name": "Zanzibar\x00Quokkaflint", "date_of_birth": CANARY_DOB},
    }
    result = _open_by_cli(payload, tmp_path)
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.stderr.strip() == (
        "error: young_person.full_name: must not contain control characters (such as NUL)"
    )
    assert _row_counts(app_engine) == before
    search = Search(frozenset({"young_person.full_name"}))
    _scan_everything(search, result, app_log, caplog)
    assert not search.leaks, "personal data leaked:\n" + "\n".join(search.leaks)
    search.assert_read_real_data("terminal")


def test_an_error_inside_the_flow_run_reaches_prefect_as_a_reference_only(
    app_engine: Engine,
    app_log: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Prefect keeps a failed task's exception in its logs, its API and the run's state: the
    exception it is given carries a reference, and the cause with the people stays behind."""
    ensure_staff("ho.canary", HO, "dartford")
    _set_clock(app_engine, T0)

    def crash(*_args: object, **_kwargs: object) -> NoReturn:
        raise ValueError(f"could not apply for {CANARY_NAME} born {CANARY_DOB}")

    monkeypatch.setattr(tasks.transitions, "apply_event", crash)
    result = _open_by_cli(CLI_INTAKE, tmp_path)
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.stderr.strip().startswith("error: unexpected error, reference ERR-")
    for handler in logging.getLogger().handlers:
        handler.flush()
    search = Search(frozenset())
    _scan_everything(search, result, app_log, caplog)
    _search_prefect_api(search)
    assert not search.leaks, "personal data leaked:\n" + "\n".join(search.leaks)
