"""The operations page end to end, signed in through ``application.accounts``: an operator sees
the dead letters (never their body) and puts one, or all, back in the queue with the page's
CSRF token; anyone else gets 403, audited; an overdue timer no one owns is listed; and the page
renders, saying "unreachable", while the Prefect server is down or silent."""

from __future__ import annotations

import re
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State
from prefect.deployments.runner import RunnerDeployment
from prefect.settings import PREFECT_API_URL
from prefect.states import Completed, Pending, Running
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from application.accounts import SignedIn, add_account, sign_in
from application.staff import add_staff
from dashboard.app import create_app
from dashboard.security import SESSION_COOKIE
from deployments.health import PROBE_TIMEOUT, prefect_health
from flows.timer_sweep import timer_sweep
from infrastructure import clock
from infrastructure.db import session_scope
from models import AuditEvent, Case, Notification, Timer
from simulation.smtp import free_port
from tests.support.off_loop import run_coroutine

PASSWORD = "a long test passphrase"
CANARY = "Zebedee Canarywharf"
ROUTE = "mailto://zebedee.canarywharf@example.org"
STAFF = {"ops.kent": "operator", "coord.kent": "coordinator"}


@dataclass(frozen=True)
class Browsers:
    engine: Engine
    tokens: dict[str, str]

    def client(self, username: str) -> TestClient:
        client = TestClient(create_app(), base_url="https://testserver")
        client.cookies.set(SESSION_COOKIE, self.tokens[username])
        return client


@pytest.fixture
def prefect_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens on the Prefect API's port: every connection is refused at once."""
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{free_port()}/api")


@pytest.fixture
def browsers(app_engine: Engine) -> Browsers:
    tokens = {}
    for username, role in STAFF.items():
        with session_scope(app_engine) as session:
            add_staff(
                session,
                username=username,
                display_name=username,
                email=f"{username}@test.example",
                roles=[role],
                team="lha",
                authority_id="dartford",
                actor="test",
                actor_role="operator",
                basis="test staff",
            )
            add_account(session, username, PASSWORD, by="test")
        with session_scope(app_engine) as session:
            signed_in = sign_in(session, username, PASSWORD)
        assert isinstance(signed_in, SignedIn), signed_in
        tokens[username] = signed_in.session_token
    return Browsers(app_engine, tokens)


def _dead_letter(engine: Engine, key: str) -> int:
    with session_scope(engine) as session:
        row = Notification(
            idempotency_key=key,
            case_reference="JP-7K3Q-9D2F",
            event_type="timer_breach",
            context={"young_person_name": CANARY},
            recipient="lha",
            route=ROUTE,
            status="permanent-failure",
            attempts=2,
            last_error=f"the relay refused the message about {CANARY}",
            last_error_kind="recipient-rejected",
            failed_at=clock.now(engine),
        )
        session.add(row)
        session.flush()
        return row.id or 0


def _status(engine: Engine, notification_id: int) -> str:
    with session_scope(engine) as session:
        found = session.get(Notification, notification_id)
        assert found is not None
        return found.status


def _csrf(page: Response) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


@pytest.mark.usefixtures("prefect_down")
def test_an_operator_sees_a_dead_letter_and_retry_puts_it_back_in_the_queue(
    browsers: Browsers,
) -> None:
    dead = _dead_letter(browsers.engine, "page-a")
    with browsers.client("ops.kent") as client:
        page = client.get("/ops")
        assert page.status_code == 200, page.text
        assert "JP-7K3Q-9D2F" in page.text
        assert "recipient rejected" in page.text
        assert 'href="/ops"' in page.text  # the navigation offers the page to an operator
        assert "Canarywharf" not in page.text.replace("&#39;", "'")  # neither body nor route
        posted = client.post(
            f"/ops/dead-letters/{dead}/retry",
            data={"csrf_token": _csrf(page)},
            follow_redirects=False,
        )
        assert posted.status_code == 303
        assert posted.headers["location"] == "/ops?retried=1"
        after = client.get(posted.headers["location"])
    assert _status(browsers.engine, dead) == "pending"
    assert "Queued again: 1 dead letter." in after.text
    assert "No dead letters" in after.text


@pytest.mark.usefixtures("prefect_down")
def test_retry_all_queues_every_dead_letter_again(browsers: Browsers) -> None:
    dead = [_dead_letter(browsers.engine, key) for key in ("page-a", "page-b")]
    with browsers.client("ops.kent") as client:
        page = client.get("/ops")
        assert "Retry all 2 dead letters" in page.text
        posted = client.post("/ops/dead-letters/retry", data={"csrf_token": _csrf(page)})
    assert posted.status_code == 200 and "Queued again: 2 dead letters." in posted.text
    assert [_status(browsers.engine, row) for row in dead] == ["pending", "pending"]


@pytest.mark.usefixtures("prefect_down")
def test_a_retry_without_the_pages_csrf_token_is_refused(browsers: Browsers) -> None:
    dead = _dead_letter(browsers.engine, "page-a")
    with browsers.client("ops.kent") as client:
        refused = client.post(f"/ops/dead-letters/{dead}/retry", data={"csrf_token": "0" * 64})
        missing = client.post("/ops/dead-letters/retry")
    assert (refused.status_code, missing.status_code) == (403, 403)
    assert _status(browsers.engine, dead) == "permanent-failure"


@pytest.mark.usefixtures("prefect_down")
def test_someone_who_is_not_an_operator_gets_403_and_the_refusal_is_audited(
    browsers: Browsers,
) -> None:
    dead = _dead_letter(browsers.engine, "page-a")
    with browsers.client("coord.kent") as client:
        page = client.get("/ops")
        posted = client.post(
            f"/ops/dead-letters/{dead}/retry",
            data={"csrf_token": _csrf(page)},
        )
    assert page.status_code == 403
    assert "operations page is for operators" in page.text
    assert 'href="/ops"' not in page.text
    assert posted.status_code == 403
    assert _status(browsers.engine, dead) == "permanent-failure"
    with session_scope(browsers.engine) as session:
        audited = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action) == "principal.refused.role_not_held")
            .order_by(col(AuditEvent.id))
        ).all()
    assert [(e.actor, (e.after or {})["attempted"]) for e in audited] == [
        ("coord.kent", "operations.view"),
        ("coord.kent", "operations.retry"),
    ]


@pytest.mark.usefixtures("prefect_down")
def test_an_overdue_timer_no_one_owns_is_listed(browsers: Browsers) -> None:
    now = clock.now(browsers.engine)
    with session_scope(browsers.engine) as session:
        case = Case(
            reference="JP-OPS0-0001",
            pathway="youth-1617-intake",
            definition_version="1.1",
            authority_id="dartford",
            state="joint_assessment",
        )
        session.add(case)
        session.flush()
        session.add(
            Timer(
                case_id=case.id or 0,
                name="referral_decision",
                rule_id="rfs-triage",
                citation="test",
                owner_team="ics",
                started_at=now - timedelta(days=3),
                due_at=now - timedelta(days=2),
                status="breached",
            )
        )
    with browsers.client("ops.kent") as client:
        page = client.get("/ops")
    section = page.text.split('id="unowned-timers"')[1]
    assert "JP-OPS0-0001" in section
    assert "ICS decision on the referral" in section
    assert "Children&#39;s services (ICS)" in section
    # Told in the rule's unit (working days here), so the count depends on the weekday.
    assert re.search(r'govuk-tag--red">\s*overdue by \d+ working days?', section)


def test_the_page_renders_unreachable_while_the_prefect_server_is_down(
    browsers: Browsers, prefect_down: None
) -> None:
    with browsers.client("ops.kent") as client:
        page = client.get("/ops")
    assert page.status_code == 200
    assert "unreachable" in page.text
    assert "No sweep has finished yet." in page.text


@pytest.fixture
def silent_prefect(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A port that accepts connections (the kernel completes them) and never answers."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)
        monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{hole.getsockname()[1]}/api")
        yield


@pytest.mark.usefixtures("silent_prefect")
def test_a_prefect_server_that_never_answers_costs_the_page_one_short_timeout(
    browsers: Browsers,
) -> None:
    with browsers.client("ops.kent") as client:
        started = time.monotonic()
        page = client.get("/ops")
        took = time.monotonic() - started
    assert page.status_code == 200 and "unreachable" in page.text
    assert PROBE_TIMEOUT <= took < PROBE_TIMEOUT + 10


@pytest.fixture
def prefect_up(prefect_server: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test Prefect server, named in the environment as `pathways serve` names it."""
    api = str(PREFECT_API_URL.value())
    monkeypatch.setenv("PREFECT_API_URL", api)
    return api


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_up")
def test_with_prefect_up_the_page_lists_every_declared_deployment(browsers: Browsers) -> None:
    with browsers.client("ops.kent") as client:
        page = client.get("/ops")
    assert page.status_code == 200
    assert ">up<" in page.text.replace("\n", "").replace(" ", "")
    for name in ("timer-sweep/timer-sweep", "deliver-notifications/deliver-notifications"):
        assert name in page.text
    assert "not registered" in page.text  # the test server serves none of them


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_up")
def test_a_registered_deployment_shows_whether_it_is_served_and_its_last_run() -> None:
    # A name of its own, so other tests' deployments on this server do not count.
    deployment = RunnerDeployment.from_flow(timer_sweep, name=f"ops-{uuid.uuid4().hex[:8]}")
    name = f"{deployment.flow_name}/{deployment.name}"

    async def run_once() -> None:
        deployment_id = await deployment.aapply()
        async with get_client() as client:
            run = await client.create_flow_run_from_deployment(deployment_id)
            states: tuple[State[None], ...] = (Pending(), Running(), Completed())
            for state in states:
                await client.set_flow_run_state(run.id, state, force=True)

    run_coroutine(run_once())
    # What is read is under test here, not how long the page waits: a loaded CI machine may
    # take longer than the page's few seconds.
    health = prefect_health((name, "timer-sweep/no-such-deployment"), probe=30, budget=60)
    assert health.server == "up"
    registered, missing = health.deployments
    assert (registered.name, registered.registered, registered.ready) == (name, True, False)
    assert registered.last_run_state == "Completed"
    assert registered.last_run_at is not None
    assert registered.last_run_at > datetime.now(UTC) - timedelta(minutes=5)
    assert (missing.registered, missing.last_run_state) == (False, None)
