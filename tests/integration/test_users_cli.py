"""``pathways users``: accounts managed from the server's command line, passwords read without
echo, a token printed once, and no secret in any message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from application.accounts import (
    MAX_FAILURES,
    SignedIn,
    seed_demo_accounts,
    sign_in,
    token_principal,
)
from cli.main import app
from infrastructure.db import session_scope
from tests.support.staffed_database import staffed_engine

USER = "ho.dartford"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def engine(migrated_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    staff = {
        USER: ("lha-housing-officer", "dartford"),
        "sw.dartford": ("ics-social-worker", "dartford"),
    }
    with staffed_engine(migrated_database_url, monkeypatch, staff) as engine:
        yield engine


def users(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, ["users", *args], input=stdin)


def _signs_in(engine: Engine, username: str, password: str) -> bool:
    with session_scope(engine) as session:
        return isinstance(sign_in(session, username, password), SignedIn)


def _fits(output: str, width: int = 80) -> None:
    assert output.strip()
    assert max(len(line) for line in output.splitlines()) <= width


def test_add_reads_the_password_from_stdin_and_the_account_signs_in(engine: Engine) -> None:
    added = users("add", USER, "--password-stdin", stdin=f"{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert added.stdout == f"added an account for {USER}\n"
    assert _signs_in(engine, USER, PASSWORD)


def test_add_prompts_twice_without_echoing_the_password(engine: Engine) -> None:
    added = users("add", USER, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output
    assert "Repeat for confirmation" in added.output
    assert _signs_in(engine, USER, PASSWORD)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("add", USER), "too short\n", "error: password: must be at least 12 characters"),
        (("add", "nobody.here"), f"{PASSWORD}\n", "error: username: no member of staff"),
        (("set-password", "sw.dartford"), f"{PASSWORD}\n", "error: username: 'sw.dartford' "),
    ],
)
def test_a_refusal_names_the_field_and_never_the_password(
    engine: Engine, args: tuple[str, ...], stdin: str, message: str
) -> None:
    refused = users(*args, "--password-stdin", stdin=stdin)
    assert refused.exit_code == 2
    assert refused.stderr.startswith(message), refused.stderr
    assert stdin.strip() not in refused.stderr.replace(f"'{USER}'", "")
    assert refused.stdout == ""


def test_set_password_replaces_the_old_one(engine: Engine) -> None:
    users("add", USER, "--password-stdin", stdin=f"{PASSWORD}\n")
    changed = users("set-password", USER, "--password-stdin", stdin=f"{NEW_PASSWORD}\n")
    assert changed.exit_code == 0, changed.output
    assert NEW_PASSWORD not in changed.output
    assert not _signs_in(engine, USER, PASSWORD)
    assert _signs_in(engine, USER, NEW_PASSWORD)


def test_token_prints_the_token_once_on_stdout_and_keeps_its_hash(engine: Engine) -> None:
    users("add", USER, "--password-stdin", stdin=f"{PASSWORD}\n")
    issued = users("token", USER)
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert "\n" not in token and token.startswith("jpp_")
    assert "shown only now" in issued.stderr and token not in issued.stderr
    with engine.connect() as connection:
        stored = repr(connection.execute(text("SELECT * FROM apitoken")).all())
        audited = repr(connection.execute(text("SELECT * FROM auditevent")).all())
    assert token not in stored and token not in audited
    with session_scope(engine) as session:
        found = token_principal(session, token)
    assert found is not None and found.username == USER


def test_disable_revokes_tokens_and_stops_sign_in(engine: Engine) -> None:
    users("add", USER, "--password-stdin", stdin=f"{PASSWORD}\n")
    token = users("token", USER).stdout.strip()
    disabled = users("disable", USER)
    assert disabled.exit_code == 0, disabled.output
    assert not _signs_in(engine, USER, PASSWORD)
    with session_scope(engine) as session:
        assert token_principal(session, token) is None
    refused = users("token", USER)
    assert refused.exit_code == 2
    assert refused.stderr == f"error: username: '{USER}' is disabled and cannot have a token\n"
    assert "disabled" in users("list").stdout


def test_a_token_for_no_account_is_refused(engine: Engine) -> None:
    refused = users("token", "sw.dartford")
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert refused.stderr == "error: username: 'sw.dartford' has no account\n"


def test_list_fits_80_columns_even_with_every_demo_account(engine: Engine) -> None:
    users("add", USER, "--password-stdin", stdin=f"{PASSWORD}\n")
    with session_scope(engine) as session:
        demo = seed_demo_accounts(session)
    for _ in range(MAX_FAILURES):
        _signs_in(engine, USER, "a wrong guess!")
    listed = users("list")
    assert listed.exit_code == 0, listed.output
    _fits(listed.stdout)
    assert demo.password not in listed.stdout
    for name in (USER, "demo.coordinator", "demo.auditor"):
        assert name in listed.stdout
    assert "locked" in listed.stdout
    # Even the longest username and role stay whole on their lines.
    lines = [line.strip() for line in listed.stdout.splitlines()]
    assert any(line.startswith("demo.lha-second-authorising-officer ") for line in lines)
    assert "lha-second-authorising-officer" in lines
